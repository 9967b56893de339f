/**
 * GET /api/runs — recent intake runs with counts per stage, and reconciliations (`kind`); GET /api/runs/{runId} — one run with the
 * state of its rows and devices, a page at a time. Serial numbers are in here, so both require a function key in
 * Azure (authLevel 'function'); see docs/DEPLOY.md for Entra ID authentication.
 */
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { DurableClient, DurableOrchestrationStatus } from 'durable-functions';
import { IntakeOrchestration } from '../shared/contracts/activities';
import { ReconcileStatus } from '../shared/contracts/reconcile';
import { ReconcileOrchestration } from '../shared/contracts/reconcile-activities';
import { CustomStatus } from '../shared/contracts/run';
import { RUN_ID_PATTERN } from '../shared/run/run-id';
import { decodeSkipToken, encodeSkipToken, FIRST_PAGE, readRunPage, type RunCursor } from '../shared/run/run-page';
import type { RunStore } from '../shared/run/run-store';
import { CONTAINERS, type ObjectStore } from '../shared/storage/object-store';
import { statusOf } from './durable-status';

export type RunsClient = Pick<DurableClient, 'getStatus' | 'getStatusBy'>;

export interface RunsDeps {
  runs: RunStore;
  /** Where earlier reconciliations' reports are (GET /api/runs lists them). */
  objects: ObjectStore;
  clientOf: (context: InvocationContext) => RunsClient;
}

function summary(status: DurableOrchestrationStatus) {
  const custom = CustomStatus.safeParse(status.customStatus);
  return {
    kind: 'intake' as const,
    runId: status.instanceId,
    runtimeStatus: status.runtimeStatus,
    createdTime: status.createdTime,
    lastUpdatedTime: status.lastUpdatedTime,
    source: custom.success ? custom.data.source : undefined,
    phase: custom.success ? custom.data.phase : undefined,
    counts: custom.success ? custom.data.counts : undefined,
    note: custom.success ? custom.data.note : undefined,
    // Each channel's delivery and its answer, as they happen (the output keeps the final ones).
    notifications: custom.success ? custom.data.notifications : undefined,
  };
}

/** The reconciliation running now (its instance id is fixed), listed under its own id. */
function reconcileSummary(status: DurableOrchestrationStatus) {
  const custom = ReconcileStatus.safeParse(status.customStatus);
  const input = ReconcileOrchestration.input.safeParse(status.input);
  return {
    kind: 'reconcile' as const,
    runId: custom.success ? custom.data.reconcileId : input.success ? input.data.reconcileId : status.instanceId,
    runtimeStatus: status.runtimeStatus,
    createdTime: status.createdTime,
    lastUpdatedTime: status.lastUpdatedTime,
    phase: custom.success ? custom.data.phase : undefined,
    mode: custom.success ? custom.data.mode : undefined,
    findings: custom.success ? custom.data.findings : undefined,
    note: custom.success ? custom.data.note : undefined,
  };
}

/** Earlier reconciliations (the instance keeps only the latest): one per report folder, timed by its id. */
async function pastReconciliations(objects: ObjectStore, except: ReadonlySet<string>) {
  const out = [];
  for await (const name of objects.list(CONTAINERS.reports, 'reconcile-')) {
    const m = /^(reconcile-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z)\/report\.json$/.exec(name);
    if (!m || except.has(m[1]!)) continue;
    const createdTime = `${m[2]}-${m[3]}-${m[4]}T${m[5]}:${m[6]}:${m[7]}.${m[8]}Z`;
    out.push({
      kind: 'reconcile' as const,
      runId: m[1]!,
      runtimeStatus: 'Completed',
      createdTime,
      lastUpdatedTime: createdTime,
      phase: 'done',
      report: `${CONTAINERS.reports}/${m[1]}/`,
    });
  }
  return out;
}

/** ?top= clamped to 1–500 (50 when absent or not a number). */
export function topOf(request: HttpRequest): number {
  const asked = Number(request.query.get('top') ?? '50');
  return Number.isFinite(asked) ? Math.min(Math.max(Math.trunc(asked), 1), 500) : 50;
}

export function listRunsHandler(deps: RunsDeps) {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const statuses = await deps.clientOf(context).getStatusBy({});
    const intake = statuses.filter((s) => s.name === IntakeOrchestration.name).map(summary);
    const reconcile = statuses.filter((s) => s.name === ReconcileOrchestration.name).map(reconcileSummary);
    const past = await pastReconciliations(deps.objects, new Set(reconcile.map((r) => r.runId)));
    const runs = [...intake, ...reconcile, ...past]
      .sort((a, b) => new Date(b.createdTime).getTime() - new Date(a.createdTime).getTime())
      .slice(0, topOf(request));
    return { status: 200, jsonBody: { runs } };
  };
}

/** Rows per page of GET /api/runs/{runId}: ?top= clamped to 1–5,000 (1,000 when absent or not a number). */
export const RUN_PAGE_DEFAULT = 1000;
export const RUN_PAGE_MAX = 5000;
export function pageTopOf(request: HttpRequest): number {
  const asked = Number(request.query.get('top') ?? RUN_PAGE_DEFAULT);
  return Number.isFinite(asked) ? Math.min(Math.max(Math.trunc(asked), 1), RUN_PAGE_MAX) : RUN_PAGE_DEFAULT;
}

/** This request's URL with the next page's skipToken (and the same top). */
function nextLinkOf(request: HttpRequest, cursor: RunCursor): string {
  const url = new URL(request.url);
  url.searchParams.set('skipToken', encodeSkipToken(cursor));
  return url.toString();
}

/**
 * One run: its summary (counts, phase, notifications, output) on every page, and one page of its
 * rows with each device's state — `?top=` rows from `?skipToken=` (handed out in `nextLink`, absent
 * on the last page). A page reads only its own part of the run's state, so the worker's memory is
 * the same for a run of 10 devices or 1,000,000.
 */
export function getRunHandler(deps: RunsDeps) {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const runId = request.params.runId ?? '';
    if (!RUN_ID_PATTERN.test(runId)) return { status: 400, jsonBody: { error: 'runId must look like intake-<32 hex digits>' } };
    const token = request.query.get('skipToken');
    const from = token === null ? FIRST_PAGE : decodeSkipToken(token);
    if (!from) return { status: 400, jsonBody: { error: 'skipToken is not one this API handed out; follow nextLink as given' } };
    const status = await statusOf(deps.clientOf(context), runId);
    if (!status) return { status: 404, jsonBody: { error: `no run ${runId}` } };
    const manifest = await deps.runs.readManifest(runId);
    const page = manifest ? await readRunPage(deps.runs, manifest, from, pageTopOf(request)) : { rows: [] };
    const rows = page.rows.map((row) => {
      const d = row.device;
      return {
        line: row.line,
        serialNumber: row.serialNumber,
        rowStatus: row.status,
        code: d?.failure?.code ?? row.code,
        message: d?.failure?.message ?? row.message,
        stage: d?.stage,
        result: d?.result,
        autopilotId: d?.ztdId,
        at: d?.at,
      };
    });
    return {
      status: 200,
      jsonBody: {
        ...summary(status),
        output: status.output,
        fileRejected: manifest?.fileRejected,
        rowCount: manifest?.counts.rows,
        rows,
        nextLink: page.next ? nextLinkOf(request, page.next) : undefined,
      },
    };
  };
}
