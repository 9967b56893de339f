/**
 * The local Functions host (local/host/cli.ts) as a child process running this app, resolved once it
 * prints its ready line. On failure the child is gone before the promise rejects: a caller that
 * cleans up after a failed start never races a host still shutting down.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export interface HostChild {
  url: string;
  child: ChildProcess;
  exited: Promise<string>;
}

const READY_TIMEOUT_MS = 60_000;

/**
 * Node arguments for the host child, from the app setting Azure passes to the Node worker
 * (`languageWorkers__node__arguments`): locally the worker is the host process itself.
 */
export function workerNodeArgs(env: Record<string, string>): string[] {
  return (env.languageWorkers__node__arguments ?? '').split(/\s+/).filter((a) => a.length > 0);
}

/**
 * glibc allocator settings infra gives the Node worker along with its heap limit
 * (infra/modules/function-app.bicep): two malloc arenas instead of one per thread, and a fixed 128 KB
 * mmap threshold, so freed buffers go back to the system instead of staying in the heap.
 */
export const MALLOC_SETTINGS = { MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '131072' } as const;

export function spawnHost(
  repoRoot: string,
  port: number,
  stateDir: string,
  env: Record<string, string>,
  onLine: (line: string) => void,
): Promise<HostChild> {
  const child = spawn(
    process.execPath,
    [
      ...workerNodeArgs(env),
      '--import',
      'tsx',
      join(repoRoot, 'local/host/cli.ts'),
      '--app',
      repoRoot,
      '--port',
      String(port),
      '--state-dir',
      stateDir,
    ],
    {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const exited = new Promise<string>((r) => child.once('exit', (code, signal) => r(signal ?? String(code))));
  // The last lines, for the error when the host does not come up (its own reason is among them).
  const recent: string[] = [];
  const lines = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) {
      if (!line.trim()) continue;
      onLine(line);
      recent.push(line);
      if (recent.length > 20) recent.shift();
    }
  };
  child.stderr.on('data', lines);
  let out = '';
  return new Promise((resolveReady, reject) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, READY_TIMEOUT_MS);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`the local host could not be started: ${error.message}`));
    });
    child.stdout.on('data', (chunk: Buffer) => {
      lines(chunk);
      out += chunk.toString();
      const ready = /Local host ready on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (ready?.[1]) {
        clearTimeout(timer);
        resolveReady({ url: ready[1], child, exited });
      }
    });
    void exited.then((how) => {
      clearTimeout(timer);
      const why = timedOut ? `did not become ready within ${READY_TIMEOUT_MS / 1000} s` : `exited (${how}) before it was ready`;
      reject(new Error(`the local host ${why}:\n${recent.join('\n')}`));
    });
  });
}

/** SIGTERM (a graceful stop), SIGKILL if it has not exited 5 s later; resolves once it is gone. */
export async function stopHost(host: HostChild): Promise<void> {
  if (host.child.exitCode !== null || host.child.signalCode !== null) return;
  host.child.kill('SIGTERM');
  const timeout = setTimeout(() => host.child.kill('SIGKILL'), 5_000);
  await host.exited;
  clearTimeout(timeout);
}
