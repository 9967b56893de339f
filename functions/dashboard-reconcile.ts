/**
 * A reconciliation's page data, under the same routes as an intake run's (the runs list links both
 * as /dashboard/runs/{id}; so do notifications):
 *   runs/{reconcile-…}            its state (the one reconciliation instance, while it is this one),
 *                                 its report's header — known parts and any section this code does not
 *                                 know, passed on as they are — and how many proposals wait for approval
 *   runs/{reconcile-…}/findings   a page of its findings (not the devices in order), unresolved first,
 *                                 with their proposals and approvals, from the findings parts (which
 *                                 approvals update; report.json stays as the reconciliation wrote it)
 */
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { DurableClient } from 'durable-functions';
import { z } from 'zod';
import { ReconcileStatus } from '../shared/contracts/reconcile';
import { ReconcileOrchestration } from '../shared/contracts/reconcile-activities';
import { DriftClass, type Finding } from '../shared/reconcile/model';
import { reportOrder, unresolved } from '../shared/reconcile/report';
import type { ReconcileStore } from '../shared/reconcile/store';
import { CONTAINERS, type ObjectStore } from '../shared/storage/object-store';
import type { DashboardRun } from './dashboard-runs';
import { statusOf } from './durable-status';
import { RECONCILE_INSTANCE_ID } from './start-reconcile';

export const RECONCILE_ID_PATTERN = /^reconcile-[0-9a-zA-Z]+$/;

export interface DashboardReconcileDeps {
  objects: Pick<ObjectStore, 'get'>;
  reconcile: Pick<ReconcileStore, 'partCount' | 'readPart'>;
  clientOf: (context: InvocationContext) => Pick<DurableClient, 'getStatus'>;
  /** Whether this request's caller may act (approve): the Operator role in Azure, anyone on the local stack. */
  canAct: (request: HttpRequest) => boolean;
}

type Handler = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;
const json = (body: unknown, status = 200): HttpResponseInit => ({ status, jsonBody: body, headers: { 'Cache-Control': 'no-store' } });

/** The header fields the page lays out; any other section of report.json (a newer reconciliation's) is shown as it is. */
const KNOWN = new Set(['reconcileId', 'generatedAt', 'mode', 'byClass', 'examined', 'pages', 'repair', 'sync', 'stopped', 'findings']);

const ReportHeader = z
  .object({
    reconcileId: z.string(),
    generatedAt: z.string(),
    mode: z.string(),
    byClass: z.record(z.string(), z.number()).default({}),
    examined: z.number().optional(),
    pages: z.number().optional(),
    repair: z.record(z.string(), z.number()).optional(),
    sync: z.object({ status: z.string(), note: z.string() }).passthrough().optional(),
    stopped: z.object({ phase: z.string().optional(), message: z.string(), fix: z.string().optional() }).passthrough().optional(),
  })
  .passthrough();

/** The instance's state when it is (or last was) this reconciliation. */
async function liveRun(deps: DashboardReconcileDeps, context: InvocationContext, reconcileId: string): Promise<DashboardRun | undefined> {
  const status = await statusOf(deps.clientOf(context), RECONCILE_INSTANCE_ID);
  const input = ReconcileOrchestration.input.safeParse(status?.input);
  if (!status || !input.success || input.data.reconcileId !== reconcileId) return undefined;
  const custom = ReconcileStatus.safeParse(status.customStatus);
  const state = String(status.runtimeStatus);
  return {
    kind: 'reconcile',
    runId: reconcileId,
    state,
    active: ['Pending', 'Running', 'ContinuedAsNew', 'Suspended'].includes(state),
    source: 'reconciliation',
    phase: custom.success ? custom.data.phase : undefined,
    findings: custom.success ? custom.data.findings : undefined,
    note: custom.success ? custom.data.note : undefined,
    createdTime: new Date(status.createdTime).toISOString(),
    lastUpdatedTime: new Date(status.lastUpdatedTime).toISOString(),
  };
}

