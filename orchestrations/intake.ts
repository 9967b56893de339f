/**
 * The intake orchestration, one per blob version: parse → import → confirm → report → ledger → cleanup.
 * Import, confirm and cleanup are polling phases (poll-phase.ts); cleanup (deleting the run's import
 * records) follows the report, so the report never waits for Intune's write budget. A permanent
 * failure sends the run straight to its report, which says what failed and how to fix it. Then,
 * with channels configured, the notifications (notify.ts).
 *
 * Deterministic by construction (lint-fenced): no I/O, clock, randomness or environment — the
 * activities do the work and keep per-device state in blobs, so this history holds only step
 * results with counts, whatever the size of the file.
 */
import type { OrchestrationContext, OrchestrationHandler } from 'durable-functions';
import { CleanupStep, ConfirmStep, FinalizeStep, ImportStep, LedgerStep, ParseStep } from '../shared/contracts/activities';
import { IntakeInput, phaseBudgetMinutes } from '../shared/contracts/run';
import { callActivity } from './call-activity';
import { IntakeRun } from './intake-run';
import { intakeSubject, notify } from './notify';
import { pollPhase } from './poll-phase';

export { STEPS_PER_GENERATION } from './poll-phase';

const POLLED = [
  { phase: 'import', step: ImportStep, then: 'confirm' },
  { phase: 'confirm', step: ConfirmStep, then: 'report' },
] as const;

export const intakeOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const run = new IntakeRun(context, IntakeInput.parse(context.df.getInput()));
  const { runId, source, settings } = run.input;

  if (run.at('parse')) {
    run.status();
    const parsed = yield* callActivity(context, ParseStep, {
      runId,
      source,
      chunkSize: settings.chunkSize,
      maxRows: settings.maxRows,
      now: run.now(),
    });
    run.counts = parsed.counts;
    run.log(`parsed: ${parsed.counts.valid} valid of ${parsed.counts.rows} rows${parsed.fileRejected ? '; file rejected' : ''}`);
    // A rejected file, or one without valid rows, imports nothing: straight to the report.
    run.needsCleanup = !parsed.fileRejected && parsed.chunkCount > 0;
    run.enter(run.needsCleanup ? 'import' : 'report');
  }

  for (const { phase, step, then } of POLLED) {
    if (!run.at(phase)) continue;
    const end = yield* pollPhase(context, run, step, phaseBudgetMinutes(settings, phase));
    if (end === 'continue-as-new') return run.continueAsNew();
    run.enter(end === 'done' ? then : 'report', run.stop ? `stopped: ${run.stop.message}` : undefined);
  }

  if (run.at('report')) {
    const ledgerStep = run.input.ledgerStep === true;
    run.outcome = yield* callActivity(context, FinalizeStep, {
      runId,
      source,
      now: run.now(),
      // (Runs started before the ledger step record the ledger in the report step.)
      ...(ledgerStep ? {} : { expected: settings.expected }),
      ...(run.stop ? { stop: run.stop } : {}),
    });
    run.counts = run.outcome.counts;
    run.log(`report written: ${run.outcome.status}, ${run.counts.confirmed} confirmed, ${run.counts.failed} failed`);
    if (run.needsCleanup) run.enter('cleanup', 'report written; deleting the import records');
    // The provenance ledger after the report, which does not wait for it (run/ledger-step.ts); once
    // per run: a later history generation starts in the cleanup phase below.
    if (ledgerStep) {
      const { archivedAs } = run.outcome;
      yield* callActivity(context, LedgerStep, {
        runId,
        ...(archivedAs ? { archivedAs } : {}),
        expected: settings.expected,
        now: run.now(),
      });
    }
  }

  if (run.at('cleanup')) {
    const end = yield* pollPhase(context, run, CleanupStep, phaseBudgetMinutes(settings, 'cleanup'));
    if (end === 'continue-as-new') return run.continueAsNew();
  }
  // Last, so nothing of the run waits on a channel; only runs started with channels configured.
  if (settings.notify) {
    run.notifications = yield* notify(context, settings.notify, intakeSubject(run), (deliveries, note) => {
      run.notifications = deliveries;
      run.status(note);
      run.log(note);
    });
  }
  return run.finish();
};
