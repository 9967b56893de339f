/**
 * Graph faults (issue 6): 10 % of operations answered 500/503, 10 % of HTTP requests held and then
 * answered 504, plus noisy neighbours that keep the tenant's Intune budget full until the run has
 * been throttled (429 + Retry-After for everyone; ./noisy-neighbours.ts). Every valid device must
 * still reach its true final state, and no device may be imported twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_APP_ID } from '../../local/app-token';
import { startBenchStack, type BenchStack } from '../../bench/support/stack';
import { dropBlob, readReport, waitForRun } from '../../bench/support/run';
import { importsPerSerial, lastSeq, logEntries } from '../../bench/support/traffic';
import { noisyNeighbours } from './noisy-neighbours';
import { expectNoDuplicateImports, expectTruth, faultSeed, FULL, mixedFile, TENANT_DEVICES } from './support';

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
      // Other apps fill the tenant's Intune window before the file lands, and refill it whenever it
      // has room, until one of the run's own requests has been throttled: however slow the machine,
      // the run meets a full window (no timed bursts that the run could fall between).
      const neighbours = noisyNeighbours(stack.emulator, since);
      await neighbours.filled;
      const { runId, droppedAt } = await dropBlob(stack, `faults/graph-${run}.csv`, file.csv);
      try {
        await waitForRun(stack, runId, droppedAt, { timeoutMs: 300_000 });
      } finally {
        neighbours.stop();
        await neighbours.done;
      }
      const entries = logEntries(stack.emulator, since);
      const ours = entries.filter((e) => e.appId === LOCAL_APP_ID);
      // Counted by the emulator itself, not from what the neighbours happened to see.
      const throttledNeighbours = entries.filter((e) => e.appId !== LOCAL_APP_ID && e.throttled).length;
      expectTruth(await readReport(stack, runId), file.truth, `run ${run}`);
      expectNoDuplicateImports(importsPerSerial(entries), file.freshSerials, `run ${run}`);
      // The faults really happened to the run's own traffic.
      expect(throttledNeighbours, 'the neighbours never reached the tenant limit').toBeGreaterThan(0);
      expect(ours.filter((e) => e.throttled).length, "none of the run's requests was throttled").toBeGreaterThan(0);
      expect(ours.filter((e) => e.fault === 'error').length, 'no injected 5xx hit the run').toBeGreaterThan(0);
      expect(entries.filter((e) => e.fault === 'timeout').length, 'no injected timeout').toBeGreaterThan(0);
      console.log(
        `graph-faults run ${run}: ${fresh} new devices, ${Date.now() - droppedAt} ms; the run's operations: ${ours.filter((e) => !e.batch).length}, ` +
          `5xx ${ours.filter((e) => e.fault === 'error').length}, 429 ${ours.filter((e) => e.throttled).length}, timeouts (all apps) ${entries.filter((e) => e.fault === 'timeout').length}, neighbours throttled ${throttledNeighbours}`,
      );
    }
  }, 600_000);
});
