import { HttpRequest, InvocationContext } from '@azure/functions';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dashboardDevicesHandler, dashboardReportHandler } from '../../functions/http-dashboard-data';
import { dashboardDeviceSearchHandler } from '../../functions/dashboard-device-search';
import { IntakeOrchestration } from '../../shared/contracts/activities';
import { writeRunIndex } from '../../shared/dashboard/run-index';
import { dashboardFindingsHandler, dashboardReconcileHandler } from '../../functions/dashboard-reconcile';
import type { Finding } from '../../shared/reconcile/model';
import { CONTENT_SECURITY_POLICY, dashboardAssetHandler, dashboardPageHandler } from '../../functions/http-dashboard-page';
import { DeviceIndexCache } from '../../shared/dashboard/index-cache';
import { SerialListCache } from '../../shared/dashboard/serial-list';
import { MemoryLedger } from '../../shared/ledger/ledger';
import { ReconcileStore } from '../../shared/reconcile/store';
import { RunStore } from '../../shared/run/run-store';
import { MemoryObjectStore } from '../../shared/storage/memory-store';
import { CONTAINERS } from '../../shared/storage/object-store';

const RUN = 'intake-0123456789abcdef0123456789abcdef';
const context = () => new InvocationContext({ functionName: 'test', invocationId: 'inv-1' });
const get = (url: string, params: Record<string, string> = {}) => new HttpRequest({ method: 'GET', url, params });

