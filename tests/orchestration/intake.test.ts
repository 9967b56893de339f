import { describe, expect, it } from 'vitest';
import { intakeOrchestrator, STEPS_PER_GENERATION } from '../../orchestrations/intake';
import { CleanupStep, ConfirmStep, FinalizeStep, ImportStep, LedgerStep, ParseStep } from '../../shared/contracts/activities';
import { emptyCounts, type IntakeInput } from '../../shared/contracts/run';

const ACTIVITY = {
  parse: ParseStep.name,
  importStep: ImportStep.name,
  confirmStep: ConfirmStep.name,
  finalize: FinalizeStep.name,
  cleanupStep: CleanupStep.name,
  ledger: LedgerStep.name,
};
import { replay, type ActivityScript } from '../support/replay-driver';
import { settings } from '../support/run-fixtures';

const input: IntakeInput = {
  runId: 'intake-0123456789abcdef0123456789abcdef',
  source: { container: 'autopilot-intake', name: 'drop.csv', etag: '"0x1"' },
  settings: settings(),
};

function script(
  opts: {
    importSteps?: number;
    confirmSteps?: number;
    cleanupSteps?: number;
    fileRejected?: boolean;
    failConfirm?: (n: number) => boolean;
    failCleanup?: boolean;
    moreWorkImports?: number;
  } = {},
): ActivityScript {
  let importCalls = 0;
  let confirmCalls = 0;
  let cleanupCalls = 0;
  return (name, raw) => {
    const counts = { ...emptyCounts(), rows: 3, valid: 3 };
    if (name === ACTIVITY.parse)
      return {
        result: {
          runId: input.runId,
          chunkCount: opts.fileRejected ? 0 : 2,
          counts,
          fileRejected: opts.fileRejected ? 'not a CSV of devices' : undefined,
        },
      };
    if (name === ACTIVITY.importStep) {
      importCalls++;
      const moreWork = importCalls <= (opts.moreWorkImports ?? 0);
      return {
        result: { done: !moreWork && importCalls >= (opts.importSteps ?? 2), moreWork, counts: { ...counts, imported: importCalls } },
      };
    }
    if (name === ACTIVITY.confirmStep) {
      confirmCalls++;
      if (opts.failConfirm?.(confirmCalls)) return { error: 'Graph unavailable' };
      return {
        result: { done: confirmCalls >= (opts.confirmSteps ?? 3), counts: { ...counts, confirmed: confirmCalls }, note: 'sync requested' },
      };
    }
    if (name === ACTIVITY.finalize) {
      const { runId } = raw as { runId: string };
      return {
        result: {
          runId,
          status: opts.fileRejected ? 'rejected' : 'completed',
          reportPath: `autopilot-reports/${runId}/`,
          archivedAs: 'x',
          counts: { ...counts, confirmed: 3 },
        },
      };
    }
    if (name === ACTIVITY.ledger) return { result: { recorded: 3 } };
    if (name === ACTIVITY.cleanupStep) {
      cleanupCalls++;
      if (opts.failCleanup) return { error: 'Intune unavailable' };
      const left = Math.max(0, (opts.cleanupSteps ?? 1) - cleanupCalls);
      return { result: { done: left === 0, moreWork: left > 0, counts, recordsLeft: left * 400 } };
    }
    return { error: `unexpected activity ${name}` };
  };
}

