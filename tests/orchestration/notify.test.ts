import { describe, expect, it } from 'vitest';
import { intakeOrchestrator } from '../../orchestrations/intake';
import { reconcileOrchestrator } from '../../orchestrations/reconcile';
import { CleanupStep, ConfirmStep, FinalizeStep, ImportStep, ParseStep } from '../../shared/contracts/activities';
import type { PlannedDelivery } from '../../shared/contracts/delivery';
import type { DeliverInput, DeliverResult } from '../../shared/contracts/notify';
import { NotifyDeliver, NotifyPrepare } from '../../shared/contracts/notify';
import { ReconcileReport, ReconcileSurvey } from '../../shared/contracts/reconcile-activities';
import { emptyCounts, type IntakeInput, type RunOutcome } from '../../shared/contracts/run';
import { replay, type ActivityScript } from '../support/replay-driver';
import { settings } from '../support/run-fixtures';

const RUN = 'intake-0123456789abcdef0123456789abcdef';
const NOTIFY = { attempts: 4, retrySeconds: 15, backoff: 3 };
const input = (notify: typeof NOTIFY | null = NOTIFY): IntakeInput => ({
  runId: RUN,
  source: { container: 'autopilot-intake', name: 'contoso/drop.csv', etag: '"0x1"' },
  settings: { ...settings(), ...(notify ? { notify } : {}) },
});
const planned = (channel: string, type: 'teams' | 'webhook'): PlannedDelivery => ({
  channel,
  type,
  event: 'run.needsAttention',
  key: `${RUN}:run.needsAttention`,
});

/** A short run (parse, one import, one confirm, report, one cleanup step) whose channels answer from `answer`. */
function script(opts: {
  deliveries?: PlannedDelivery[];
  answer?: (d: DeliverInput) => Partial<DeliverResult> | { error: string };
  prepare?: { error: string };
}): ActivityScript {
  const counts = { ...emptyCounts(), rows: 3, valid: 3, confirmed: 2, failed: 1 };
  return (name, raw) => {
    if (name === ParseStep.name) return { result: { runId: RUN, chunkCount: 1, counts } };
    if (name === ImportStep.name || name === ConfirmStep.name) return { result: { next: 'done', counts } };
    if (name === FinalizeStep.name) return { result: { runId: RUN, status: 'completed', reportPath: `autopilot-reports/${RUN}/`, counts } };
    if (name === CleanupStep.name) return { result: { next: 'done', counts, recordsLeft: 0 } };
    if (name === NotifyPrepare.name)
      return opts.prepare ?? { result: { deliveries: opts.deliveries ?? [planned('ops', 'teams'), planned('contoso', 'webhook')] } };
    if (name === NotifyDeliver.name) {
      const d = raw as DeliverInput;
      const a = opts.answer?.(d) ?? { outcome: 'delivered', status: 202 };
      if ('error' in a) return { error: a.error };
      return { result: { outcome: 'delivered', answer: `${a.status ?? ''}`, at: '2026-11-28T10:00:00.000Z', ...a } };
    }
    return { error: `unexpected ${name}` };
  };
}

