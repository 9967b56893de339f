/**
 * The notification activities (shared/contracts/notify.ts) bound to their implementations over the
 * services. Neither throws for a receiver's sake: a delivery's failure is its answer.
 */
import { NotifyDeliver, NotifyPrepare } from '../shared/contracts/notify';
import { deliverNotification } from '../shared/notify/deliver';
import { prepareNotification } from '../shared/notify/prepare';
import { bind, type BoundActivity } from './activities';

export const NOTIFY_ACTIVITIES: readonly BoundActivity[] = [
  bind(NotifyPrepare, (s, input, log) =>
    prepareNotification({ notifications: s.notifications, runs: s.runs, reconcile: s.reconcile, config: s.config.notify, log }, input),
  ),
  bind(NotifyDeliver, (s, input, log) =>
    deliverNotification({ notifications: s.notifications, config: s.config.notify, poster: s.poster, now: () => new Date(), log }, input),
  ),
];
