/**
 * A step that meets a permanent Graph failure does not throw it (the activity's retry policy would
 * retry it, and the orchestration would poll until its deadlines): it answers `next: 'stop'` with
 * what failed and the fix, and the orchestration reports at once. Everything else propagates.
 */
import { emptyCounts, type RunStop, type StepResult } from '../contracts';
import { GraphPermanentError } from '../graph/errors';

export async function stopOnPermanentFailure<R extends StepResult>(
  phase: string,
  now: string,
  log: (message: string) => void,
  step: () => Promise<R>,
): Promise<R | StepResult> {
  try {
    return await step();
  } catch (error) {
    if (!(error instanceof GraphPermanentError)) throw error;
    const stop: RunStop = { ...error.failure, phase, at: now };
    log(`${phase} step stopped by a permanent failure (${stop.kind}, ${stop.operation}): ${stop.message}`);
    return { next: 'stop', stop, counts: emptyCounts() };
  }
}

/** The same rule for steps whose answer has no `next` (the reconciliation's): the failure comes back as `{ stopped }`. */
export async function stoppedOnPermanentFailure<R>(
  phase: string,
  now: string,
  log: (message: string) => void,
  step: () => Promise<R>,
): Promise<R | { stopped: RunStop }> {
  try {
    return await step();
  } catch (error) {
    if (!(error instanceof GraphPermanentError)) throw error;
    const stopped: RunStop = { ...error.failure, phase, at: now };
    log(`${phase} stopped by a permanent failure (${stopped.kind}, ${stopped.operation}): ${stopped.message}`);
    return { stopped };
  }
}
