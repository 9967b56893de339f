/**
 * The reconciliation: survey → (sync) → repair, one findings part at a time → (baseline drift,
 * with BASELINE_FILE: a read-only plan) → report. In
 * `report-only` mode the repair is skipped and the report says what would be done. A permanent
 * Graph failure in any step goes straight to the report, which says what failed and the fix.
 * Deterministic (lint-fenced, like intake.ts): the activities read and write; this history holds
 * counts only.
 */
import type { OrchestrationContext, OrchestrationHandler } from 'durable-functions';
import { ReconcileInput, type BaselineDrift, type RepairResult, type RunStop, type SyncNote } from '../shared/contracts';
import {
  ReconcileBaselineDrift,
  ReconcileRepair,
  ReconcileReport,
  ReconcileSurvey,
  ReconcileSync,
} from '../shared/contracts/reconcile-activities';
import type { ReconcileStatus } from '../shared/contracts/reconcile';
import { callActivity } from './call-activity';
import { notify } from './notify';

export const reconcileOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const input = ReconcileInput.parse(context.df.getInput());
  const { reconcileId, settings } = input;
  const now = () => context.df.currentUtcDateTime.toISOString();
  const status = (phase: ReconcileStatus['phase'], extra: Partial<ReconcileStatus> = {}) =>
    context.df.setCustomStatus({ kind: 'reconcile', reconcileId, phase, mode: settings.mode, ...extra } satisfies ReconcileStatus);
  const step = () => ({ reconcileId, settings, now: now() });
  let stopped: RunStop | undefined;

  status('survey');
  const surveyed = yield* callActivity(context, ReconcileSurvey, step());
  const survey = 'stopped' in surveyed ? undefined : surveyed;
  if ('stopped' in surveyed) stopped = surveyed.stopped;

  let sync: SyncNote | undefined;
  let repair: RepairResult | undefined;
  if (survey && settings.mode === 'repair') {
    // Asked once, through the gate every run shares: if the window is closed (a run synced minutes
    // ago), the devices get that sync's results anyway, and the next reconciliation asks again.
    if (survey.needsSync) {
      const answer = yield* callActivity(context, ReconcileSync, step());
      sync = 'stopped' in answer ? { status: 'refused', note: `the sync was refused: ${answer.stopped.message}` } : answer;
    }
    status('repair', { findings: survey.findings });
    repair = { done: 0, notNeeded: 0, skipped: 0, failed: 0, writes: 0 };
    let reimported = 0;
    for (let part = 0; part < survey.parts && !stopped; part++) {
      const r = yield* callActivity(context, ReconcileRepair, { ...step(), part, ...(sync ? { sync } : {}) });
      if ('stopped' in r) stopped = r.stopped;
      else for (const k of ['done', 'notNeeded', 'skipped', 'failed', 'writes'] as const) repair[k] += r[k];
      if (!('stopped' in r)) reimported += r.reimported ?? 0;
    }
    // Devices imported again show up after a sync: ask once (if the window is closed, the next reconciliation asks).
    if (reimported > 0 && !stopped) {
      const after = yield* callActivity(context, ReconcileSync, step());
      if (!('stopped' in after)) sync = { ...after, note: `after ${reimported} re-import(s): ${after.note}` };
    }
  }

  // Read only, whatever the mode; only reconciliations started with BASELINE_FILE (older histories
  // have no baselineFile and replay without this call).
  let baselineDrift: BaselineDrift | undefined;
  if (settings.baselineFile && !stopped) baselineDrift = yield* callActivity(context, ReconcileBaselineDrift, step());

  status('report', survey ? { findings: survey.findings } : {});
  const outcome = yield* callActivity(context, ReconcileReport, {
    ...step(),
    ...(survey ? { survey } : {}),
    ...(baselineDrift ? { baselineDrift } : {}),
    ...(repair ? { repair } : {}),
    ...(sync ? { sync } : {}),
    ...(stopped ? { stopped } : {}),
  });
  const done = { findings: outcome.findings, ...(stopped ? { note: `stopped: ${stopped.message}` } : {}) };
  status('done', done);
  // Last, after the report; only reconciliations started with channels configured (notify.ts).
  if (!settings.notify) return outcome;
  const notifications = yield* notify(context, settings.notify, { kind: 'reconcile', outcome }, (d, note) =>
    status('done', { ...done, notifications: d, note: done.note ?? note }),
  );
  status('done', { ...done, notifications });
  return { ...outcome, notifications };
};
