/**
 * Azurite (the npm package) as a child process: blobs, queues and tables on loopback. In memory
 * for tests; persisted in a folder for `npm start`. Killed by PID (npx would leave a child behind).
 *
 * Started when Azurite itself says so: each service prints `… successfully listening at <url>` once
 * its own server is bound. A port that merely answers could belong to another process; that line
 * can only come from our child. Without fixed ports Azurite binds port 0 and the line names the
 * port the OS gave it, so there is no window in which another process can take a probed port.
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';

/** The well-known Azurite development account (public, documented by Microsoft; not a secret). */
export const DEV_ACCOUNT = 'devstoreaccount1';
export const DEV_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface AzuriteInstance {
  /** The Azurite process (tests check it is gone after a stop). */
  pid: number;
  blobPort: number;
  queuePort: number;
  tablePort: number;
  connectionString: string;
  stop(): Promise<void>;
}

export interface AzuriteOptions {
  /** Persist data in this folder; without it, data lives in memory. */
  location?: string;
  /** Fixed ports (npm start); without them Azurite binds free ones itself. */
  ports?: { blob: number; queue: number; table: number };
  /** How long Azurite may take to listen. Default 60 s. */
  timeoutMs?: number;
}

type Service = 'blob' | 'queue' | 'table';

/** `Azurite Blob service is successfully listening at http://127.0.0.1:10000` → blob, 10000. */
export function parseListeningLine(line: string): { service: Service; port: number } | undefined {
  const m = /^Azurite (Blob|Queue|Table) service is successfully listening at http:\/\/127\.0\.0\.1:(\d+)\s*$/.exec(line);
  return m?.[1] && m[2] ? { service: m[1].toLowerCase() as Service, port: Number(m[2]) } : undefined;
}

export function connectionStringFor(blobPort: number, queuePort: number, tablePort: number): string {
  return [
    'DefaultEndpointsProtocol=http',
    `AccountName=${DEV_ACCOUNT}`,
    `AccountKey=${DEV_KEY}`,
    `BlobEndpoint=http://127.0.0.1:${blobPort}/${DEV_ACCOUNT}`,
    `QueueEndpoint=http://127.0.0.1:${queuePort}/${DEV_ACCOUNT}`,
    `TableEndpoint=http://127.0.0.1:${tablePort}/${DEV_ACCOUNT}`,
  ].join(';');
}

export async function startAzurite(options: AzuriteOptions = {}): Promise<AzuriteInstance> {
  const requested = options.ports ?? { blob: 0, queue: 0, table: 0 };
  const location = options.location;
  if (location) mkdirSync(location, { recursive: true });
  const bin = require.resolve('azurite/dist/src/azurite.js');
  const args = [
    bin,
    '--silent',
    '--skipApiVersionCheck',
    '--disableTelemetry',
    // Azurite refuses --location together with --inMemoryPersistence.
    ...(location ? ['--location', location] : ['--inMemoryPersistence']),
    ...['--blobHost', '127.0.0.1', '--queueHost', '127.0.0.1', '--tableHost', '127.0.0.1'],
    ...['--blobPort', String(requested.blob), '--queuePort', String(requested.queue), '--tablePort', String(requested.table)],
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? String(code))));
  const kill = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };

  let output = '';
  const ports: Partial<Record<Service, number>> = {};
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`Azurite did not listen within ${options.timeoutMs ?? 60_000} ms:\n${output}`)),
        options.timeoutMs ?? 60_000,
      );
      const done = (error?: Error) => {
        clearTimeout(timer);
        if (error) reject(error);
        else resolve();
      };
      child.once('error', (error) => done(new Error(`Azurite could not be started: ${error.message}`)));
      void exited.then((how) =>
        done(
          new Error(
            `Azurite exited (${how}) during start-up (ports ${requested.blob}/${requested.queue}/${requested.table} in use?):\n${output}`,
          ),
        ),
      );
      let pending = '';
      const onData = (chunk: Buffer) => {
        // Kept short: only start-up output is of use, in the error above.
        output = (output + chunk.toString()).slice(-4000);
        pending += chunk.toString();
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) {
          const listening = parseListeningLine(line);
          if (listening) ports[listening.service] = listening.port;
        }
        if (ports.blob && ports.queue && ports.table) done();
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
    });
  } catch (error) {
    await kill();
    throw error;
  }
  // Azurite may still write (errors) after start-up; the pipes are drained so it never blocks on them.
  for (const pipe of [child.stdout, child.stderr]) {
    pipe.removeAllListeners('data');
    pipe.resume();
  }
  const { blob = 0, queue = 0, table = 0 } = ports;
  for (const [service, port] of [
    ['blob', blob],
    ['queue', queue],
    ['table', table],
  ] as const) {
    if (requested[service] !== 0 && requested[service] !== port) {
      await kill();
      throw new Error(`Azurite's ${service} service listens on ${port}, not on the requested ${requested[service]}`);
    }
  }
  return {
    pid: child.pid ?? 0,
    blobPort: blob,
    queuePort: queue,
    tablePort: table,
    connectionString: connectionStringFor(blob, queue, table),
    stop: kill,
  };
}
