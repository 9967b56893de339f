/**
 * The notification activities, by contract (contract.ts): `notifyPrepare` builds the event once,
 * stores it and says which channels take it; `notifyDeliver` makes one attempt for one channel.
 * Names are fixed once deployed (histories hold them). Inputs and results carry references and
 * answers, never a URL or a secret.
 */
import { z } from 'zod';
import type { prepareNotification } from '../notify/prepare';
import type { deliverNotification } from '../notify/deliver';
import { activity, type Implements } from './contract';
import { PlannedDelivery } from './delivery';
import { ReconcileOutcome } from './reconcile';
import { RunOutcome } from './run';

/** What a notification is about: an intake run's outcome, or a reconciliation's. */
export const NotifySubject = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('intake'), outcome: RunOutcome, source: z.object({ container: z.string(), name: z.string() }) }),
  z.object({ kind: z.literal('reconcile'), outcome: ReconcileOutcome }),
]);
export type NotifySubject = z.infer<typeof NotifySubject>;

export const PrepareInput = z.object({ subject: NotifySubject, now: z.string() });
export type PrepareInput = z.infer<typeof PrepareInput>;

export const PrepareResult = z.object({ deliveries: z.array(PlannedDelivery) });
export type PrepareResult = z.infer<typeof PrepareResult>;

export const DeliverInput = PlannedDelivery.extend({ subjectId: z.string(), attempt: z.number().int().min(1) });
export type DeliverInput = z.infer<typeof DeliverInput>;

/**
 * One attempt's answer: `delivered` (2xx now, or acknowledged by an earlier attempt — `earlier`),
 * `retry` (worth another attempt: 5xx, 408, 429, a network failure, a timeout), `failed` (another
 * attempt cannot help: refused address, 4xx, the channel no longer configured). `answer` is safe
 * to show: status line and a redacted excerpt, never the URL or the secret.
 */
export const DeliverResult = z.object({
  outcome: z.enum(['delivered', 'retry', 'failed']),
  status: z.number().int().optional(),
  answer: z.string(),
  earlier: z.boolean().optional(),
  at: z.string(),
});
export type DeliverResult = z.infer<typeof DeliverResult>;

/** Builds the event, stores it, and routes it to the channels whose filters take it. @see {@link prepareNotification} */
export const NotifyPrepare = activity('notifyPrepare', PrepareInput, PrepareResult);

/** One attempt to deliver one event to one channel (skipped if an earlier attempt was acknowledged). @see {@link deliverNotification} */
export const NotifyDeliver = activity('notifyDeliver', DeliverInput, DeliverResult);

export const NOTIFY_IMPLEMENTED: [
  Implements<typeof NotifyPrepare, typeof prepareNotification>,
  Implements<typeof NotifyDeliver, typeof deliverNotification>,
] = [true, true];