/** Every finding worth a line (not the devices in order), in report order. */
async function listedFindings(deps: DashboardReconcileDeps, reconcileId: string): Promise<Finding[]> {
  const parts = await deps.reconcile.partCount(reconcileId);
  const out: Finding[] = [];
  for (let part = 0; part < parts; part++)
    for (const f of await deps.reconcile.readPart(reconcileId, part)) if (f.class !== 'in-order') out.push(f);
  return out.sort(reportOrder);
}

/** A proposal is waiting while it has no approval, or its approval failed (it may be approved again). */
export function waiting(f: Finding): number {
  return f.proposed.filter((_, i) => {
    const a = f.approvals?.[i];
    return !a || a.outcome === 'failed';
  }).length;
}

export function dashboardReconcileHandler(deps: DashboardReconcileDeps): Handler {
  return async (request, context) => {
    const reconcileId = request.params.runId ?? '';
    if (!RECONCILE_ID_PATTERN.test(reconcileId)) return json({ error: 'expected reconcile-<id>' }, 400);
    const [live, blob] = await Promise.all([
      liveRun(deps, context, reconcileId),
      deps.objects.get(CONTAINERS.reports, `${reconcileId}/report.json`),
    ]);
    const parsed = blob ? ReportHeader.safeParse(JSON.parse(blob.data.toString('utf8'))) : undefined;
    if (!live && !parsed) return json({ error: `no reconciliation ${reconcileId}` }, 404);
    const header = parsed?.success ? parsed.data : undefined;
    const sections: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(header ?? {})) if (!KNOWN.has(k)) sections[k] = v;
    const run: DashboardRun = live ?? {
      kind: 'reconcile',
      runId: reconcileId,
      state: 'Completed',
      active: false,
      source: 'reconciliation',
      phase: 'done',
      createdTime: header!.generatedAt,
      lastUpdatedTime: header!.generatedAt,
    };
    // Findings exist once the survey wrote them; proposals can be approved once the report is written.
    const findings = live?.active && !header ? [] : await listedFindings(deps, reconcileId);
    const base = `dashboard-data/runs/${reconcileId}/report`;
    return json({
      kind: 'reconcile',
      run,
      report: header && {
        generatedAt: header.generatedAt,
        mode: header.mode,
        byClass: header.byClass,
        examined: header.examined,
        pages: header.pages,
        repair: header.repair,
        sync: header.sync,
        stopped: header.stopped,
      },
      sections,
      listed: findings.length,
      unresolved: findings.filter(unresolved).length,
      proposals: { total: findings.reduce((n, f) => n + f.proposed.length, 0), waiting: findings.reduce((n, f) => n + waiting(f), 0) },
      canApprove: header !== undefined && !live?.active,
      canAct: deps.canAct(request),
      reports: header ? { csv: `${base}/report.csv`, json: `${base}/report.json`, summary: `${base}/summary.md` } : undefined,
    });
  };
}

export const FindingsQuery = z.object({
  class: DriftClass.optional(),
  /** Only findings with a proposal still waiting for approval. */
  waiting: z.enum(['true', 'false']).optional(),
  skip: z.coerce.number().int().min(0).default(0),
  top: z.coerce.number().int().min(1).max(200).default(50),
});

export function dashboardFindingsHandler(deps: DashboardReconcileDeps): Handler {
  return async (request) => {
    const reconcileId = request.params.runId ?? '';
    if (!RECONCILE_ID_PATTERN.test(reconcileId)) return json({ error: 'findings are a reconciliation’s: expected reconcile-<id>' }, 400);
    const raw: Record<string, string> = {};
    for (const [k, v] of request.query) if (v !== '') raw[k] = v;
    const q = FindingsQuery.safeParse(raw);
    if (!q.success)
      return json({ error: `invalid query: ${q.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}` }, 400);
    const all = await listedFindings(deps, reconcileId);
    const matched = all.filter((f) => (!q.data.class || f.class === q.data.class) && (q.data.waiting !== 'true' || waiting(f) > 0));
    return json({
      total: all.length,
      matched: matched.length,
      skip: q.data.skip,
      rows: matched.slice(q.data.skip, q.data.skip + q.data.top).map((f) => ({ ...f, waiting: waiting(f) })),
    });
  };
}
