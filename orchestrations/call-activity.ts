/**
 * Calling an activity through its contract (shared/contracts/contract.ts): the input is checked
 * before it is scheduled (a wrong input fails here, in the orchestration, not in a worker after a
 * round trip) and the output parsed when it comes back. Every activity gets the same retry policy:
 * transient failures are retried with backoff; permanent ones never reach here as errors (the
 * steps answer `next: 'stop'`).
 */
import * as df from 'durable-functions';
import type { OrchestrationContext, Task } from 'durable-functions';
import type { z } from 'zod';
import type { ActivityContract } from '../shared/contracts/contract';

export function activityRetry(): df.RetryOptions {
  const retry = new df.RetryOptions(5_000, 5);
  retry.backoffCoefficient = 2;
  retry.maxRetryIntervalInMilliseconds = 60_000;
  return retry;
}

/** The activity's task, its input checked, for a caller that awaits several at once (Task.all); parse each output with the contract. */
export function activityTask<I extends z.ZodType, O extends z.ZodType>(
  context: OrchestrationContext,
  contract: ActivityContract<I, O>,
  input: z.input<I>,
): Task {
  return context.df.callActivityWithRetry(contract.name, activityRetry(), contract.input.parse(input));
}

export function* callActivity<I extends z.ZodType, O extends z.ZodType>(
  context: OrchestrationContext,
  contract: ActivityContract<I, O>,
  input: z.input<I>,
): Generator<Task, z.output<O>, unknown> {
  const raw: unknown = yield activityTask(context, contract, input);
  return contract.output.parse(raw);
}
