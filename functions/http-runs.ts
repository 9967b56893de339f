/**
 * GET /api/runs — recent runs with counts per stage; GET /api/runs/{runId} — one run with the
 * state of every row and device. Serial numbers are in here, so both require a function key in
 * Azure (authLevel 'function'); see docs/DEPLOY.md for Entra ID authentication.
 */
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { DurableClient, DurableOrchestrationStatus } from 'durable-functions';
import { IntakeOrchestration } from '../shared/contracts/activities';
import { CustomStatus } from '../shared/contracts/run';
import { joinReportRows } from '../shared/report/report-stream';
import { RUN_ID_PATTERN } from '../shared/run/run-id';
import type { RunStore } from '../shared/run/run-store';
import { statusOf } from './durable-status';

export type RunsClient = Pick<DurableClient, 'getStatus' | 'getStatusBy'>;

export interface RunsDeps {
  runs: RunStore;
  clientOf: (context: InvocationContext) => RunsClient;
}

function summary(status: DurableOrchestrationStatus) {
  const custom = CustomStatus.safeParse(status.customStatus);
  return {
    runId: status.instanceId,
    runtimeStatus: status.runtimeStatus,
    createdTime: status.createdTime,
    lastUpdatedTime: status.lastUpdatedTime,
    source: custom.success ? custom.data.source : undefined,
    phase: custom.success ? custom.data.phase : undefined,
    counts: custom.success ? custom.data.counts : undefined,
    note: custom.success ? custom.data.note : undefined,
  };
}

/** ?top= clamped to 1–500 (50 when absent or not a number). */
export function topOf(request: HttpRequest): number {
  const asked = Number(request.query.get('top') ?? '50');
  return Number.isFinite(asked) ? Math.min(Math.max(Math.trunc(asked), 1), 500) : 50;
}

export function listRunsHandler(deps: RunsDeps) {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const statuses = await deps.clientOf(context).getStatusBy({});
    const runs = statuses
      .filter((s) => s.name === IntakeOrchestration.name)
      .sort((a, b) => new Date(b.createdTime).getTime() - new Date(a.createdTime).getTime())
      .slice(0, topOf(request))
      .map(summary);
    return { status: 200, jsonBody: { runs } };
  };
}

export function getRunHandler(deps: RunsDeps) {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const runId = request.params.runId ?? '';
    if (!RUN_ID_PATTERN.test(runId)) return { status: 400, jsonBody: { error: 'runId must look like intake-<32 hex digits>' } };
    const status = await statusOf(deps.clientOf(context), runId);
    if (!status) return { status: 404, jsonBody: { error: `no run ${runId}` } };
    const manifest = await deps.runs.readManifest(runId);
    const rows = [];
    // The report's own join of row verdicts and device states, part by part.
    if (manifest) {
      for await (const row of joinReportRows(deps.runs.rows(manifest), deps.runs.chunkStates(runId, manifest.chunkCount))) {
        const d = row.device;
        rows.push({
          line: row.line,
          serialNumber: row.serialNumber,
          rowStatus: row.status,
          code: d?.failure?.code ?? row.code,
          message: d?.failure?.message ?? row.message,
          stage: d?.stage,
          result: d?.result,
          autopilotId: d?.ztdId,
          at: d?.at,
        });
      }
    }
    return { status: 200, jsonBody: { ...summary(status), output: status.output, fileRejected: manifest?.fileRejected, rows } };
  };
}
