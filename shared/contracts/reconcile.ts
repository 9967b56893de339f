/**
 * The shapes of a reconciliation that cross the orchestration boundary. Like an intake run's, they
 * carry counts and references: the findings live in blobs (shared/reconcile/store.ts).
 */
import { z } from 'zod';
import { DeliveryStatus, NotifySettings } from './delivery';
import { RunStop } from './run';

export const ReconcileSettings = z.object({
  /** `report-only` (a dry run) writes the report and changes nothing. */
  mode: z.enum(['repair', 'report-only']),
  /** A profile assignment pending for longer than this is stuck. */
  stuckMinutes: z.number().positive(),
  /** Set when notification channels were configured as the reconciliation started. */
  notify: NotifySettings.optional(),
  /** BASELINE_FILE: the tenant baseline is planned read-only and its drift is a section of the report. */
  baselineFile: z.string().optional(),
});
export type ReconcileSettings = z.infer<typeof ReconcileSettings>;

/** The baseline's drift (a read-only plan, shared/reconcile/baseline-drift.ts): counts and the first plan lines. */
export const BaselineDrift = z.object({
  /** Steps apply would make (creates, property updates, assignments, ESP order). */
  changes: z.number().int(),
  /** What apply could not decide alone (ambiguous identity, impossible priority). */
  conflicts: z.number().int(),
  /** The plan as `npm run baseline -- plan` prints it, at most MAX_DRIFT_LINES lines. */
  lines: z.array(z.string()).max(50),
  /** Plan lines left out of `lines`. */
  more: z.number().int(),
  /** The plan could not be made (a permanent Graph failure or an unreadable baseline file): why. */
  error: z.string().optional(),
});
export type BaselineDrift = z.infer<typeof BaselineDrift>;
export const MAX_DRIFT_LINES = 50;

export const ReconcileInput = z.object({
  reconcileId: z.string().regex(/^reconcile-[0-9a-zA-Z]+$/),
  trigger: z.enum(['timer', 'http', 'cli']),
  settings: ReconcileSettings,
});
export type ReconcileInput = z.infer<typeof ReconcileInput>;

export const ReconcileStepInput = z.object({
  reconcileId: ReconcileInput.shape.reconcileId,
  now: z.string(),
  settings: ReconcileSettings,
});
export type ReconcileStepInput = z.infer<typeof ReconcileStepInput>;

export const SurveyResult = z.object({
  reconcileId: z.string(),
  parts: z.number().int(),
  findings: z.number().int(),
  byClass: z.record(z.string(), z.number().int()),
  autoActions: z.number().int(),
  proposedActions: z.number().int(),
  /** Pages (round trips' worth) of tenant reads. */
  pages: z.number().int(),
  /** Ledger entries written from earlier reports on the first reconciliation. */
  backfilled: z.number().int(),
  /** Some ledger device waits for a profile: the reconciliation asks for the tenant's sync. */
  needsSync: z.boolean(),
});
export type SurveyResult = z.infer<typeof SurveyResult>;

/** What the reconciliation's sync request came to (the repair step records it on every finding that waited for it). */
export const SyncNote = z.object({
  status: z.enum(['synced', 'requested', 'waiting', 'refused']),
  note: z.string(),
  retryAfterSeconds: z.number().optional(),
});
export type SyncNote = z.infer<typeof SyncNote>;

/** One part of the findings is repaired per activity call, so a crash costs one part's checks, never a duplicate write. */
export const RepairInput = ReconcileStepInput.extend({ part: z.number().int().nonnegative(), sync: SyncNote.optional() });
export type RepairInput = z.infer<typeof RepairInput>;

export const RepairResult = z.object({
  done: z.number().int(),
  notNeeded: z.number().int(),
  skipped: z.number().int(),
  failed: z.number().int(),
  /** Graph write requests made (deletes, tag updates, imports). */
  writes: z.number().int(),
  /** Devices imported again in this step: the reconciliation asks for a sync to register them. */
  reimported: z.number().int().optional(),
});
export type RepairResult = z.infer<typeof RepairResult>;

/** A step that met a permanent Graph failure (401/403, a contract break) answers with it instead of throwing (shared/run/stop.ts). */
export const Stopped = z.object({ stopped: RunStop });
export type Stopped = z.infer<typeof Stopped>;

export const ReconcileReportInput = ReconcileStepInput.extend({
  survey: SurveyResult.optional(),
  baselineDrift: BaselineDrift.optional(),
  repair: RepairResult.optional(),
  sync: SyncNote.optional(),
  stopped: RunStop.optional(),
});
export type ReconcileReportInput = z.infer<typeof ReconcileReportInput>;

export const ReconcileOutcome = z.object({
  reconcileId: z.string(),
  mode: ReconcileSettings.shape.mode,
  reportPath: z.string(),
  findings: z.number().int(),
  byClass: z.record(z.string(), z.number().int()),
  repair: RepairResult.optional(),
  stopped: RunStop.optional(),
  /** With BASELINE_FILE: the baseline's drift. */
  baselineDrift: BaselineDrift.optional(),
  /** What each notification channel answered (reconciliations with channels configured). */
  notifications: z.array(DeliveryStatus).optional(),
});
export type ReconcileOutcome = z.infer<typeof ReconcileOutcome>;

export const ReconcileStatus = z.object({
  kind: z.literal('reconcile'),
  reconcileId: z.string(),
  phase: z.enum(['survey', 'repair', 'report', 'done']),
  mode: ReconcileSettings.shape.mode,
  findings: z.number().int().optional(),
  note: z.string().optional(),
  notifications: z.array(DeliveryStatus).optional(),
});
export type ReconcileStatus = z.infer<typeof ReconcileStatus>;
