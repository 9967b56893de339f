import { GraphError } from '../odata/errors';
import { scaled, type TenantContext } from './context';
import { publish } from './registration';

export const SYNC_FLOOR_MS = 10 * 60_000;

/**
 * The tenant-wide Autopilot sync: 409 while one runs, 429 within ten minutes of the previous
 * manual trigger (on the unscaled clock, so the window is observable at any time scale). A sync
 * publishes every registration that existed when it started.
 */
export function startSync(ctx: TenantContext): void {
  const now = ctx.now();
  const s = ctx.store.autopilotSettings;
  if (s.runningUntil !== undefined && now < s.runningUntil) {
    throw new GraphError(409, 'Conflict', 'A sync is already in progress for this account.', 'intune');
  }
  if (s.lastManualSyncTriggerDateTime !== undefined && now - s.lastManualSyncTriggerDateTime < SYNC_FLOOR_MS) {
    const wait = Math.ceil((s.lastManualSyncTriggerDateTime + SYNC_FLOOR_MS - now) / 1000);
    throw new GraphError(429, 'TooManyRequests', 'Sync can only be requested once every 10 minutes.', 'intune', {
      'Retry-After': String(wait),
    });
  }
  s.lastManualSyncTriggerDateTime = now;
  s.syncStatus = 'inProgress';
  s.runningUntil = now + scaled(ctx, ctx.settings().delays.syncRunMs);
  ctx.scheduler.schedule(s.runningUntil, { kind: 'syncComplete', startedAt: now });
}

export function completeSync(ctx: TenantContext, startedAt: number, at: number): void {
  const due = [...ctx.unpublished].filter((id) => {
    const ap = ctx.store.autopilotAll.get(id);
    return ap !== undefined && ap.registeredAt <= startedAt;
  });
  publish(ctx, due);
  const s = ctx.store.autopilotSettings;
  s.lastSyncDateTime = at;
  s.syncStatus = 'completed';
  s.runningUntil = undefined;
}
