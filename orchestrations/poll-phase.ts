/**
 * A polling phase (import, confirm, cleanup): call the phase's step until it says the phase is
 * over, waiting on a durable timer with backoff while the step waits on the service. A step that
 * fails after its retries is tried again at the polling pace until the phase's budget runs out; one
 * that meets a permanent failure stops the phase at once. The history is kept bounded: past
 * STEPS_PER_GENERATION steps the phase asks for continueAsNew.
 */
import type { OrchestrationContext, Task } from 'durable-functions';
import type { ActivityContract } from '../shared/contracts/contract';
import type { StepInput, StepResult } from '../shared/contracts/run';
import { callActivity } from './call-activity';
import type { IntakeRun } from './intake-run';

/** Steps per history generation before continueAsNew. */
export const STEPS_PER_GENERATION = 40;

/** How a phase ended: its work is done, a permanent failure stopped it, its budget ran out, or the history is full. */
export type PhaseEnd = 'done' | 'stopped' | 'budget' | 'continue-as-new';

export function* pollPhase(
  context: OrchestrationContext,
  run: IntakeRun,
  step: ActivityContract<typeof StepInput, typeof StepResult>,
  budgetMinutes: number,
): Generator<Task, PhaseEnd, unknown> {
  const { runId, settings } = run.input;
  for (;;) {
    if (run.steps >= STEPS_PER_GENERATION) return 'continue-as-new';
    run.steps++;
    let note: string | undefined;
    try {
      const result = yield* callActivity(context, step, { runId, now: run.now(), phaseStartedAt: run.phaseStartedAt, settings });
      if (result.next === 'stop' && result.stop) {
        run.stop = result.stop;
        run.log(`${run.phase} stopped: ${result.stop.message}`);
        return 'stopped';
      }
      // Cleanup steps count nothing new: the report's counts stand.
      if (!run.at('cleanup')) run.counts = result.counts;
      note = result.note;
      run.recordsLeft = result.recordsLeft ?? run.recordsLeft;
      if (result.next === 'done') {
        run.log(`${run.phase} done: ${run.at('cleanup') ? (note ?? '') : JSON.stringify(run.counts)}`);
        return 'done';
      }
      if (result.next === 'now') {
        // Budget-bound, not waiting on the service: go on at once, at the same polling pace.
        run.status(note);
        continue;
      }
    } catch (error) {
      note = `step failed after retries, will try again: ${error instanceof Error ? error.message : String(error)}`;
      run.log(note);
      if (context.df.currentUtcDateTime.getTime() - Date.parse(run.phaseStartedAt) > budgetMinutes * 60_000) {
        run.log(`${run.phase} exceeded its deadlines; ${run.at('cleanup') ? 'leaving the import records' : 'reporting what is known'}`);
        return 'budget';
      }
    }
    run.status(note);
    yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + run.intervalSeconds * 1000));
    run.intervalSeconds = Math.min(run.intervalSeconds * settings.poll.factor, settings.poll.maxSeconds);
  }
}
