/**
 * The reconciliation's activities, each contract (shared/contracts/reconcile-activities.ts) bound
 * to its implementation over the services. A permanent Graph failure comes back as `{ stopped }`
 * (shared/run/stop.ts) so the orchestration reports it at once instead of retrying it.
 */
import {
  ReconcileBaselineDrift,
  ReconcileRepair,
  ReconcileReport,
  ReconcileSurvey,
  ReconcileSync,
} from '../shared/contracts/reconcile-activities';
import { readAppBaseline } from '../shared/baseline/app-config';
import { runBaselineDrift } from '../shared/reconcile/baseline-drift';
import { runReconcileRepair } from '../shared/reconcile/repair';
import { writeReconcileReport } from '../shared/reconcile/report';
import { runReconcileSurvey } from '../shared/reconcile/survey';
import { ensureSync } from '../shared/run/confirm/sync-gate';
import { stoppedOnPermanentFailure } from '../shared/run/stop';
import { bind, type BoundActivity } from './activities';

export const RECONCILE_ACTIVITIES: readonly BoundActivity[] = [
  bind(ReconcileSurvey, (s, input, log) =>
    stoppedOnPermanentFailure('survey', input.now, log, () =>
      runReconcileSurvey(
        {
          graph: s.graphFor(input.reconcileId),
          ledger: s.ledger,
          objects: s.objects,
          runs: s.runs,
          store: s.reconcile,
          expected: s.config.settings.expected,
          log,
        },
        input,
      ),
    ),
  ),
  bind(ReconcileSync, (s, input, log) =>
    stoppedOnPermanentFailure('sync', input.now, log, () =>
      ensureSync(
        { graph: s.graphFor(input.reconcileId), objects: s.objects },
        { runId: input.reconcileId, now: input.now, neededAfter: input.now },
      ),
    ),
  ),
  bind(ReconcileRepair, (s, input, log) =>
    stoppedOnPermanentFailure('repair', input.now, log, () =>
      runReconcileRepair({ graph: s.graphFor(input.reconcileId), ledger: s.ledger, objects: s.objects, store: s.reconcile, log }, input),
    ),
  ),
  bind(ReconcileBaselineDrift, (s, input) =>
    runBaselineDrift({ graph: s.graphFor(input.reconcileId), readBaseline: readAppBaseline }, input),
  ),
  bind(ReconcileReport, (s, input) => writeReconcileReport({ objects: s.objects, store: s.reconcile }, input)),
];
