/**
 * Notifying, at the end of a run (after its report and cleanup, so it never holds the run's work
 * back): prepare the event once, then deliver it to every channel that takes it — all channels at
 * once, each a bounded number of attempts, waiting on a durable timer with backoff between rounds.
 * A channel that keeps failing ends `failed` with its last answer; nothing here throws, so a
 * notification never fails the run. Called only when the run's settings carry `notify` (channels
 * were configured as it started), so runs without channels — and histories written before
 * notifications existed — decide exactly the actions they always did.
 */
import type { OrchestrationContext, Task } from 'durable-functions';
import type { DeliveryStatus, NotifySettings } from '../shared/contracts/delivery';
import type { BlobRef, RunOutcome, RunStop } from '../shared/contracts/run';
import { NotifyDeliver, NotifyPrepare, type DeliverResult, type NotifySubject } from '../shared/contracts/notify';
import { activityTask, callActivity } from './call-activity';

export type ShowDeliveries = (deliveries: DeliveryStatus[], note: string) => void;

/** An intake run's subject: its report's outcome, with what stopped it. */
export function intakeSubject(run: {
  outcome: RunOutcome | undefined;
  stop: RunStop | undefined;
  input: { source: BlobRef };
}): NotifySubject {
  if (!run.outcome) throw new Error('no report to notify about');
  const { container, name } = run.input.source;
  return { kind: 'intake', outcome: { ...run.outcome, ...(run.stop ? { stopped: run.stop } : {}) }, source: { container, name } };
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

function noteOf(deliveries: readonly DeliveryStatus[]): string {
  const by = (s: DeliveryStatus['state']) => deliveries.filter((d) => d.state === s).length;
  return `notifications: ${by('delivered')} delivered, ${by('pending')} to retry, ${by('failed')} failed`;
}

export function* notify(
  context: OrchestrationContext,
  settings: NotifySettings,
  subject: NotifySubject,
  show: ShowDeliveries,
): Generator<Task, DeliveryStatus[], unknown> {
  const now = () => context.df.currentUtcDateTime.toISOString();
  const subjectId = subject.kind === 'intake' ? subject.outcome.runId : subject.outcome.reconcileId;
  let deliveries: DeliveryStatus[];
  try {
    const planned = yield* callActivity(context, NotifyPrepare, { subject, now: now() });
    deliveries = planned.deliveries.map((d) => ({ ...d, state: 'pending' as const, attempts: 0 }));
  } catch (error) {
    show([], `notifications not sent: preparing them failed: ${message(error)}`);
    return [];
  }
  let wait = settings.retrySeconds;
  for (let attempt = 1; attempt <= settings.attempts; attempt++) {
    const pending = deliveries.filter((d) => d.state === 'pending');
    if (pending.length === 0) break;
    if (attempt > 1) {
      yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + wait * 1000));
      wait *= settings.backoff;
    }
    let answers: unknown[];
    try {
      const tasks = pending.map(({ channel, type, event, key }) =>
        activityTask(context, NotifyDeliver, { channel, type, event, key, subjectId, attempt }),
      );
      answers = (yield context.df.Task.all(tasks)) as unknown[];
    } catch (error) {
      // The step itself failed past its retries (storage down?): every channel of the round tries again.
      answers = pending.map((): DeliverResult => ({ outcome: 'retry', answer: `the delivery step failed: ${message(error)}`, at: now() }));
    }
    pending.forEach((d, i) => {
      const r = NotifyDeliver.output.parse(answers[i]);
      d.attempts = attempt;
      d.answer = r.answer;
      d.at = r.at;
      if (r.status !== undefined) d.status = r.status;
      d.state = r.outcome === 'delivered' ? 'delivered' : r.outcome === 'failed' || attempt === settings.attempts ? 'failed' : 'pending';
    });
    show(
      deliveries.map((d) => ({ ...d })),
      noteOf(deliveries),
    );
  }
  return deliveries;
}
