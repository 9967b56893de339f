import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { raw, startHarness, type Harness } from './support';

describe('fault injection', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ timeScale: 0 });
  });
  afterAll(async () => h.emu.stop());

  it('answers every operation with 500/503 at error rate 1, and 503 carries Retry-After', async () => {
    h.emu.updateSettings({ faults: { errorRate: 1, timeoutRate: 0, latencyMs: 0 } });
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) {
      const r = await raw(h.client, 'GET', 'v1.0', '/devices');
      statuses.push(r.status);
      if (r.status === 503) expect(r.headers.get('Retry-After')).toBe('1');
    }
    expect(statuses.every((s) => s === 500 || s === 503)).toBe(true);
    expect(new Set(statuses).size).toBe(2);
    expect(h.emu.logSummary().faults).toBeGreaterThanOrEqual(20);

    // Inside a $batch the dice are rolled per inner request; the batch itself still answers 200.
    const batch = await raw(h.client, 'POST', 'v1.0', '/$batch', {
      requests: [
        { id: '1', method: 'GET', url: '/devices' },
        { id: '2', method: 'GET', url: '/groups' },
      ],
    });
    expect(batch.status).toBe(200);
    const inner = (batch.body as { responses: { status: number }[] }).responses.map((r) => r.status);
    expect(inner.every((s) => s === 500 || s === 503)).toBe(true);
  });

  it('injects roughly the configured share of errors, reproducibly for a seed', async () => {
    const run = async (): Promise<number[]> => {
      h.emu.updateSettings({ faults: { errorRate: 0.3, seed: 42 } });
      const out: number[] = [];
      for (let i = 0; i < 100; i++) out.push((await raw(h.client, 'GET', 'v1.0', '/groups')).status);
      return out;
    };
    const first = await run();
    const failures = first.filter((s) => s >= 500).length;
    expect(failures).toBeGreaterThan(10);
    expect(failures).toBeLessThan(50);
    expect(await run()).toEqual(first);
  });

  it('holds timed-out requests for timeoutMs and answers 504; adds latency', async () => {
    h.emu.updateSettings({ faults: { errorRate: 0, timeoutRate: 1, timeoutMs: 150 } });
    let started = Date.now();
    const timedOut = await raw(h.client, 'GET', 'v1.0', '/groups');
    expect(timedOut.status).toBe(504);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);

    h.emu.updateSettings({ faults: { timeoutRate: 0, latencyMs: 120 } });
    started = Date.now();
    expect((await raw(h.client, 'GET', 'v1.0', '/groups')).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(110);
    h.emu.updateSettings({ faults: { latencyMs: 0 } });
  });
});
