/**
 * An auto action waiting to be carried out, with the finding it belongs to and the slot its result
 * goes in. Each repair handler takes the pending actions of its kind, checks the tenant as it is now
 * and settles every one of them — it never leaves one without a result.
 */
import type { ActionResult, AutoAction, Finding } from '../model';

export interface Pending<K extends AutoAction['kind'] = AutoAction['kind']> {
  action: Extract<AutoAction, { kind: K }>;
  finding: Finding;
  settle(result: ActionResult): void;
}

export const done = (detail?: string): ActionResult => ({ outcome: 'done', ...(detail ? { detail } : {}) });
export const notNeeded = (detail: string): ActionResult => ({ outcome: 'not-needed', detail });
export const skipped = (detail: string): ActionResult => ({ outcome: 'skipped', detail });
export const failed = (detail: string): ActionResult => ({ outcome: 'failed', detail });
