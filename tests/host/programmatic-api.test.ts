import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalHost, type LocalHost } from '../../local/host/index';
import { api, APPS } from './support/host-process';

// The programmatic API other suites use: start in-process, wait for an instance, read its status, stop.

let host: LocalHost;
let stateDir: string;
const lines: string[] = [];

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'host-api-'));
  host = await startLocalHost({
    appDir: join(APPS, 'patterns'),
    port: 0,
    stateDir,
    env: { PATTERNS_GREETING: 'Hi from env' },
    log: (l) => lines.push(l),
  });
});

afterAll(async () => {
  await host?.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

describe('startLocalHost', () => {
  it('serves on a free port and applies env over local.settings.json before the app loads', async () => {
    expect(host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const r = await api(`${host.url}/api/items/1`);
    expect((r.body as { greeting: string }).greeting).toBe('Hi from env');
    expect(process.env.WEBSITE_HOSTNAME).toBe(host.url.replace('http://', ''));
  });

  it('waits for an instance and returns its status with history', async () => {
    const started = await api(`${host.url}/api/orchestrators/fanOut/api-1`, { method: 'POST', body: '4' });
    expect(started.status).toBe(202);
    await expect(host.waitForInstance('api-1', { timeoutMs: 20_000 })).resolves.toEqual({
      runtimeStatus: 'Completed',
      output: 20,
      customStatus: null,
    });
    const status = (await host.getStatus('api-1')) as { historyEvents: unknown[]; input: unknown };
    expect(status.input).toBe(4);
    expect(status.historyEvents.length).toBeGreaterThan(4);
    expect(await host.getStatus('missing')).toBeUndefined();
  });

  it('rejects (never hangs) when an instance does not finish in time', async () => {
    await api(`${host.url}/api/orchestrators/approval/api-wait`, { method: 'POST', body: '' });
    await expect(host.waitForInstance('api-wait', { timeoutMs: 300 })).rejects.toThrow(
      /did not finish within 300 ms \(status: (Pending|Running)\)/,
    );
  });

  it('keeps its journal in the state folder', () => {
    const journal = readFileSync(join(stateDir, 'journal.jsonl'), 'utf8');
    expect(journal).toContain('"instanceId":"api-1"');
  });

  it('refuses a second host in the same process (the app loads once per process)', async () => {
    await expect(startLocalHost({ appDir: join(APPS, 'patterns'), port: 0, stateDir })).rejects.toThrow(
      /already started \(or tried to start\) in this process/,
    );
  });
});
