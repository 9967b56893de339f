import { describe, expect, it } from 'vitest';
import { reconcileOrchestrator } from '../../orchestrations/reconcile';
import type { ReconcileInput, RepairInput, SurveyResult } from '../../shared/contracts/reconcile';
import {
  ReconcileBaselineDrift,
  ReconcileRepair,
  ReconcileReport,
  ReconcileSurvey,
  ReconcileSync,
} from '../../shared/contracts/reconcile-activities';
import { replay, type ActivityScript } from '../support/replay-driver';

const input = (mode: ReconcileInput['settings']['mode'] = 'repair'): ReconcileInput => ({
  reconcileId: 'reconcile-20261207T030000000Z',
  trigger: 'timer',
  settings: { mode, stuckMinutes: 120 },
});
const survey = (over: Partial<SurveyResult> = {}): SurveyResult => ({
  reconcileId: input().reconcileId,
  parts: 3,
  findings: 2500,
  byClass: { 'in-order': 2400, 'group-tag-drift': 100 },
  autoActions: 100,
  proposedActions: 0,
  pages: 30,
  backfilled: 0,
  needsSync: false,
  ...over,
});
const stop = {
  kind: 'permission',
  operation: 'listAutopilotDevices',
  status: 403,
  message: 'Forbidden',
  fix: 'grant DeviceManagementServiceConfig.ReadWrite.All',
  phase: 'survey',
  at: '2026-12-07T03:00:00.000Z',
} as const;

function script(
  opts: {
    survey?: SurveyResult | { stopped: typeof stop };
    sync?: { status: string; note: string; retryAfterSeconds?: number }[];
    repairStopsAt?: number;
  } = {},
): ActivityScript {
  let syncs = 0;
  return (name, raw) => {
    if (name === ReconcileSurvey.name) return { result: opts.survey ?? survey() };
    if (name === ReconcileSync.name) return { result: opts.sync?.[syncs++] ?? { status: 'requested', note: 'sync requested' } };
    if (name === ReconcileRepair.name) {
      const { part } = raw as RepairInput;
      if (part === opts.repairStopsAt) return { result: { stopped: { ...stop, phase: 'repair' } } };
      return { result: { done: 10, notNeeded: 1, skipped: 2, failed: 3, writes: 11 } };
    }
    if (name === ReconcileReport.name) {
      const r = raw as { reconcileId: string; settings: { mode: string }; survey?: SurveyResult; repair?: unknown; stopped?: unknown };
      return {
        result: {
          reconcileId: r.reconcileId,
          mode: r.settings.mode,
          reportPath: `autopilot-reports/${r.reconcileId}/report.json`,
          findings: r.survey?.findings ?? 0,
          byClass: r.survey?.byClass ?? {},
          ...(r.repair ? { repair: r.repair } : {}),
          ...(r.stopped ? { stopped: r.stopped } : {}),
        },
      };
    }
    return { error: `unexpected activity ${name}` };
  };
}

const names = (r: { activityCalls: { name: string }[] }) => r.activityCalls.map((c) => c.name);