describe("the dashboard's HTTP handlers", () => {
  const dir = mkdtempSync(join(tmpdir(), 'dashboard-assets-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves the shell with a CSP that allows no inline script, no eval and no framing', async () => {
    const res = await dashboardPageHandler()();
    const headers = res.headers as Record<string, string>;
    expect(headers['Content-Security-Policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-(inline|eval)/);
    expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
    // The shell carries no data and no inline script.
    expect(String(res.body)).not.toMatch(/<script>[^<]/);
  });

  it('serves only the two built assets, and says to build when they are missing', async () => {
    writeFileSync(join(dir, 'app.js'), 'console.log(1)');
    const handler = dashboardAssetHandler(dir);
    const js = await handler(get('http://h/api/dashboard-assets/app.js', { file: 'app.js' }));
    expect(js.status).toBe(200);
    expect((js.headers as Record<string, string>)['Content-Type']).toContain('text/javascript');
    expect((await handler(get('http://h/x', { file: '..%2Fpackage.json' }))).status).toBe(404);
    expect((await handler(get('http://h/x', { file: 'index.ts' }))).status).toBe(404);
    const css = await handler(get('http://h/x', { file: 'app.css' }));
    expect(css).toMatchObject({ status: 404, body: expect.stringContaining('npm run build') });
  });

  it('report downloads: only the three report files of an intake run id, as attachments', async () => {
    const objects = new MemoryObjectStore();
    await objects.put(CONTAINERS.reports, `${RUN}/report.csv`, 'line,serialNumber\r\n2,<b>x</b>\r\n');
    const handler = dashboardReportHandler({ objects });
    const ok = await handler(get('http://h/x', { runId: RUN, file: 'report.csv' }), context());
    expect(ok.status).toBe(200);
    expect(ok.headers).toMatchObject({
      'Content-Disposition': `attachment; filename="${RUN}-report.csv"`,
      'X-Content-Type-Options': 'nosniff',
    });
    expect((await handler(get('http://h/x', { runId: RUN, file: 'report.json' }), context())).status).toBe(404);
    expect((await handler(get('http://h/x', { runId: RUN, file: 'manifest.json' }), context())).status).toBe(400);
    expect((await handler(get('http://h/x', { runId: '../runs', file: 'report.csv' }), context())).status).toBe(400);
  });

  it('refuses a device query it does not understand with 400, before reading anything', async () => {
    const objects = new MemoryObjectStore();
    const handler = dashboardDevicesHandler({
      runs: new RunStore(objects),
      objects,
      ledger: new MemoryLedger(),
      reconcile: new ReconcileStore(objects),
      cache: new DeviceIndexCache(),
      serials: new SerialListCache(),
      canAct: () => false,
      clientOf: () => {
        throw new Error('no status read expected');
      },
    });
    const res = await handler(get(`http://h/api/dashboard-data/runs/${RUN}/devices?sort=hardwareHash&top=9999`, { runId: RUN }), context());
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.jsonBody)).toMatch(/sort.*top|top.*sort/);
  });

  it("a reconciliation's page: its report header, a section it does not know passed on, findings with proposals waiting", async () => {
    const objects = new MemoryObjectStore();
    const store = new ReconcileStore(objects);
    const ID = 'reconcile-20261207T100000Z';
    const finding = (serialNumber: string, cls: Finding['class'], over: Partial<Finding> = {}): Finding => ({
      serialNumber,
      class: cls,
      evidence: [`${serialNumber} evidence`],
      auto: [],
      proposed: [],
      ...over,
    });
    const reimport = { kind: 'delete-and-reimport' as const, serialNumber: 'SN-2', ztdId: 'z2', archivedPath: 'a/b.csv', line: 3 };
    await store.writePart(ID, 0, [
      finding('SN-1', 'in-order'),
      finding('SN-2', 'entra-device-deleted', { proposed: [reimport] }),
      finding('SN-3', 'entra-device-deleted', {
        proposed: [{ ...reimport, serialNumber: 'SN-3' }],
        approvals: [{ outcome: 'done', at: '2026-12-07T10:05:00Z', by: 'oid-1' }],
      }),
      finding('SN-4', 'leftover-import-record', { since: '2026-12-01T00:00:00Z' }),
    ]);
    const header = {
      reconcileId: ID,
      generatedAt: '2026-12-07T10:00:00Z',
      mode: 'repair',
      byClass: { 'in-order': 1 },
      examined: 4,
      pages: 2,
    };
    await objects.put(
      CONTAINERS.reports,
      `${ID}/report.json`,
      JSON.stringify({ ...header, baselineDrift: { changed: ['<img src=x>'] }, findings: [] }),
    );
    const deps = {
      objects,
      reconcile: store,
      clientOf: () => ({ getStatus: () => Promise.reject(new Error('HTTP 404')) }),
      canAct: () => true,
    };
    const res = await dashboardReconcileHandler(deps)(get(`http://h/api/dashboard-data/runs/${ID}`, { runId: ID }), context());
    expect(res.status).toBe(200);
    expect(res.jsonBody).toMatchObject({
      run: { kind: 'reconcile', state: 'Completed', runId: ID },
      report: { mode: 'repair', examined: 4 },
      sections: { baselineDrift: { changed: ['<img src=x>'] } },
      listed: 3,
      proposals: { total: 2, waiting: 1 },
      canApprove: true,
      canAct: true,
    });
    const findings = dashboardFindingsHandler(deps);
    const page = await findings(get(`http://h/x?waiting=true`, { runId: ID }), context());
    expect(page.jsonBody).toMatchObject({ total: 3, matched: 1, rows: [{ serialNumber: 'SN-2', waiting: 1 }] });
    const all = await findings(get(`http://h/x?top=2`, { runId: ID }), context());
    expect((all.jsonBody as { rows: Finding[] }).rows.map((f) => f.serialNumber)).toHaveLength(2);
    expect((await findings(get(`http://h/x`, { runId: RUN }), context())).status).toBe(400);
    const missing = await dashboardReconcileHandler(deps)(get('http://h/x', { runId: 'reconcile-nothere' }), context());
    expect(missing.status).toBe(404);
  });

  it('device search covers every run (not only the recent ones), opening only the runs whose serial list holds it', async () => {
    const objects = new MemoryObjectStore();
    const runIds = Array.from({ length: 30 }, (_, i) => `intake-${String(i).padStart(32, '0')}`);
    for (const [i, runId] of runIds.entries()) {
      const devices = [
        { line: 2, serialNumber: `RUN${i}-A`, rowStatus: 'valid' as const, result: 'confirmed' as const, stage: 'done', at: {} },
        // The oldest run (index 0) alone holds this serial.
        ...(i === 0 ? [{ line: 3, serialNumber: 'Only-In-Oldest', rowStatus: 'valid' as const, result: 'pending' as const, at: {} }] : []),
      ];
      await writeRunIndex(
        objects,
        runId,
        devices,
        devices.map((d) => d.serialNumber),
      );
    }
    const statuses = runIds.map((instanceId, i) => ({
      name: IntakeOrchestration.name,
      instanceId,
      runtimeStatus: 'Completed',
      createdTime: new Date(Date.UTC(2026, 0, 1 + i)),
      lastUpdatedTime: new Date(Date.UTC(2026, 0, 1 + i)),
      customStatus: { source: `c/${i}.csv` },
      input: undefined,
    }));
    const reads: string[] = [];
    const read = objects.get.bind(objects);
    objects.get = async (container, path) => {
      reads.push(path);
      return read(container, path);
    };
    const handler = dashboardDeviceSearchHandler({
      runs: new RunStore(objects),
      objects,
      ledger: new MemoryLedger(),
      reconcile: new ReconcileStore(objects),
      cache: new DeviceIndexCache(),
      serials: new SerialListCache(),
      canAct: () => false,
      clientOf: () =>
        ({
          getStatusBy: async () => statuses,
          getStatus: async (id: string) => statuses.find((s) => s.instanceId === id),
        }) as never,
    });
    const res = await handler(get('http://h/api/dashboard-data/devices?serial=only-in'), context());
    expect(res.jsonBody).toMatchObject({
      runsSearched: 30,
      runsNotSearched: 0,
      matches: [{ runId: runIds[0], device: { serialNumber: 'Only-In-Oldest' } }],
    });
    // 30 serial lists read, and one run's rows: the one that holds the serial.
    expect(reads.filter((p) => p.endsWith('serials.txt'))).toHaveLength(30);
    expect(reads.filter((p) => p.endsWith('dashboard-index.json'))).toEqual([`runs/${runIds[0]}/dashboard-index.json`]);
    // The lists are kept: a second search reads no list again.
    reads.length = 0;
    await handler(get('http://h/api/dashboard-data/devices?serial=RUN29'), context());
    expect(reads.filter((p) => p.endsWith('serials.txt'))).toEqual([]);
  });
});
