/**
 * The shapes of a reconciliation that cross the orchestration boundary. Like an intake run's, they
 * carry counts and references: the findings live in blobs (shared/reconcile/store.ts).
 */
import { z } from 'zod';

export const ReconcileSettings = z.object({
  /** `report-only` (a dry run) writes the report and changes nothing. */
  mode: z.enum(['repair', 'report-only']),
  /** A profile assignment pending for longer than this is stuck. */
  stuckMinutes: z.number().positive(),
});
export type ReconcileSettings = z.infer<typeof ReconcileSettings>;

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
});
export type SurveyResult = z.infer<typeof SurveyResult>;

export const RepairInput = ReconcileStepInput.extend({ parts: z.number().int() });
export type RepairInput = z.infer<typeof RepairInput>;

export const RepairResult = z.object({ done: z.number().int(), notNeeded: z.number().int(), failed: z.number().int(), writes: z.number().int() });
export type RepairResult = z.infer<typeof RepairResult>;

export const ReconcileReportInput = ReconcileStepInput.extend({ survey: SurveyResult, repair: RepairResult.optional() });
export type ReconcileReportInput = z.infer<typeof ReconcileReportInput>;

export const ReconcileOutcome = z.object({
  reconcileId: z.string(),
  mode: ReconcileSettings.shape.mode,
  reportPath: z.string(),
  findings: z.number().int(),
  byClass: z.record(z.string(), z.number().int()),
  repair: RepairResult.optional(),
});
export type ReconcileOutcome = z.infer<typeof ReconcileOutcome>;

export const ReconcileStatus = z.object({
  kind: z.literal('reconcile'),
  reconcileId: z.string(),
  phase: z.enum(['survey', 'repair', 'report', 'done']),
  mode: ReconcileSettings.shape.mode,
  findings: z.number().int().optional(),
  note: z.string().optional(),
});
export type ReconcileStatus = z.infer<typeof ReconcileStatus>;