describe('reconcile orchestration (real durable-functions replay, synthetic histories)', () => {
  it('surveys, repairs every findings part in order, then reports the summed repair', async () => {
    const r = await replay(reconcileOrchestrator, input(), script());
    expect(names(r)).toEqual([
      ReconcileSurvey.name,
      ReconcileRepair.name,
      ReconcileRepair.name,
      ReconcileRepair.name,
      ReconcileReport.name,
    ]);
    expect(r.activityCalls.filter((c) => c.name === ReconcileRepair.name).map((c) => (c.input as RepairInput).part)).toEqual([0, 1, 2]);
    expect(r.output).toMatchObject({
      mode: 'repair',
      findings: 2500,
      repair: { done: 30, notNeeded: 3, skipped: 6, failed: 9, writes: 33 },
    });
    expect(r.customStatuses.map((s) => (s as { phase: string }).phase)).toEqual(
      expect.arrayContaining(['survey', 'repair', 'report', 'done']),
    );
  });

  it('report-only: no sync, no repair — the report is written from the survey alone', async () => {
    const r = await replay(reconcileOrchestrator, input('report-only'), script({ survey: survey({ needsSync: true }) }));
    expect(names(r)).toEqual([ReconcileSurvey.name, ReconcileReport.name]);
    expect(r.output).toMatchObject({ mode: 'report-only' });
    expect(r.output).not.toHaveProperty('repair');
  });

  it('asks the sync gate once before repairing when devices wait for a profile, and hands the answer to every part', async () => {
    const r = await replay(reconcileOrchestrator, input(), script({ survey: survey({ needsSync: true, parts: 2 }) }));
    expect(names(r)).toEqual([ReconcileSurvey.name, ReconcileSync.name, ReconcileRepair.name, ReconcileRepair.name, ReconcileReport.name]);
    for (const c of r.activityCalls.filter((c) => c.name === ReconcileRepair.name))
      expect((c.input as RepairInput).sync).toEqual({ status: 'requested', note: 'sync requested' });
  });

  it('a closed sync window is not waited for (a sync minutes ago serves these devices too): no timer, the parts get the answer', async () => {
    const wait = { status: 'waiting', note: 'a sync was requested less than ten minutes ago', retryAfterSeconds: 420 };
    const r = await replay(reconcileOrchestrator, input(), script({ survey: survey({ needsSync: true, parts: 1 }), sync: [wait] }));
    expect(names(r)).toEqual([ReconcileSurvey.name, ReconcileSync.name, ReconcileRepair.name, ReconcileReport.name]);
    expect(r.timers).toEqual([]);
    expect((r.activityCalls.find((c) => c.name === ReconcileRepair.name)!.input as RepairInput).sync).toEqual(wait);
  });

  it('a refused sync (permission) does not stop the repair; the parts are told it was refused', async () => {
    const base = script({ survey: survey({ needsSync: true, parts: 1 }) });
    const refusing: ActivityScript = (name, raw, attempt) =>
      name === ReconcileSync.name ? { result: { stopped: { ...stop, phase: 'sync' } } } : base(name, raw, attempt);
    const r = await replay(reconcileOrchestrator, input(), refusing);
    expect(names(r)).toEqual([ReconcileSurvey.name, ReconcileSync.name, ReconcileRepair.name, ReconcileReport.name]);
    expect((r.activityCalls[2]!.input as RepairInput).sync).toEqual({ status: 'refused', note: 'the sync was refused: Forbidden' });
  });

  it('asks for a sync once more after the parts when some part imported devices again (they register after a sync)', async () => {
    const base = script({ survey: survey({ parts: 2 }) });
    const withReimport: ActivityScript = (name, raw, attempt) => {
      const answer = base(name, raw, attempt);
      return name === ReconcileRepair.name && (raw as RepairInput).part === 1 && 'result' in answer
        ? { result: { ...(answer.result as object), reimported: 2 } }
        : answer;
    };
    const r = await replay(reconcileOrchestrator, input(), withReimport);
    expect(names(r)).toEqual([ReconcileSurvey.name, ReconcileRepair.name, ReconcileRepair.name, ReconcileSync.name, ReconcileReport.name]);
    expect(r.activityCalls.at(-1)!.input).toMatchObject({ sync: { status: 'requested', note: 'after 2 re-import(s): sync requested' } });
  });

  it('a survey stopped by a permanent failure goes straight to the report, which carries the stop', async () => {
    const r = await replay(reconcileOrchestrator, input(), script({ survey: { stopped: stop } }));
    expect(names(r)).toEqual([ReconcileSurvey.name, ReconcileReport.name]);
    expect(r.activityCalls[1]!.input).toMatchObject({ stopped: { kind: 'permission', fix: stop.fix } });
    expect(r.activityCalls[1]!.input).not.toHaveProperty('survey');
  });

  it('a repair part stopped by a permanent failure ends the repair there; the report has what was done and the stop', async () => {
    const r = await replay(reconcileOrchestrator, input(), script({ repairStopsAt: 1 }));
    expect(names(r)).toEqual([ReconcileSurvey.name, ReconcileRepair.name, ReconcileRepair.name, ReconcileReport.name]);
    expect(r.output).toMatchObject({ repair: { done: 10, writes: 11 }, stopped: { phase: 'repair' } });
  });

  it('with BASELINE_FILE: plans the baseline read-only after the repair (in either mode), and the report and outcome carry its drift', async () => {
    const drift = { changes: 1, conflicts: 0, lines: ['~ ESP order: autopilot-esp priority 2 → 1'], more: 0 };
    const base = script({ survey: survey({ parts: 1 }) });
    const withDrift: ActivityScript = (name, raw, attempt) => {
      if (name === ReconcileBaselineDrift.name) return { result: drift };
      const answer = base(name, raw, attempt);
      if (name === ReconcileReport.name && 'result' in answer) {
        const r = raw as { baselineDrift?: unknown };
        return { result: { ...(answer.result as object), ...(r.baselineDrift ? { baselineDrift: r.baselineDrift } : {}) } };
      }
      return answer;
    };
    for (const mode of ['repair', 'report-only'] as const) {
      const withFile = { ...input(mode), settings: { ...input(mode).settings, baselineFile: 'baseline/tenant.json' } };
      const r = await replay(reconcileOrchestrator, withFile, withDrift);
      expect(names(r).slice(-2)).toEqual([ReconcileBaselineDrift.name, ReconcileReport.name]);
      expect(r.activityCalls.find((c) => c.name === ReconcileBaselineDrift.name)!.input).toMatchObject({
        settings: { baselineFile: 'baseline/tenant.json' },
      });
      expect(r.activityCalls.at(-1)!.input).toMatchObject({ baselineDrift: drift });
      expect(r.output).toMatchObject({ baselineDrift: drift });
    }
    // Without BASELINE_FILE (and in every history written before it existed) there is no such call.
    expect(names(await replay(reconcileOrchestrator, input(), withDrift))).not.toContain(ReconcileBaselineDrift.name);
  });

  it('refuses an input that is not a reconciliation (the id shape is checked before anything runs)', async () => {
    await expect(replay(reconcileOrchestrator, { ...input(), reconcileId: 'intake-x' }, script())).rejects.toThrow();
  });
});