describe('notifications from the intake orchestration', () => {
  it('come last — after the report and the cleanup — to every channel at once, and their answers are in the output and the status', async () => {
    const r = await replay(intakeOrchestrator, input(), script({}));
    const names = r.activityCalls.map((c) => c.name);
    expect(names.slice(-4)).toEqual([CleanupStep.name, NotifyPrepare.name, NotifyDeliver.name, NotifyDeliver.name]);
    expect(r.activityCalls.at(-3)!.input).toMatchObject({
      subject: {
        kind: 'intake',
        outcome: { runId: RUN, status: 'completed' },
        source: { container: 'autopilot-intake', name: 'contoso/drop.csv' },
      },
    });
    expect(r.activityCalls.at(-1)!.input).toEqual({ ...planned('contoso', 'webhook'), subjectId: RUN, attempt: 1 });
    const output = r.output as RunOutcome;
    expect(output.status).toBe('completed');
    expect(output.notifications).toEqual([
      { ...planned('ops', 'teams'), state: 'delivered', attempts: 1, status: 202, answer: '202', at: '2026-11-28T10:00:00.000Z' },
      { ...planned('contoso', 'webhook'), state: 'delivered', attempts: 1, status: 202, answer: '202', at: '2026-11-28T10:00:00.000Z' },
    ]);
    expect(r.customStatuses.at(-1)).toMatchObject({ note: 'done', notifications: output.notifications });
  });

  it('a receiver failure is tried again after a durable timer, backing off, only for the channel that failed', async () => {
    let contoso = 0;
    const r = await replay(
      intakeOrchestrator,
      input(),
      script({
        answer: (d) =>
          d.channel === 'contoso' && ++contoso <= 2
            ? { outcome: 'retry', status: 503, answer: '503 busy' }
            : { outcome: 'delivered', status: 200 },
      }),
    );
    const delivers = r.activityCalls
      .filter((c) => c.name === NotifyDeliver.name)
      .map((c) => [(c.input as DeliverInput).channel, (c.input as DeliverInput).attempt]);
    expect(delivers).toEqual([
      ['ops', 1],
      ['contoso', 1],
      ['contoso', 2],
      ['contoso', 3],
    ]);
    const [t1, t2] = r.timers.slice(-2).map((t) => Date.parse(t));
    expect(t2! - t1!).toBe(45_000);
    expect((r.output as RunOutcome).notifications?.[1]).toMatchObject({ channel: 'contoso', state: 'delivered', attempts: 3, status: 200 });
  });

  it('a channel that keeps failing ends failed after its attempts; the run still completes with its report', async () => {
    const r = await replay(
      intakeOrchestrator,
      input(),
      script({
        answer: (d) =>
          d.channel === 'ops'
            ? { outcome: 'retry', answer: 'network error (ECONNRESET)' }
            : { outcome: 'failed', status: 400, answer: '400 bad' },
      }),
    );
    const output = r.output as RunOutcome;
    expect(output).toMatchObject({ status: 'completed', reportPath: `autopilot-reports/${RUN}/` });
    expect(output.notifications).toMatchObject([
      { channel: 'ops', state: 'failed', attempts: 4, answer: 'network error (ECONNRESET)' },
      { channel: 'contoso', state: 'failed', attempts: 1, status: 400 },
    ]);
    // 15 s, 45 s, 135 s between the four rounds.
    const waits = r.timers.slice(-3).map((t, i, all) => (i === 0 ? 15_000 : Date.parse(t) - Date.parse(all[i - 1]!)));
    expect(waits).toEqual([15_000, 45_000, 135_000]);
  });

  it('a delivery step that throws past its retries, or a prepare step that does, is recorded, never the run’s failure', async () => {
    const thrown = await replay(intakeOrchestrator, input(), script({ answer: () => ({ error: 'storage unavailable' }) }));
    expect((thrown.output as RunOutcome).status).toBe('completed');
    expect((thrown.output as RunOutcome).notifications?.[0]).toMatchObject({ state: 'failed', attempts: 4 });
    expect((thrown.output as RunOutcome).notifications?.[0]?.answer).toContain('the delivery step failed');
    const unprepared = await replay(intakeOrchestrator, input(), script({ prepare: { error: 'storage unavailable' } }));
    expect(unprepared.output).toMatchObject({ status: 'completed', notifications: [] });
  });

  it('no channel takes the event: prepared, nothing delivered', async () => {
    const r = await replay(intakeOrchestrator, input(), script({ deliveries: [] }));
    expect(r.activityCalls.map((c) => c.name).filter((n) => n === NotifyDeliver.name)).toEqual([]);
    expect((r.output as RunOutcome).notifications).toEqual([]);
  });

  it('a run started without channels configured (and any older history) does not notify at all', async () => {
    const r = await replay(intakeOrchestrator, input(null), script({}));
    expect(r.activityCalls.map((c) => c.name)).not.toContain(NotifyPrepare.name);
    expect((r.output as RunOutcome).notifications).toBeUndefined();
  });
});

describe('notifications from the reconciliation', () => {
  it('after the report, with the reconciliation outcome as the subject; answers in the output', async () => {
    const reconcileId = 'reconcile-20261207T030000000Z';
    const rScript: ActivityScript = (name, raw) => {
      if (name === ReconcileSurvey.name)
        return {
          result: {
            reconcileId,
            parts: 1,
            findings: 10,
            byClass: { 'not-in-group': 2 },
            autoActions: 0,
            proposedActions: 1,
            pages: 1,
            backfilled: 0,
            needsSync: false,
          },
        };
      if (name === 'reconcileRepair') return { result: { done: 0, notNeeded: 0, skipped: 0, failed: 0, writes: 0 } };
      if (name === ReconcileReport.name)
        return {
          result: {
            reconcileId,
            mode: 'repair',
            reportPath: `autopilot-reports/${reconcileId}/report.json`,
            findings: 10,
            byClass: { 'not-in-group': 2 },
          },
        };
      if (name === NotifyPrepare.name)
        return {
          result: { deliveries: [{ channel: 'ops', type: 'teams', event: 'reconcile.drift', key: `${reconcileId}:reconcile.drift` }] },
        };
      if (name === NotifyDeliver.name)
        return { result: { outcome: 'delivered', status: 202, answer: '202', at: '2026-12-07T03:00:00.000Z', ...(raw ? {} : {}) } };
      return { error: `unexpected ${name}` };
    };
    const r = await replay(
      reconcileOrchestrator,
      { reconcileId, trigger: 'timer', settings: { mode: 'repair', stuckMinutes: 120, notify: NOTIFY } },
      rScript,
    );
    expect(r.activityCalls.map((c) => c.name).slice(-3)).toEqual([ReconcileReport.name, NotifyPrepare.name, NotifyDeliver.name]);
    expect(r.activityCalls.at(-2)!.input).toMatchObject({ subject: { kind: 'reconcile', outcome: { reconcileId } } });
    expect(r.output).toMatchObject({ reconcileId, notifications: [{ channel: 'ops', event: 'reconcile.drift', state: 'delivered' }] });
    expect(r.customStatuses.at(-1)).toMatchObject({ phase: 'done', notifications: [{ channel: 'ops', state: 'delivered' }] });
  });
});
