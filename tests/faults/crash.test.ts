/**
 * Crash (issue 6): the host is SIGKILLed at an aimed moment of a run and started again on the same
 * state. Every run must complete with the same per-row outcome as an uninterrupted run of the same
 * file, and no device may be imported twice. The kills are aimed phase by phase (parse, import,
 * confirm, report, cleanup in turn); import and confirm kills land while the phase's first Graph call
 * is held by the emulator (deterministic), the others as soon as the run's status names the phase.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBenchStack, type BenchStack } from '../../bench/support/stack';
import { dropBlob, readReport, waitForRun } from '../../bench/support/run';
import { importsPerSerial, lastSeq, logEntries } from '../../bench/support/traffic';
import { expectNoDuplicateImports, expectTruth, faultSeed, FULL, mixedFile, outcomes, TENANT_DEVICES } from './support';

const PHASES = ['parse', 'import', 'confirm', 'report', 'cleanup'] as const;

/** The run's phase as its custom status names it ('done' once completed), or 'not started'. */
async function phaseOf(hostUrl: string, runId: string): Promise<string> {
  const res = await fetch(`${hostUrl}/runtime/webhooks/durabletask/instances/${runId}`).catch(() => undefined);
  if (!res || res.status === 404) {
    await res?.body?.cancel();
    return 'not started';
  }
  const body = (await res.json()) as { runtimeStatus?: string; customStatus?: { phase?: string } };
  return body.runtimeStatus === 'Completed' ? 'done' : (body.customStatus?.phase ?? 'parse');
}

/** Polls until the run's status names `phase` (or is past it); returns the phase seen last. */
async function reachPhase(hostUrl: string, runId: string, phase: string, until: number): Promise<string> {
  const order = ['not started', ...PHASES, 'done'];
  let seen = 'not started';
  while (Date.now() < until) {
    seen = await phaseOf(hostUrl, runId);
    if (order.indexOf(seen) >= order.indexOf(phase)) return seen;
    await new Promise((r) => setTimeout(r, 10));
  }
  return seen;
}

/**
 * Where each phase's kill lands. Import and confirm kills are deterministic: the emulator holds the
 * run's first call of that phase (the import call; the sync-gate read of the first confirm step)
 * and the host is killed while it is in flight — `before` the service saw it (the call is lost) or
 * `after` it processed it (the answer is lost). Parse, report and cleanup are caught by the run's
 * status (polled every 10 ms) and killed at once; the phase read just before the kill is recorded.
 */
const HELD: Partial<Record<(typeof PHASES)[number], { method: string; path: string }>> = {
  import: { method: 'POST', path: '/importedWindowsAutopilotDeviceIdentities/import' },
  confirm: { method: 'GET', path: '/deviceManagement/windowsAutopilotSettings' },
};

