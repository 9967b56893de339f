/**
 * Crash (issue 6): the host is SIGKILLed at a random moment of a run and started again on the same
 * state. Every run must complete with the same per-row outcome as an uninterrupted run of the same
 * file, and no device may be imported twice. The kills are aimed phase by phase (parse, import, confirm, report, cleanup in turn), with a seeded random delay inside it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBenchStack, type BenchStack } from '../../bench/support/stack';
import { dropBlob, readReport, waitForRun } from '../../bench/support/run';
import { importsPerSerial, lastSeq, logEntries } from '../../bench/support/traffic';
import { expectNoDuplicateImports, expectTruth, faultSeed, FULL, mixedFile, outcomes, TENANT_DEVICES } from './support';

/** mulberry32: a reproducible sequence of kill moments (CRASH_SEED overrides). */
function dice(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PHASES = ['parse', 'import', 'confirm', 'report', 'cleanup'] as const;

/** Polls the run until its custom status names `phase` (or it is past it, or the time is up); returns what it saw. */
async function reachPhase(hostUrl: string, runId: string, phase: string, until: number): Promise<string> {
  const order = ['not started', ...PHASES, 'done'];
  let seen = 'not started';
  while (Date.now() < until) {
    const res = await fetch(`${hostUrl}/runtime/webhooks/durabletask/instances/${runId}`).catch(() => undefined);
    if (res && res.status !== 404) {
      const body = (await res.json()) as { runtimeStatus?: string; customStatus?: { phase?: string } };
      seen = body.runtimeStatus === 'Completed' ? 'done' : (body.customStatus?.phase ?? 'parse');
      if (order.indexOf(seen) >= order.indexOf(phase)) return `${seen} (aimed at ${phase})`;
    } else {
      await res?.body?.cancel();
    }
    await new Promise((r) => setTimeout(r, 15));
  }
  return `${seen} (aimed at ${phase}, not reached)`;
}

async function reachImportCall(stack: BenchStack, since: number, until: number): Promise<string> {
  while (Date.now() < until) {
    if (stack.emulator.requestLog(since, 100_000).entries.some((e) => e.path.endsWith('/importedWindowsAutopilotDeviceIdentities/import'))) return 'import (after the first import call)';
    await new Promise((r) => setTimeout(r, 5));
  }
  return 'import (no import call seen)';
}

describe('crash: the host killed at random moments and restarted', () => {
  let stack: BenchStack;
  const runs = FULL ? 20 : 3;
  const fresh = FULL ? 60 : 25;
  const seed = Number(process.env.CRASH_SEED ?? 20261128);

  beforeAll(async () => {
    // Chunks of 10: several import calls and chunk-state writes per run, so a kill can land between them.
    stack = await startBenchStack({ tenantDevices: TENANT_DEVICES, appSettings: { IMPORT_CHUNK_SIZE: '10' } });
    await stack.emulator.seed(faultSeed());
  }, 120_000);
  afterAll(async () => stack?.dispose());

  it(`${runs} killed runs each end with the uninterrupted run's report and no duplicate import`, async () => {
    const reference = mixedFile('CRREFX', fresh);
    const refDrop = await dropBlob(stack, 'crash/reference.csv', reference.csv);
    const refWatch = await waitForRun(stack, refDrop.runId, refDrop.droppedAt, { timeoutMs: 180_000 });
    const expected = outcomes(await readReport(stack, refDrop.runId));
    expectTruth(await readReport(stack, refDrop.runId), reference.truth, 'uninterrupted run');

    const roll = dice(seed);
    const killedAt: string[] = [];
    const failures: string[] = [];
    for (let run = 0; run < runs; run++) {
      const file = mixedFile(`CR${run}X`, fresh);
      const since = lastSeq(stack.emulator);
      // Each run aims its kill at one phase in turn (parse, import, confirm, report, cleanup): wait until the
      // run is in it, then a seeded random delay within the phase's usual length.
      const target = PHASES[run % PHASES.length]!;
      const delayMs = Math.round(roll() * 400);
      const { runId, droppedAt } = await dropBlob(stack, `crash/run-${run}.csv`, file.csv);
      // The orchestration's status names the import phase only after its first step, so the import
      // kill is aimed from the emulator's log instead: after the run's first import call.
      const status =
        target === 'import'
          ? await reachImportCall(stack, since, droppedAt + Math.max(90_000, refWatch.elapsedMs * 3))
          : await reachPhase(stack.hostUrl, runId, target, droppedAt + Math.max(90_000, refWatch.elapsedMs * 3));
      await new Promise((r) => setTimeout(r, target === 'import' ? delayMs / 4 : delayMs));
      const killAfterMs = Date.now() - droppedAt;
      await stack.killHost();
      killedAt.push(`${killAfterMs} ms ${status}`);
      await stack.startHost();
      await waitForRun(stack, runId, droppedAt, { timeoutMs: 240_000 });
      const report = await readReport(stack, runId);
      const context = `run ${run}, killed ${killAfterMs} ms after the drop in ${status}, seed ${seed}`;
      // Every run is checked, and all differences are reported together (how many of N runs break).
      try {
        expect(outcomes(report), `${context}: report differs from the uninterrupted run`).toEqual(expected);
        expectTruth(report, file.truth, context);
        expectNoDuplicateImports(importsPerSerial(logEntries(stack.emulator, since)), file.freshSerials, context);
      } catch (error) {
        const diff = outcomes(report).filter((o, i) => JSON.stringify(o) !== JSON.stringify(expected[i]));
        const twice = file.freshSerials.filter((serial) => (importsPerSerial(logEntries(stack.emulator, since)).get(serial.toLowerCase()) ?? 0) > 1);
        failures.push(`${(error as Error).message.split('\n')[0]} — ${diff.length} differing rows, first: ${JSON.stringify(diff.slice(0, 3))}; serials imported twice: ${twice.length}`);
      }
    }
    console.log(`crash suite: ${runs} runs, kills at ${killedAt.join(', ')}`);
    expect(failures).toEqual([]);
  }, 60_000 + runs * 300_000);
});
