/**
 * The dashboard's JSON, under /api/dashboard-data/… (its own routes: GET /api/runs is for machines
 * and keeps its own shape):
 *   runs                              the runs list (?state=&source=&kind=&top=)
 *   runs/{runId}                      one run: summary, funnel, problems, p50/p95 timings, expected settings
 *   runs/{runId}/devices              a page of its device table (?q=&result=&stage=&sort=&dir=&skip=&top=)
 *   runs/{runId}/report/{file}        report.csv, report.json or summary.md as the run wrote them
 *   devices?serial=                   a serial across the recent runs, with the ledger's record
 * Every input is validated here; answers carry no hardware hash and no user name.
 */
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { DurableClient } from 'durable-functions';
import type { z } from 'zod';
import { IntakeInput } from '../shared/contracts/run';
import { DeviceQuery, queryDevices, type DashboardDevice } from '../shared/dashboard/device-index';
import { runDevices } from '../shared/dashboard/run-devices';
import type { DeviceIndexCache } from '../shared/dashboard/index-cache';
import type { SerialListCache } from '../shared/dashboard/serial-list';
import { runSummary } from '../shared/dashboard/run-summary';
import type { Ledger } from '../shared/ledger/ledger';
import type { ReconcileStore } from '../shared/reconcile/store';
import { RUN_ID_PATTERN } from '../shared/run/run-id';
import type { RunStore } from '../shared/run/run-store';
import { CONTAINERS, type ObjectStore } from '../shared/storage/object-store';
import { dashboardRun, filterRuns, RunsQuery, type DashboardRun } from './dashboard-runs';
import { statusOf } from './durable-status';
import { RECONCILE_ID_PATTERN } from './dashboard-reconcile';

export interface DashboardDataDeps {
  runs: RunStore;
  objects: ObjectStore;
  ledger: Pick<Ledger, 'get'>;
  reconcile: Pick<ReconcileStore, 'partCount' | 'readPart'>;
  cache: DeviceIndexCache;
  serials: SerialListCache;
  /** Whether this request's caller may act (dashboard-auth.ts). */
  canAct: (request: HttpRequest) => boolean;
  clientOf: (context: InvocationContext) => Pick<DurableClient, 'getStatus' | 'getStatusBy'>;
}

type Handler = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;

/** The query string as an object, empty values dropped (an empty filter box means no filter). */
function queryOf(request: HttpRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of request.query) if (v !== '') out[k] = v;
  return out;
}

function parsed<T>(schema: z.ZodType<T>, request: HttpRequest): { ok: true; value: T } | { ok: false; response: HttpResponseInit } {
  const result = schema.safeParse(queryOf(request));
  if (result.success) return { ok: true, value: result.data };
  const detail = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
  return { ok: false, response: { status: 400, jsonBody: { error: `invalid query: ${detail}` } } };
}

const noStore = { 'Cache-Control': 'no-store' };
const json = (body: unknown, status = 200): HttpResponseInit => ({ status, jsonBody: body, headers: noStore });

async function allRuns(deps: DashboardDataDeps, context: InvocationContext): Promise<DashboardRun[]> {
  const statuses = await deps.clientOf(context).getStatusBy({});
  return statuses.map(dashboardRun).filter((r): r is DashboardRun => r !== undefined);
}

export function dashboardRunsHandler(deps: DashboardDataDeps): Handler {
  return async (request, context) => {
    const q = parsed(RunsQuery, request);
    if (!q.ok) return q.response;
    const all = await allRuns(deps, context);
    const runs = filterRuns(all, q.value);
    return json({ runs, active: all.some((r) => r.active) });
  };
}

/** The run's status and device rows (through the cache), or the answer to give instead. */
async function runAndDevices(
  deps: DashboardDataDeps,
  request: HttpRequest,
  context: InvocationContext,
): Promise<{ ok: true; run: DashboardRun; input: unknown; devices: DashboardDevice[] } | { ok: false; response: HttpResponseInit }> {
  const runId = request.params.runId ?? '';
  if (!RUN_ID_PATTERN.test(runId)) return { ok: false, response: json({ error: 'runId must look like intake-<32 hex digits>' }, 400) };
  const status = await statusOf(deps.clientOf(context), runId);
  const run = status && dashboardRun(status);
  if (!status || !run) return { ok: false, response: json({ error: `no run ${runId}` }, 404) };
  const devices = await deps.cache.get(runId, run.lastUpdatedTime, () => runDevices(deps, runId));
  return { ok: true, run, input: status.input, devices };
}

export function dashboardRunHandler(deps: DashboardDataDeps): Handler {
  return async (request, context) => {
    const found = await runAndDevices(deps, request, context);
    if (!found.ok) return found.response;
    const input = IntakeInput.safeParse(found.input);
    const [manifest, reportEtag] = await Promise.all([
      deps.runs.readManifest(found.run.runId),
      deps.objects.etagOf(CONTAINERS.reports, `${found.run.runId}/report.json`),
    ]);
    const base = `dashboard-data/runs/${found.run.runId}/report`;
    const reportWritten = reportEtag !== undefined;
    return json({
      run: found.run,
      expected: input.success ? input.data.settings.expected : undefined,
      fileRejected: manifest?.fileRejected,
      warnings: manifest?.warnings ?? [],
      ...runSummary(found.devices),
      // Relative to /api/ (the page resolves them against its own base).
      reports: reportWritten ? { csv: `${base}/report.csv`, json: `${base}/report.json`, summary: `${base}/summary.md` } : undefined,
    });
  };
}

export function dashboardDevicesHandler(deps: DashboardDataDeps): Handler {
  return async (request, context) => {
    const q = parsed(DeviceQuery, request);
    if (!q.ok) return q.response;
    const found = await runAndDevices(deps, request, context);
    if (!found.ok) return found.response;
    return json(queryDevices(found.devices, q.value));
  };
}

const REPORT_FILES: Record<string, string> = {
  'report.csv': 'text/csv; charset=utf-8',
  'report.json': 'application/json; charset=utf-8',
  'summary.md': 'text/markdown; charset=utf-8',
};

export function dashboardReportHandler(deps: Pick<DashboardDataDeps, 'objects'>): Handler {
  return async (request) => {
    const runId = request.params.runId ?? '';
    const file = request.params.file ?? '';
    const type = REPORT_FILES[file];
    if (!(RUN_ID_PATTERN.test(runId) || RECONCILE_ID_PATTERN.test(runId)) || !type)
      return json({ error: 'expected runs/(intake-<32 hex>|reconcile-<id>)/report/(report.csv|report.json|summary.md)' }, 400);
    const blob = await deps.objects.get(CONTAINERS.reports, `${runId}/${file}`);
    if (!blob) return json({ error: `${runId} has no ${file} yet` }, 404);
    return {
      status: 200,
      body: blob.data,
      // A download, never rendered as a page of ours (the CSV holds whatever the file held).
      headers: {
        ...noStore,
        'Content-Type': type,
        'Content-Disposition': `attachment; filename="${runId}-${file}"`,
        'X-Content-Type-Options': 'nosniff',
      },
    };
  };
}
