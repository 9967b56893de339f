/**
 * POST /api/reconcile — start a reconciliation now (`?dryRun=true` or `{"mode":"report-only"}`:
 * report only); a start while one runs answers with the running one.
 * GET /api/reconcile/{reconcileId} — its status while it runs, its report's header once done.
 * POST /api/reconcile/{reconcileId}/approve — carry out proposed actions an admin approves.
 * Serial numbers are in the answers: function keys in Azure, like /api/runs.
 */
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { z } from 'zod';
import type { ReconcileSettings } from '../shared/contracts/reconcile';
import { ReconcileStatus } from '../shared/contracts/reconcile';
import { ApproveRequest, approveProposals, type ApproveDeps } from '../shared/reconcile/approve';
import { ReconcileOrchestration } from '../shared/contracts/reconcile-activities';
import { CONTAINERS } from '../shared/storage/object-store';
import { statusOf } from './durable-status';
import { RECONCILE_INSTANCE_ID, runningReconciliation, startReconcileOnce, type ReconcileStarter } from './start-reconcile';

const RECONCILE_ID = /^reconcile-[0-9a-zA-Z]+$/;
const StartBody = z.object({ mode: z.enum(['repair', 'report-only']).optional() }).strict();

export interface ReconcileHttpDeps extends Omit<ApproveDeps, 'log'> {
  settings: ReconcileSettings;
  clientOf: (context: InvocationContext) => ReconcileStarter;
  now: () => Date;
}

const problem = (status: number, error: string): HttpResponseInit => ({ status, jsonBody: { error } });

async function jsonBody(request: HttpRequest): Promise<{ ok: true; value: unknown } | { ok: false }> {
  const text = await request.text();
  if (text.trim() === '') return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

export function startReconcileHandler(deps: ReconcileHttpDeps) {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const body = await jsonBody(request);
    const parsed = body.ok ? StartBody.safeParse(body.value ?? {}) : undefined;
    if (!parsed?.success) return problem(400, 'The body must be empty or {"mode": "repair" | "report-only"}.');
    const dryRun = request.query.get('dryRun') === 'true' || parsed.data.mode === 'report-only';
    const settings: ReconcileSettings = {
      ...deps.settings,
      ...(dryRun ? { mode: 'report-only' as const } : parsed.data.mode ? { mode: parsed.data.mode } : {}),
    };
    const { reconcileId, started } = await startReconcileOnce(deps.clientOf(context), { trigger: 'http', settings, now: deps.now() });
    context.log(
      started
        ? `[${reconcileId}] reconciliation started (${settings.mode})`
        : `[${reconcileId}] a reconciliation is running; answering with it`,
    );
    const statusUrl = new URL(`/api/reconcile/${reconcileId}`, request.url).toString();
    return {
      status: started ? 202 : 200,
      headers: { Location: statusUrl },
      jsonBody: { reconcileId, started, mode: started ? settings.mode : undefined, statusUrl },
    };
  };
}

export function getReconcileHandler(deps: Pick<ReconcileHttpDeps, 'objects' | 'clientOf'>) {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const reconcileId = request.params.reconcileId ?? '';
    if (!RECONCILE_ID.test(reconcileId)) return problem(400, 'reconcileId must look like reconcile-<timestamp>');
    const status = await statusOf(deps.clientOf(context), RECONCILE_INSTANCE_ID);
    const input = ReconcileOrchestration.input.safeParse(status?.input);
    // The instance is this reconciliation's while it runs — and after it failed, when no report will come.
    if (status && input.success && input.data.reconcileId === reconcileId && status.runtimeStatus !== 'Completed') {
      const custom = ReconcileStatus.safeParse(status.customStatus);
      const c = custom.success ? custom.data : undefined;
      return {
        status: 200,
        jsonBody: {
          reconcileId,
          runtimeStatus: status.runtimeStatus,
          phase: c?.phase,
          mode: input.data.settings.mode,
          findings: c?.findings,
          output: status.output ?? undefined,
        },
      };
    }
    const report = await deps.objects.get(CONTAINERS.reports, `${reconcileId}/report.json`);
    if (!report) return problem(404, `no reconciliation ${reconcileId}`);
    const { findings, ...header } = JSON.parse(report.data.toString('utf8')) as { findings?: unknown[] } & Record<string, unknown>;
    return {
      status: 200,
      jsonBody: {
        ...header,
        runtimeStatus: 'Completed',
        phase: 'done',
        listed: findings?.length ?? 0,
        reportPath: `${CONTAINERS.reports}/${reconcileId}/`,
      },
    };
  };
}

export function approveHandler(deps: ReconcileHttpDeps) {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const reconcileId = request.params.reconcileId ?? '';
    if (!RECONCILE_ID.test(reconcileId)) return problem(400, 'reconcileId must look like reconcile-<timestamp>');
    const body = await jsonBody(request);
    const parsed = body.ok ? ApproveRequest.safeParse(body.value) : undefined;
    if (!parsed?.success)
      return problem(
        400,
        'The body must be {"all": true} or {"actions": [{"serialNumber": "…", "kind": "delete-and-reimport" | "retag-enrolled"}, …]}.',
      );
    // Its findings are still being written while it runs: approve once it has reported.
    if ((await runningReconciliation(deps.clientOf(context))) === reconcileId)
      return problem(409, `${reconcileId} is still running; approve once its report is written`);
    if ((await deps.store.partCount(reconcileId)) === 0) return problem(404, `no reconciliation ${reconcileId}`);
    // App Service authentication (Entra ID in front, docs/DEPLOY.md) names the caller by object id; a function key names nobody.
    const approvedBy = request.headers.get('x-ms-client-principal-id') ?? 'function-key';
    const approvals = await approveProposals(
      { ...deps, log: (m) => context.log(m) },
      reconcileId,
      parsed.data,
      deps.now().toISOString(),
      approvedBy,
    );
    return { status: 200, jsonBody: { reconcileId, approvals } };
  };
}