async function waitFor<T>(what: string, probe: () => T | Promise<T>, until: number): Promise<T> {
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > until) throw new Error(`${what}: not reached in time`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('crash: the host killed at random moments and restarted', () => {
  let stack: BenchStack;
  const runs = FULL ? 20 : 3;
  const fresh = FULL ? 60 : 25;

  beforeAll(async () => {
    // Chunks of 10: several import calls and chunk-state writes per run, so a kill can land between them.
    stack = await startBenchStack({ tenantDevices: TENANT_DEVICES, appSettings: { IMPORT_CHUNK_SIZE: '10' } });
    await stack.emulator.seed(faultSeed());
  }, 120_000);
  afterAll(async () => stack?.dispose());

  it(
    `${runs} killed runs each end with the uninterrupted run's report and no duplicate import`,
    async () => {
      const reference = mixedFile('CRREFX', fresh);
      const refDrop = await dropBlob(stack, 'crash/reference.csv', reference.csv);
      const refWatch = await waitForRun(stack, refDrop.runId, refDrop.droppedAt, { timeoutMs: 180_000 });
      const expected = outcomes(await readReport(stack, refDrop.runId));
      expectTruth(await readReport(stack, refDrop.runId), reference.truth, 'uninterrupted run');

      const killedAt: string[] = [];
      const phaseAtKill: { aimed: string; hit: boolean }[] = [];
      const failures: string[] = [];
      for (let run = 0; run < runs; run++) {
        const file = mixedFile(`CR${run}X`, fresh);
        const since = lastSeq(stack.emulator);
        // Each run aims its kill at one phase in turn (parse, import, confirm, report, cleanup).
        const target = PHASES[run % PHASES.length]!;
        const held = HELD[target];
        // Held kills alternate, per phase, between a call the service processed (its answer lost) and
        // one it never saw; the first import kill is the processed one (its records must be found by
        // importId), the first confirm kill the other.
        const occurrence = Math.floor(run / PHASES.length);
        const when = (occurrence + (target === 'import' ? 0 : 1)) % 2 === 0 ? 'after' : 'before';
        if (held) stack.emulator.hold({ ...held, when });
        const { runId, droppedAt } = await dropBlob(stack, `crash/run-${run}.csv`, file.csv);
        const until = droppedAt + Math.max(90_000, refWatch.elapsedMs * 3);
        let status: string;
        if (held) {
          await waitFor(`run ${run}: the ${target} call held`, () => stack.emulator.holds().waiting.length > 0, until);
          status = `${target} (${held.method} …${held.path.split('/').pop()} held ${when} the service)`;
        } else {
          const seen = await reachPhase(stack.hostUrl, runId, target, until);
          status = seen === target ? target : `${seen} (aimed at ${target}, missed)`;
        }
        const killAfterMs = Date.now() - droppedAt;
        await stack.killHost();
        if (held) {
          // The emulator must see the client gone before a `before`-held call is let go (dropped).
          await waitFor(`run ${run}: the held call's client gone`, () => stack.emulator.holds().waiting.every((w) => w.clientGone), until);
          stack.emulator.releaseHolds();
        }
        phaseAtKill.push({ aimed: target, hit: !status.includes('missed') });
        killedAt.push(`${killAfterMs} ms ${status}`);
        await stack.startHost();
        await waitForRun(stack, runId, droppedAt, { timeoutMs: 240_000 });
        const report = await readReport(stack, runId);
        const context = `run ${run}, killed ${killAfterMs} ms after the drop in ${status}`;
        // Every run is checked, and all differences are reported together (how many of N runs break).
        try {
          expect(outcomes(report), `${context}: report differs from the uninterrupted run`).toEqual(expected);
          expectTruth(report, file.truth, context);
          expectNoDuplicateImports(importsPerSerial(logEntries(stack.emulator, since)), file.freshSerials, context);
        } catch (error) {
          const diff = outcomes(report).filter((o, i) => JSON.stringify(o) !== JSON.stringify(expected[i]));
          const twice = file.freshSerials.filter(
            (serial) => (importsPerSerial(logEntries(stack.emulator, since)).get(serial.toLowerCase()) ?? 0) > 1,
          );
          failures.push(
            `${(error as Error).message.split('\n')[0]} — ${diff.length} differing rows, first: ${JSON.stringify(diff.slice(0, 3))}; serials imported twice: ${twice.length}`,
          );
        }
      }
      console.log(`crash suite: ${runs} runs, kills at ${killedAt.join(', ')}`);
      expect(failures).toEqual([]);
      // Every kill happened where it was aimed — or, for the phases caught by their status (a report
      // is written in a blink), at least one of them did: a suite whose kills all miss proves nothing.
      for (const phase of new Set(phaseAtKill.map((p) => p.aimed))) {
        const hits = phaseAtKill.filter((p) => p.aimed === phase && p.hit).length;
        if (HELD[phase as (typeof PHASES)[number]] || phase === 'parse')
          expect(hits, `kills aimed at ${phase}`).toBe(phaseAtKill.filter((p) => p.aimed === phase).length);
        else expect(hits, `kills aimed at ${phase}`).toBeGreaterThan(0);
      }
    },
    60_000 + runs * 300_000,
  );
});
