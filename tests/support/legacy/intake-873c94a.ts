/**
 * FIXTURE: the intake orchestration as deployed at commit 873c94a (before the structure change),
 * kept verbatim but for its imports, so tests can prove that histories it wrote replay under the
 * current orchestration (tests/orchestration/replay-compat.test.ts). Never edit its logic.
 *
 * The intake orchestration: parse → import → confirm → report → cleanup, for one blob version.
 * Cleanup (deleting the run's import records) follows the report so the report never waits for
 * Intune's write budget.
 *
 * Deterministic by construction (lint-fenced): no I/O, clock, randomness or environment — the
 * activities do the work and keep per-device state in blobs, so this history holds only step
 * results with counts, whatever the size of the file. A long run restarts itself with
 * continueAsNew every few dozen steps to keep the history bounded.
 */
import * as df from 'durable-functions';
import type { OrchestrationContext, OrchestrationHandler } from 'durable-functions';
import { CleanupStep, ConfirmStep, FinalizeStep, ImportStep, ParseStep } from '../../../shared/contracts/activities';
import {
  IntakeInput,
  ParseResult,
  RunOutcome,
  StepResult,
  emptyCounts,
  type CustomStatus,
  type Phase,
  type StageCounts,
} from '../../../shared/contracts/run';

const ACTIVITY = {
  parse: ParseStep.name,
  importStep: ImportStep.name,
  confirmStep: ConfirmStep.name,
  finalize: FinalizeStep.name,
  cleanupStep: CleanupStep.name,
} as const;

/** Steps per history generation before continueAsNew. */
export const STEPS_PER_GENERATION = 40;

export function activityRetry(): df.RetryOptions {
  const retry = new df.RetryOptions(5_000, 5);
  retry.backoffCoefficient = 2;
  retry.maxRetryIntervalInMilliseconds = 60_000;
  return retry;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export const intakeOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const input = IntakeInput.parse(context.df.getInput());
  const { runId, source, settings } = input;
  const now = () => context.df.currentUtcDateTime.toISOString();
  const retry = activityRetry();
  const log = (message: string) => {
    if (!context.df.isReplaying) context.log(`[${runId}] ${message}`);
  };
  let counts: StageCounts = emptyCounts();
  const status = (phase: Phase, note?: string) => {
    const value: CustomStatus = { runId, source: `${source.container}/${source.name}`, phase, counts, note };
    context.df.setCustomStatus(value);
  };

  let phase: Phase = input.resume?.phase ?? 'parse';
  let phaseStartedAt = input.resume?.phaseStartedAt ?? now();
  let interval = input.resume?.intervalSeconds ?? settings.poll.initialSeconds;
  const generation = input.resume?.generation ?? 0;

  if (phase === 'parse') {
    status('parse');
    const parsed = ParseResult.parse(
      yield context.df.callActivityWithRetry(ACTIVITY.parse, retry, { runId, source, chunkSize: settings.chunkSize, now: now() }),
    );
    counts = parsed.counts;
    log(`parsed: ${counts.valid} valid of ${counts.rows} rows${parsed.fileRejected ? '; file rejected' : ''}`);
    phase = parsed.fileRejected || parsed.chunkCount === 0 ? 'report' : 'import';
    phaseStartedAt = now();
  }

  // Each phase gets a hard stop after its own deadlines, so a step that keeps failing cannot hold
  // the run (and its report) forever.
  const d = settings.deadlines;
  const phaseBudgetMinutes = (p: Phase) =>
    p === 'confirm' ? d.registrationMinutes + d.groupMinutes + d.profileMinutes + d.espMinutes + 10 : d.importMinutes + 10;
  const stepActivity = { import: ACTIVITY.importStep, confirm: ACTIVITY.confirmStep, cleanup: ACTIVITY.cleanupStep } as const;
  // A rejected file or one without valid rows imported nothing: no records to clean up.
  const cleanupAfterReport = phase !== 'report';
  let outcome = input.resume?.outcome;
  if (outcome) counts = outcome.counts;
  let recordsLeft: number | undefined;

  for (let steps = 0; ;) {
    if (phase === 'report') {
      status('report');
      outcome = RunOutcome.parse(yield context.df.callActivityWithRetry(ACTIVITY.finalize, retry, { runId, source, now: now() }));
      counts = outcome.counts;
      log(`report written: ${outcome.status}, ${counts.confirmed} confirmed, ${counts.failed} failed`);
      if (!cleanupAfterReport) break;
      phase = 'cleanup';
      phaseStartedAt = now();
      interval = settings.poll.initialSeconds;
      status('cleanup', 'report written; deleting the import records');
      continue;
    }
    if (phase !== 'import' && phase !== 'confirm' && phase !== 'cleanup') break;
    if (steps >= STEPS_PER_GENERATION) {
      log(`continuing as new (generation ${generation + 1}) in phase ${phase}`);
      context.df.continueAsNew({
        ...input,
        resume: { phase, phaseStartedAt, intervalSeconds: interval, generation: generation + 1, outcome },
      });
      return undefined;
    }
    steps++;
    let note: string | undefined;
    try {
      const parsedStep = StepResult.parse(
        yield context.df.callActivityWithRetry(stepActivity[phase], retry, { runId, now: now(), phaseStartedAt, settings }),
      );
      // (the legacy shape of a step result, from today's `next`)
      const step = { ...parsedStep, done: parsedStep.next === 'done', moreWork: parsedStep.next === 'now' };
      if (phase !== 'cleanup') counts = step.counts;
      note = step.note;
      recordsLeft = step.recordsLeft ?? recordsLeft;
      if (step.moreWork) {
        // Budget-bound, not waiting on the service: go on at once, at the same polling pace.
        status(phase, note);
        continue;
      }
      if (step.done) {
        log(`${phase} done: ${phase === 'cleanup' ? (note ?? '') : JSON.stringify(counts)}`);
        if (phase === 'cleanup') break;
        phase = phase === 'import' ? 'confirm' : 'report';
        phaseStartedAt = now();
        interval = settings.poll.initialSeconds;
        status(phase);
        continue;
      }
    } catch (error) {
      note = `step failed after retries, will try again: ${errorMessage(error)}`;
      log(note);
      const elapsedMinutes = (context.df.currentUtcDateTime.getTime() - Date.parse(phaseStartedAt)) / 60_000;
      if (elapsedMinutes > phaseBudgetMinutes(phase)) {
        log(`${phase} exceeded its deadlines; ${phase === 'cleanup' ? 'leaving the import records' : 'reporting what is known'}`);
        if (phase === 'cleanup') break;
        phase = 'report';
        continue;
      }
    }
    status(phase, note);
    yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + interval * 1000));
    interval = Math.min(interval * settings.poll.factor, settings.poll.maxSeconds);
  }

  if (!outcome) throw new Error(`run ${runId}: ended without a report`);
  const final: RunOutcome = recordsLeft === undefined ? outcome : { ...outcome, importRecordsLeft: recordsLeft };
  status(phase === 'cleanup' ? 'cleanup' : 'report', 'done');
  log(
    `finished: ${final.status}, ${counts.confirmed} confirmed, ${counts.failed} failed${recordsLeft ? `, ${recordsLeft} import records left` : ''}`,
  );
  return final;
};
