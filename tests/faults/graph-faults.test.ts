/**
 * Graph faults (issue 6): 10 % of operations answered 500/503, 10 % of HTTP requests held and then
 * answered 504, plus throttling bursts from noisy neighbours that fill the tenant's Intune budget
 * (429 + Retry-After for everyone). Every valid device must still reach its true final state, and
 * no device may be imported twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_APP_ID } from '../../local/app-token';
import { startBenchStack, type BenchStack } from '../../bench/support/stack';
import { dropBlob, readReport, waitForRun } from '../../bench/support/run';
import { importsPerSerial, lastSeq, logEntries } from '../../bench/support/traffic';
import { expectNoDuplicateImports, expectTruth, faultSeed, FULL, mixedFile, TENANT_DEVICES } from './support';

/**
 * Fills the tenant-wide Intune request window (2,000 per 20 s) from two other apps, 20 operations
 * per $batch round trip so the burst lands well inside one window even on a slow machine.
 * Returns how many of the neighbours' operations were throttled.
 */
async function throttlingBurst(graphUrl: string, operations: number): Promise<number> {
  let throttled = 0;
  const batch = async (token: string) => {
    const requests = Array.from({ length: 20 }, (_, i) => ({ id: String(i + 1), method: 'GET', url: '/deviceManagement/windowsAutopilotSettings' }));
    const res = await fetch(`${graphUrl}/beta/$batch`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ requests }),
    });
    const body = (await res.json().catch(() => undefined)) as { responses?: { status: number }[] } | undefined;
    throttled += body?.responses?.filter((r) => r.status === 429).length ?? 0;
  };
  const batches = Math.ceil(operations / 20);
  const lanes = Array.from({ length: 8 }, async (_, lane) => {
    for (let i = lane; i < batches; i += 8) await batch(i % 2 ? 'neighbour-a' : 'neighbour-b');
  });
  await Promise.all(lanes);
  return throttled;
}

describe('Graph faults: 5xx, timeouts and throttling bursts', () => {
  let stack: BenchStack;
  const runs = FULL ? 3 : 1;
  const fresh = FULL ? 200 : 30;

  beforeAll(async () => {
    stack = await startBenchStack({
      tenantDevices: TENANT_DEVICES,
      throttling: true,
      faults: { errorRate: 0.1, timeoutRate: 0.1, timeoutMs: 1_000, seed: 6 },
    });
    await stack.emulator.seed(faultSeed());
  }, 120_000);
  afterAll(async () => stack?.dispose());

  it(`every valid device reaches its true final state, none imported twice (${runs} run(s) of ${fresh} new devices)`, async () => {
    for (let run = 0; run < runs; run++) {
      const file = mixedFile(`FLT${run}X`, fresh, run + 1);
      const since = lastSeq(stack.emulator);
      // The tenant's Intune window (20 s) is full before the file lands, so the run's first Intune
      // calls are throttled; a second burst lands while the run is under way.
      const firstBurst = await throttlingBurst(stack.emulator.url, 3_000);
      const { runId, droppedAt } = await dropBlob(stack, `faults/graph-${run}.csv`, file.csv);
      const secondBurst = new Promise((r) => setTimeout(r, 5_000)).then(() => throttlingBurst(stack.emulator.url, 3_000));
      await waitForRun(stack, runId, droppedAt, { timeoutMs: 300_000 });
      const throttledNeighbours = firstBurst + (await secondBurst);
      const entries = logEntries(stack.emulator, since);
      const ours = entries.filter((e) => e.appId === LOCAL_APP_ID);
      expectTruth(await readReport(stack, runId), file.truth, `run ${run}`);
      expectNoDuplicateImports(importsPerSerial(entries), file.freshSerials, `run ${run}`);
      // The faults really happened to the run's own traffic.
      expect(throttledNeighbours, 'the bursts did not reach the tenant limit').toBeGreaterThan(0);
      expect(ours.filter((e) => e.throttled).length, 'none of the run\'s requests was throttled').toBeGreaterThan(0);
      expect(ours.filter((e) => e.fault === 'error').length, 'no injected 5xx hit the run').toBeGreaterThan(0);
      expect(entries.filter((e) => e.fault === 'timeout').length, 'no injected timeout').toBeGreaterThan(0);
      console.log(
        `graph-faults run ${run}: ${fresh} new devices, ${Date.now() - droppedAt} ms; the run's operations: ${ours.filter((e) => !e.batch).length}, ` +
          `5xx ${ours.filter((e) => e.fault === 'error').length}, 429 ${ours.filter((e) => e.throttled).length}, timeouts (all apps) ${entries.filter((e) => e.fault === 'timeout').length}, neighbours throttled ${throttledNeighbours}`,
      );
    }
  }, 600_000);
});
