import { HttpRequest, InvocationContext } from '@azure/functions';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { approveHandler, getReconcileHandler, startReconcileHandler, type ReconcileHttpDeps } from '../../functions/http-reconcile';
import { listRunsHandler } from '../../functions/http-runs';
import { reconcileTimerHandler } from '../../functions/reconcile-timer';
import { RECONCILE_INSTANCE_ID, reconcileIdFor, startReconcileOnce } from '../../functions/start-reconcile';
import { MemoryLedger } from '../../shared/ledger/ledger';
import type { Finding } from '../../shared/reconcile/model';
import { ReconcileStore } from '../../shared/reconcile/store';
import { RunStore } from '../../shared/run/run-store';
import { MemoryObjectStore } from '../../shared/storage/memory-store';
import { CONTAINERS } from '../../shared/storage/object-store';
import { startExtension, type Extension } from '../support/durable-extension';
import { FakeGraph } from '../support/fake-graph';

const NOW = new Date('2026-12-07T03:00:00.000Z');
const ID = reconcileIdFor(NOW);
const settings = { mode: 'repair' as const, stuckMinutes: 120 };

/** The reconciliation HTTP functions and timer over the real DurableClient (scripted extension) and in-memory stores. */
describe('reconciliation functions through their handlers', () => {
  let ext: Extension;
  let objects: MemoryObjectStore;
  let deps: ReconcileHttpDeps;
  const context = () => new InvocationContext({ functionName: 'test', invocationId: 'inv-1' });
  const post = (url: string, body?: unknown, params: Record<string, string> = {}, headers: Record<string, string> = {}) =>
    new HttpRequest({
      method: 'POST',
      url: `http://localhost${url}`,
      params,
      headers,
      ...(body === undefined ? {} : { body: { string: typeof body === 'string' ? body : JSON.stringify(body) } }),
    });

  beforeAll(async () => {
    ext = await startExtension();
  });
  afterAll(async () => ext.close());
  beforeEach(() => {
    ext.instances.clear();
    ext.starts.length = 0;
    objects = new MemoryObjectStore();
    deps = {
      graph: new FakeGraph(),
      ledger: new MemoryLedger(),
      objects,
      store: new ReconcileStore(objects),
      settings,
      clientOf: () => ext.client,
      now: () => NOW,
    };
  });

  describe('one reconciliation at a time', () => {
    it('starts under the fixed instance id with a reconcile-{timestamp} id and the settings', async () => {
      expect(ID).toBe('reconcile-20261207T030000000Z');
      const r = await startReconcileOnce(ext.client, { trigger: 'timer', settings, now: NOW });
      expect(r).toEqual({ reconcileId: ID, started: true });
      expect(ext.starts).toEqual([{ name: 'reconcileOrchestrator', instanceId: RECONCILE_INSTANCE_ID }]);
      expect(ext.instances.get(RECONCILE_INSTANCE_ID)!.input).toEqual({ reconcileId: ID, trigger: 'timer', settings });
    });

    it('a start while one runs answers with the running one and starts nothing', async () => {
      await startReconcileOnce(ext.client, { trigger: 'timer', settings, now: NOW });
      ext.instances.get(RECONCILE_INSTANCE_ID)!.runtimeStatus = 'Running';
      const again = await startReconcileOnce(ext.client, { trigger: 'http', settings, now: new Date('2026-12-07T03:05:00.000Z') });
      expect(again).toEqual({ reconcileId: ID, started: false });
      expect(ext.starts).toHaveLength(1);
    });

    it('starts again once the last one has completed (a new id, the same instance)', async () => {
      await startReconcileOnce(ext.client, { trigger: 'timer', settings, now: NOW });
      ext.instances.get(RECONCILE_INSTANCE_ID)!.runtimeStatus = 'Completed';
      const next = await startReconcileOnce(ext.client, { trigger: 'timer', settings, now: new Date('2026-12-08T03:00:00.000Z') });
      expect(next).toEqual({ reconcileId: 'reconcile-20261208T030000000Z', started: true });
    });

    it('two starts racing: the loser answers with the winner', async () => {
      ext.raceNextStart();
      const r = await startReconcileOnce(ext.client, { trigger: 'http', settings, now: NOW });
      expect(r.started).toBe(false);
      expect(r.reconcileId).toBe(ID);
    });

    it('the timer tick starts one, and a tick while it runs starts nothing', async () => {
      const tick = reconcileTimerHandler({ settings, clientOf: () => ext.client, now: () => NOW });
      const timer = { isPastDue: false, schedule: { adjustForDST: false }, scheduleStatus: { last: '', next: '', lastUpdated: '' } };
      await tick(timer, context());
      ext.instances.get(RECONCILE_INSTANCE_ID)!.runtimeStatus = 'Running';
      await tick(timer, context());
      expect(ext.starts).toHaveLength(1);
    });
  });

  describe('POST /api/reconcile', () => {
    it('202 with the id and status URL; ?dryRun=true and {"mode":"report-only"} start a report-only run', async () => {
      const res = await startReconcileHandler(deps)(post('/api/reconcile?dryRun=true'), context());
      expect(res.status).toBe(202);
      expect(res.jsonBody).toEqual({
        reconcileId: ID,
        started: true,
        mode: 'report-only',
        statusUrl: `http://localhost/api/reconcile/${ID}`,
      });
      expect(ext.instances.get(RECONCILE_INSTANCE_ID)!.input).toMatchObject({ trigger: 'http', settings: { mode: 'report-only' } });
      ext.instances.clear();
      const body = await startReconcileHandler(deps)(post('/api/reconcile', { mode: 'report-only' }), context());
      expect((body.jsonBody as { mode: string }).mode).toBe('report-only');
    });

    it('200 with the running one while one runs', async () => {
      await startReconcileHandler(deps)(post('/api/reconcile'), context());
      ext.instances.get(RECONCILE_INSTANCE_ID)!.runtimeStatus = 'Running';
      const res = await startReconcileHandler({ ...deps, now: () => new Date('2026-12-07T04:00:00.000Z') })(
        post('/api/reconcile'),
        context(),
      );
      expect(res.status).toBe(200);
      expect(res.jsonBody).toMatchObject({ reconcileId: ID, started: false });
    });

    it.each(['{"mode":"delete-everything"}', 'not json', '{"mode":"repair","extra":1}'])(
      '400 for the body %s, nothing started',
      async (body) => {
        const res = await startReconcileHandler(deps)(post('/api/reconcile', body), context());
        expect(res.status).toBe(400);
        expect(ext.starts).toHaveLength(0);
      },
    );
  });

  describe('GET /api/reconcile/{id} and GET /api/runs', () => {
    it('the running one from its status, a finished one from its report, 404 for none, 400 for a malformed id', async () => {
      const get = (id: string) =>
        getReconcileHandler(deps)(
          new HttpRequest({ method: 'GET', url: `http://localhost/api/reconcile/${id}`, params: { reconcileId: id } }),
          context(),
        );
      await startReconcileOnce(ext.client, { trigger: 'timer', settings, now: NOW });
      Object.assign(ext.instances.get(RECONCILE_INSTANCE_ID)!, {
        runtimeStatus: 'Running',
        customStatus: { kind: 'reconcile', reconcileId: ID, phase: 'repair', mode: 'repair', findings: 12 },
      });
      expect((await get(ID)).jsonBody).toMatchObject({ reconcileId: ID, runtimeStatus: 'Running', phase: 'repair', findings: 12 });
      const old = 'reconcile-20261206T030000000Z';
      await objects.put(
        CONTAINERS.reports,
        `${old}/report.json`,
        JSON.stringify({ reconcileId: old, mode: 'repair', byClass: { foreign: 2 }, findings: [{}, {}] }),
      );
      expect((await get(old)).jsonBody).toMatchObject({ reconcileId: old, runtimeStatus: 'Completed', byClass: { foreign: 2 }, listed: 2 });
      expect((await get('reconcile-20200101T000000000Z')).status).toBe(404);
      // A failed one (no custom status, no report) is answered from its instance, with the failure.
      Object.assign(ext.instances.get(RECONCILE_INSTANCE_ID)!, { runtimeStatus: 'Failed', customStatus: undefined, output: 'boom' });
      expect((await get(ID)).jsonBody).toMatchObject({ reconcileId: ID, runtimeStatus: 'Failed', mode: 'repair', output: 'boom' });
      expect((await get('intake-abc')).status).toBe(400);
    });

    it('lists intake runs, the running reconciliation under its own id and earlier ones from their reports, newest first', async () => {
      ext.instances.set('intake-' + 'a'.repeat(32), {
        name: 'intakeOrchestrator',
        instanceId: 'intake-' + 'a'.repeat(32),
        runtimeStatus: 'Completed',
        createdTime: '2026-12-07T02:00:00.000Z',
        lastUpdatedTime: '2026-12-07T02:10:00.000Z',
      });
      ext.instances.set(RECONCILE_INSTANCE_ID, {
        name: 'reconcileOrchestrator',
        instanceId: RECONCILE_INSTANCE_ID,
        runtimeStatus: 'Running',
        input: { reconcileId: ID, trigger: 'timer', settings },
        customStatus: { kind: 'reconcile', reconcileId: ID, phase: 'survey', mode: 'repair' },
        createdTime: NOW.toISOString(),
        lastUpdatedTime: NOW.toISOString(),
      });
      await objects.put(CONTAINERS.reports, 'reconcile-20261206T030000000Z/report.json', '{}');
      await objects.put(CONTAINERS.reports, `${ID}/report.json`, '{}'); // the running one's own (from a rerun): listed once
      const res = await listRunsHandler({ runs: new RunStore(objects), objects, clientOf: () => ext.client })(
        new HttpRequest({ method: 'GET', url: 'http://localhost/api/runs' }),
        context(),
      );
      const runs = (res.jsonBody as { runs: { kind: string; runId: string; runtimeStatus: string }[] }).runs;
      expect(runs.map((r) => [r.kind, r.runId, r.runtimeStatus])).toEqual([
        ['reconcile', ID, 'Running'],
        ['intake', 'intake-' + 'a'.repeat(32), 'Completed'],
        ['reconcile', 'reconcile-20261206T030000000Z', 'Completed'],
      ]);
    });
  });

  describe('POST /api/reconcile/{id}/approve', () => {
    const finding: Finding = {
      serialNumber: 'SN-1',
      class: 'group-tag-drift',
      evidence: ['tag drifted'],
      ztdId: 'ap-1',
      auto: [],
      proposed: [{ kind: 'retag-enrolled', serialNumber: 'SN-1', ztdId: 'ap-1', from: 'Kiosk', to: 'Sales' }],
    };
    const approve = (body: unknown, headers: Record<string, string> = {}) =>
      approveHandler(deps)(post(`/api/reconcile/${ID}/approve`, body, { reconcileId: ID }, headers), context());

    it('carries out a named proposed action and answers what came of it', async () => {
      await deps.store.writePart(ID, 0, [finding]);
      const graph = new FakeGraph({
        getAutopilotDevice: () => ({
          ok: true,
          status: 200,
          body: { id: 'ap-1', serialNumber: 'SN-1', groupTag: 'Kiosk', enrollmentState: 'enrolled' },
        }),
        updateAutopilotDeviceProperties: () => ({ ok: true, status: 204, body: undefined }),
      });
      const res = await approveHandler({ ...deps, graph })(
        post(
          `/api/reconcile/${ID}/approve`,
          { actions: [{ serialNumber: 'SN-1', kind: 'retag-enrolled' }] },
          { reconcileId: ID },
          { 'x-ms-client-principal-id': 'admin-oid' },
        ),
        context(),
      );
      expect(res.status).toBe(200);
      expect(res.jsonBody).toEqual({
        reconcileId: ID,
        approvals: [{ serialNumber: 'SN-1', kind: 'retag-enrolled', outcome: 'done', detail: '"Kiosk" → "Sales"' }],
      });
      expect(graph.calls.filter((c) => c.op === 'updateAutopilotDeviceProperties').map((c) => c.body)).toEqual([{ groupTag: 'Sales' }]);
      const audit = (await objects.get(CONTAINERS.reports, `${ID}/approvals.ndjson`))!.data.toString('utf8');
      expect(JSON.parse(audit)).toMatchObject({ by: 'admin-oid', serialNumber: 'SN-1', outcome: 'done' });
    });

    it('409 while that reconciliation still runs (its findings are being written)', async () => {
      await deps.store.writePart(ID, 0, [finding]);
      await startReconcileOnce(ext.client, { trigger: 'timer', settings, now: NOW });
      ext.instances.get(RECONCILE_INSTANCE_ID)!.runtimeStatus = 'Running';
      expect((await approve({ all: true })).status).toBe(409);
    });

    it('404 for a reconciliation that never was; 400 for bodies that are not a list of proposed actions', async () => {
      expect((await approve({ all: true })).status).toBe(404);
      await deps.store.writePart(ID, 0, [finding]);
      for (const body of [
        {},
        { all: false },
        { actions: [] },
        { actions: [{ serialNumber: 'SN-1', kind: 'delete-registration' }] },
        'nope',
      ]) {
        expect((await approve(body)).status, JSON.stringify(body)).toBe(400);
      }
    });
  });
});