describe('intake orchestration (real durable-functions replay, synthetic histories)', () => {
  it('runs parse → import → confirm → report → cleanup, polling with durable timers and backoff', async () => {
    const r = await replay(intakeOrchestrator, input, script());
    expect(r.activityCalls.map((c) => c.name)).toEqual([
      ACTIVITY.parse,
      ACTIVITY.importStep,
      ACTIVITY.importStep,
      ACTIVITY.confirmStep,
      ACTIVITY.confirmStep,
      ACTIVITY.confirmStep,
      ACTIVITY.finalize,
      ACTIVITY.cleanupStep,
    ]);
    expect(r.output).toMatchObject({ status: 'completed', counts: { confirmed: 3 }, importRecordsLeft: 0 });
    // one timer between import steps (10 s), two between confirm steps (10 s then 20 s: backoff restarts per phase)
    const gaps = r.timers.map((t, i) => Date.parse(t) - (i === 0 ? Date.parse('2026-11-28T10:00:00.000Z') : Date.parse(r.timers[i - 1]!)));
    expect(gaps).toEqual([10_000, 10_000, 20_000]);
    const phases = r.customStatuses.map((s) => (s as { phase?: string } | undefined)?.phase).filter(Boolean);
    expect(phases).toContain('import');
    expect(phases).toContain('confirm');
    expect(phases).toContain('report');
    expect(phases.at(-1)).toBe('cleanup');
  });

  it('writes the report before deleting import records, and deletes them in steps without timers', async () => {
    const r = await replay(intakeOrchestrator, input, script({ cleanupSteps: 3 }));
    const names = r.activityCalls.map((c) => c.name);
    expect(names.slice(names.indexOf(ACTIVITY.finalize))).toEqual([
      ACTIVITY.finalize,
      ACTIVITY.cleanupStep,
      ACTIVITY.cleanupStep,
      ACTIVITY.cleanupStep,
    ]);
    const cleanups = r.activityCalls.filter((c) => c.name === ACTIVITY.cleanupStep).map((c) => (c.input as { now: string }).now);
    expect(new Set(cleanups).size).toBe(1); // moreWork: straight on, no durable timer
    expect(r.output).toMatchObject({ status: 'completed', importRecordsLeft: 0 });
  });

  it('records the ledger in its own step after the report (the status already says reported), once across generations', async () => {
    const r = await replay(intakeOrchestrator, { ...input, ledgerStep: true }, script({ cleanupSteps: STEPS_PER_GENERATION + 2 }));
    const names = r.activityCalls.map((c) => c.name);
    expect(names.slice(names.indexOf(ACTIVITY.finalize), names.indexOf(ACTIVITY.finalize) + 3)).toEqual([
      ACTIVITY.finalize,
      ACTIVITY.ledger,
      ACTIVITY.cleanupStep,
    ]);
    expect(r.generations).toBeGreaterThanOrEqual(2);
    expect(names.filter((n) => n === ACTIVITY.ledger)).toHaveLength(1);
    // The report step no longer records it, and the ledger step gets what it needs to.
    expect(r.activityCalls.find((c) => c.name === ACTIVITY.finalize)!.input).not.toHaveProperty('expected');
    expect(r.activityCalls.find((c) => c.name === ACTIVITY.ledger)!.input).toMatchObject({
      runId: input.runId,
      archivedAs: 'x',
      expected: input.settings.expected,
    });
    expect(r.output).toMatchObject({ status: 'completed', importRecordsLeft: 0 });
  });

  it('a run started before the ledger step replays as it began: the report step records the ledger, no ledger step follows', async () => {
    const r = await replay(intakeOrchestrator, input, script());
    expect(r.activityCalls.map((c) => c.name)).not.toContain(ACTIVITY.ledger);
    expect(r.activityCalls.find((c) => c.name === ACTIVITY.finalize)!.input).toMatchObject({ expected: input.settings.expected });
  });

  it('a cleanup that keeps failing gives up after its budget and the run still ends with its one report', async () => {
    const short = {
      ...input,
      settings: settings({
        deadlines: { importMinutes: 1, registrationMinutes: 60, groupMinutes: 60, profileMinutes: 60, espMinutes: 60 },
      }),
    };
    const r = await replay(intakeOrchestrator, short, script({ failCleanup: true }));
    expect(r.activityCalls.filter((c) => c.name === ACTIVITY.finalize)).toHaveLength(1);
    expect(r.output).toMatchObject({ status: 'completed', counts: { confirmed: 3 } });
    expect(r.activityCalls.at(-1)?.name).toBe(ACTIVITY.cleanupStep);
  });

  it('keeps the report outcome across continueAsNew during a long cleanup', async () => {
    const r = await replay(intakeOrchestrator, input, script({ cleanupSteps: STEPS_PER_GENERATION + 5 }));
    // The driver counts generations from 1: a continueAsNew really happened…
    expect(r.generations).toBeGreaterThanOrEqual(2);
    // …and the cleanup went on across it, one step each, none repeated or lost.
    expect(r.activityCalls.filter((c) => c.name === ACTIVITY.cleanupStep)).toHaveLength(STEPS_PER_GENERATION + 5);
    expect(r.activityCalls.filter((c) => c.name === ACTIVITY.finalize)).toHaveLength(1);
    expect(r.output).toMatchObject({
      status: 'completed',
      reportPath: `autopilot-reports/${input.runId}/`,
      counts: { confirmed: 3 },
      importRecordsLeft: 0,
    });
  });

  it('passes the orchestration clock, not the machine clock, to the steps', async () => {
    const r = await replay(intakeOrchestrator, input, script(), { start: '2030-01-01T00:00:00.000Z' });
    const steps = r.activityCalls.filter((c) => c.name === ACTIVITY.importStep).map((c) => (c.input as { now: string }).now);
    expect(steps).toEqual(['2030-01-01T00:00:00.000Z', '2030-01-01T00:00:10.000Z']);
  });

  it('runs the next step at once, without a timer, when a step stopped at its budget', async () => {
    const r = await replay(intakeOrchestrator, input, script({ moreWorkImports: 3, importSteps: 4 }));
    const imports = r.activityCalls.filter((c) => c.name === ACTIVITY.importStep).map((c) => (c.input as { now: string }).now);
    expect(imports).toHaveLength(4);
    expect(new Set(imports).size).toBe(1); // no durable timer (and so no clock movement) between them
    expect(r.output).toMatchObject({ status: 'completed' });
  });

  it('goes straight to the report for a rejected file', async () => {
    const r = await replay(intakeOrchestrator, input, script({ fileRejected: true }));
    expect(r.activityCalls.map((c) => c.name)).toEqual([ACTIVITY.parse, ACTIVITY.finalize]);
    expect(r.output).toMatchObject({ status: 'rejected' });
  });

  it('keeps its history bounded with continueAsNew on long runs', async () => {
    const r = await replay(intakeOrchestrator, input, script({ confirmSteps: 130 }));
    expect(r.generations).toBeGreaterThanOrEqual(3);
    expect(r.output).toMatchObject({ status: 'completed' });
    // 2 events per step plus a timer's 2: bounded by the generation size, not by the run's length
    expect(r.maxHistoryLength).toBeLessThan(STEPS_PER_GENERATION * 12);
  });

  it('retries a failing step with its retry policy and carries on when it recovers', async () => {
    const r = await replay(intakeOrchestrator, input, script({ failConfirm: (n) => n <= 2 }));
    expect(r.output).toMatchObject({ status: 'completed' });
    const confirms = r.activityCalls.filter((c) => c.name === ACTIVITY.confirmStep);
    // two failed attempts and the successful third, all of the same step (same clock reading)
    expect(confirms).toHaveLength(3);
    expect(new Set(confirms.map((c) => (c.input as { now: string }).now)).size).toBe(1);
  });

  it('never ends without a report: a step failing past its deadlines still leads to the report', async () => {
    const short = {
      ...input,
      settings: settings({ deadlines: { importMinutes: 1, registrationMinutes: 1, groupMinutes: 1, profileMinutes: 1, espMinutes: 1 } }),
    };
    const r = await replay(intakeOrchestrator, short, script({ failConfirm: () => true }));
    expect(r.activityCalls.filter((c) => c.name === ACTIVITY.finalize)).toHaveLength(1);
    expect(r.activityCalls.at(-1)?.name).toBe(ACTIVITY.cleanupStep);
    expect(r.output).toMatchObject({ status: 'completed' });
  });

  it('rejects an input that does not match the contract', async () => {
    await expect(replay(intakeOrchestrator, { runId: 'x' }, script())).rejects.toThrow(/source|settings/);
  });
});
