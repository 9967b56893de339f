/**
 * The scheduled reconciliation (RECONCILE_SCHEDULE, NCRONTAB; daily at 03:00 UTC by default). A tick
 * while one still runs finds it and starts nothing.
 */
import type { InvocationContext, Timer } from '@azure/functions';
import type { ReconcileSettings } from '../shared/contracts/reconcile';
import { startReconcileOnce, type ReconcileStarter } from './start-reconcile';

export const DEFAULT_RECONCILE_SCHEDULE = '0 0 3 * * *';

export interface ReconcileTimerDeps {
  settings: ReconcileSettings;
  clientOf: (context: InvocationContext) => ReconcileStarter;
  now: () => Date;
}

export function reconcileTimerHandler(deps: ReconcileTimerDeps) {
  return async (timer: Timer, context: InvocationContext): Promise<void> => {
    const { reconcileId, started } = await startReconcileOnce(deps.clientOf(context), {
      trigger: 'timer',
      settings: deps.settings,
      now: deps.now(),
    });
    context.log(
      started
        ? `[${reconcileId}] scheduled reconciliation started (${deps.settings.mode})${timer.isPastDue ? ', late' : ''}`
        : `[${reconcileId}] still running; this tick starts nothing`,
    );
  };
}
