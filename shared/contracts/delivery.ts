/**
 * The notification shapes that runs carry: which events exist, how often a delivery is tried (a
 * run's settings, present only when channels were configured at its start), and a delivery as the
 * run's custom status and output show it. Nothing here carries a URL or a secret: the activities
 * read those from the app settings, so a history never holds a credential.
 */
import { z } from 'zod';

/**
 * `run.completed` after every intake run; `run.needsAttention` instead when something needs an
 * admin (808 devices, a rejected file, deadlines passed, a stop); `reconcile.drift` when a
 * reconciliation leaves findings unresolved or proposals waiting; `baseline.drift` when a
 * reconciliation with BASELINE_FILE finds the tenant baseline drifted (or cannot plan it).
 */
export const NotifyEvent = z.enum(['run.completed', 'run.needsAttention', 'reconcile.drift', 'baseline.drift']);
export type NotifyEvent = z.infer<typeof NotifyEvent>;
export const NOTIFY_EVENTS = NotifyEvent.options;

export const NotifySettings = z.object({
  /** Attempts per channel, the first included. */
  attempts: z.number().int().min(1).max(10),
  /** Wait before the second attempt; each later wait is `backoff` times the one before. */
  retrySeconds: z.number().min(0),
  backoff: z.number().min(1),
});
export type NotifySettings = z.infer<typeof NotifySettings>;

/** One channel's delivery of one event: `key` is the idempotency key (`{runId}:{event}`). */
export const PlannedDelivery = z.object({
  channel: z.string(),
  type: z.enum(['teams', 'webhook']),
  event: NotifyEvent,
  key: z.string(),
});
export type PlannedDelivery = z.infer<typeof PlannedDelivery>;

/** A delivery as the run's custom status and output show it; `answer` is the last attempt's, redacted. */
export const DeliveryStatus = PlannedDelivery.extend({
  state: z.enum(['pending', 'delivered', 'failed']),
  attempts: z.number().int(),
  status: z.number().int().optional(),
  answer: z.string().optional(),
  at: z.string().optional(),
});
export type DeliveryStatus = z.infer<typeof DeliveryStatus>;
