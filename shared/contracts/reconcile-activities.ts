/**
 * The reconciliation's activities and orchestration, by contract (contract.ts). Names are fixed
 * once deployed (histories hold them).
 */
import { z } from 'zod';
import type { runReconcileSurvey } from '../reconcile/survey';
import type { runReconcileRepair } from '../reconcile/repair';
import type { writeReconcileReport } from '../reconcile/report';
import type { runBaselineDrift } from '../reconcile/baseline-drift';
import { activity, type Implements } from './contract';
import {
  BaselineDrift,
  ReconcileInput,
  ReconcileOutcome,
  ReconcileReportInput,
  ReconcileStepInput,
  RepairInput,
  RepairResult,
  Stopped,
  SurveyResult,
  SyncNote,
} from './reconcile';

/** Reads the tenant in bulk and classifies every ledger device and foreign registration. @see {@link runReconcileSurvey} */
export const ReconcileSurvey = activity('reconcileSurvey', ReconcileStepInput, z.union([SurveyResult, Stopped]));

/** Asks for the tenant's Autopilot sync through the shared gate (devices wait for a profile). */
export const ReconcileSync = activity('reconcileSync', ReconcileStepInput, z.union([SyncNote, Stopped]));

/** Carries out the auto actions of one findings part, check-then-act. @see {@link runReconcileRepair} */
export const ReconcileRepair = activity('reconcileRepair', RepairInput, z.union([RepairResult, Stopped]));

/** With BASELINE_FILE: plans the tenant baseline read-only, for the report's drift section. @see {@link runBaselineDrift} */
export const ReconcileBaselineDrift = activity('reconcileBaselineDrift', ReconcileStepInput, BaselineDrift);

/** Writes report.json, report.csv and summary.md. @see {@link writeReconcileReport} */
export const ReconcileReport = activity('reconcileReport', ReconcileReportInput, ReconcileOutcome);

export const RECONCILE_IMPLEMENTED: [
  Implements<typeof ReconcileSurvey, typeof runReconcileSurvey>,
  Implements<typeof ReconcileRepair, typeof runReconcileRepair>,
  Implements<typeof ReconcileReport, typeof writeReconcileReport>,
  Implements<typeof ReconcileBaselineDrift, typeof runBaselineDrift>,
] = [true, true, true, true];

/** The reconciliation: at most one at a time per app (functions/start-reconcile.ts). */
export const ReconcileOrchestration = { name: 'reconcileOrchestrator', input: ReconcileInput, output: ReconcileOutcome } as const;
