import { HttpRequest, InvocationContext } from '@azure/functions';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dashboardDevicesHandler, dashboardReportHandler } from '../../functions/http-dashboard-data';
import { CONTENT_SECURITY_POLICY, dashboardAssetHandler, dashboardPageHandler } from '../../functions/http-dashboard-page';
import { DeviceIndexCache } from '../../shared/dashboard/index-cache';
import { MemoryLedger } from '../../shared/ledger/ledger';
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
      cache: new DeviceIndexCache(),
      clientOf: () => {
        throw new Error('no status read expected');
      },
    });
    const res = await handler(get(`http://h/api/dashboard-data/runs/${RUN}/devices?sort=hardwareHash&top=9999`, { runId: RUN }), context());
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.jsonBody)).toMatch(/sort.*top|top.*sort/);
  });
});
