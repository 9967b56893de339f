/**
 * Azurite (the npm package) as a child process: blobs, queues and tables on loopback. In memory
 * for tests; persisted in a folder for `npm start`. Killed by PID (npx would leave a child behind).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';

/** The well-known Azurite development account (public, documented by Microsoft; not a secret). */
export const DEV_ACCOUNT = 'devstoreaccount1';
export const DEV_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface AzuriteInstance {
  blobPort: number;
  queuePort: number;
  tablePort: number;
  connectionString: string;
  stop(): Promise<void>;
}

export interface AzuriteOptions {
  /** Persist data in this folder; without it, data lives in memory. */
  location?: string;
  /** Fixed ports (npm start); free ports otherwise. */
  ports?: { blob: number; queue: number; table: number };
}

/** Asks the OS for free loopback ports, holding them all open together so none is handed out twice. */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const server = createServer();
          server.unref();
          server.on('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => {
    const address = server.address();
    return address && typeof address === 'object' ? address.port : 0;
  });
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  if (ports.some((p) => p === 0)) throw new Error('no free port');
  return ports;
}

export async function freePort(): Promise<number> {
  return (await freePorts(1))[0]!;
}

export function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const socket = createConnection({ port, host: '127.0.0.1' });
      socket.once('connect', () => {
        socket.end();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`nothing listened on port ${port} within ${timeoutMs} ms`));
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
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
  // Free ports can be taken by another process between our probe and Azurite's bind: try again
  // with new ones (fixed ports are the caller's to fix).
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (error) {
      if (options.ports || attempt >= 3) throw error;
    }
  }
}

async function startOnce(options: AzuriteOptions): Promise<AzuriteInstance> {
  const [blob, queue, table] = options.ports ? [options.ports.blob, options.ports.queue, options.ports.table] : await freePorts(3);
  const ports = { blob: blob!, queue: queue!, table: table! };
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
    '--blobHost',
    '127.0.0.1',
    '--queueHost',
    '127.0.0.1',
    '--tableHost',
    '127.0.0.1',
    '--blobPort',
    String(ports.blob),
    '--queuePort',
    String(ports.queue),
    '--tablePort',
    String(ports.table),
  ];
  const child: ChildProcess = spawn(process.execPath, args, { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await Promise.race([
      Promise.all([waitForPort(ports.blob, 60_000), waitForPort(ports.queue, 60_000), waitForPort(ports.table, 60_000)]),
      exited.then(() => {
        throw new Error(`Azurite exited during start-up (ports ${ports.blob}/${ports.queue}/${ports.table} in use?)`);
      }),
    ]);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    blobPort: ports.blob,
    queuePort: ports.queue,
    tablePort: ports.table,
    connectionString: connectionStringFor(ports.blob, ports.queue, ports.table),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}
