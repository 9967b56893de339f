import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { LOCAL_ACTIVITY_PATH, type LocalActivity } from '../../../local/host/http/local-activity';

export const REPO_ROOT = resolve(__dirname, '../../..');
export const APPS = join(REPO_ROOT, 'tests/host/apps');

export interface HostProcess {
  url: string;
  /** The function count of the ready line (functions that run; those in error are not counted). */
  functionCount: number;
  child: ChildProcess;
  stderr: () => string;
  /** Resolves with the exit code or signal name once the process is gone. */
  exited: Promise<string>;
  kill(): Promise<string>;
}

/**
 * Runs `local/host/cli.ts` as a child process (the app loads once per process; crash tests kill and
 * restart it). Resolves when the host prints its ready line, rejects if it exits first or times out.
 */
export function startHostProcess(opts: {
  appDir: string;
  stateDir: string;
  env?: Record<string, string>;
  timeoutMs?: number;
}): Promise<HostProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(REPO_ROOT, 'local/host/cli.ts'), '--app', opts.appDir, '--port', '0', '--state-dir', opts.stateDir],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  const exited = new Promise<string>((r) => child.once('exit', (code, signal) => r(signal ?? String(code))));
  return new Promise((resolveReady, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`host did not become ready in time; stderr:\n${err}`));
    }, opts.timeoutMs ?? 90_000);
    child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /Local host ready on (http:\/\/127\.0\.0\.1:\d+) \((\d+) functions\)\n/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolveReady({
          url: m[1],
          functionCount: Number(m[2]),
          child,
          stderr: () => err,
          exited,
          kill: async () => {
            if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
            return exited;
          },
        });
      }
    });
    void exited.then((how) => {
      clearTimeout(timer);
      reject(new Error(`host exited (${how}) before it was ready; stderr:\n${err}`));
    });
  });
}

export async function api(url: string, init?: RequestInit): Promise<{ status: number; body: unknown; headers: Headers }> {
  const res = await fetch(url, init);
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? (JSON.parse(text) as unknown) : null;
  } catch {
    // plain-text answers stay strings
  }
  return { status: res.status, body, headers: res.headers };
}

/** Polls the status endpoint until the instance is no longer Pending/Running (bounded). */
export async function waitForStatus(baseUrl: string, instanceId: string, timeoutMs = 60_000, query = ''): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await api(`${baseUrl}/runtime/webhooks/durabletask/instances/${encodeURIComponent(instanceId)}${query}`);
    const body = r.body as Record<string, unknown> | null;
    if (r.status === 200 && body) return body;
    if (Date.now() > deadline) throw new Error(`instance ${instanceId} still ${JSON.stringify(body)} after ${timeoutMs} ms`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

export async function pollUntil<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

/** The host's own counters (blob sweeps and dispatches, durable episodes): what tests wait on instead of sleeping. */
export async function localActivity(baseUrl: string): Promise<LocalActivity> {
  const r = await api(`${baseUrl}${LOCAL_ACTIVITY_PATH}`);
  if (r.status !== 200) throw new Error(`${LOCAL_ACTIVITY_PATH} answered ${r.status}`);
  return r.body as LocalActivity;
}
