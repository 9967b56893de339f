/**
 * GET /api/runs — recent runs with counts per stage; GET /api/runs/{runId} — one run with the
 * state of every row and device. Serial numbers are in here, so both require a function key in
 * Azure (authLevel 'function'); see docs/DEPLOY.md for Entra ID authentication.
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { CustomStatus, ORCHESTRATOR } from '../shared/contracts';
import { RUN_ID_PATTERN } from '../shared/run/run-id';
import { getServices } from './composition';
import { isNotFound } from './start-run';

function summary(status: df.DurableOrchestrationStatus) {
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

export async function handleListRuns(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const top = Math.min(Math.max(Number(request.query.get('top') ?? '50') || 50, 1), 500);
  const client = df.getClient(context);
  const statuses = await client.getStatusBy({});
  const runs = statuses
    .filter((s) => s.name === ORCHESTRATOR)
    .sort((a, b) => new Date(b.createdTime).getTime() - new Date(a.createdTime).getTime())
    .slice(0, top)
    .map(summary);
  return { status: 200, jsonBody: { runs } };
}

export async function handleGetRun(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const runId = request.params.runId ?? '';
  if (!RUN_ID_PATTERN.test(runId)) return { status: 400, jsonBody: { error: 'runId must look like intake-<32 hex digits>' } };
  const client = df.getClient(context);
  let status: df.DurableOrchestrationStatus;
  try {
    status = await client.getStatus(runId);
  } catch (error) {
    if (isNotFound(error)) return { status: 404, jsonBody: { error: `no run ${runId}` } };
    throw error;
  }
  const { runs } = getServices();
  const manifest = await runs.readManifest(runId);
  const chunks = manifest ? await runs.readAllChunkStates(runId, manifest.chunkCount) : [];
  const rows = manifest ? await runs.readRows(runId) : [];
  const devices = new Map(chunks.flatMap((c) => c.devices).map((d) => [d.line, d]));
  return {
    status: 200,
    jsonBody: {
      ...summary(status),
      output: status.output,
      fileRejected: manifest?.fileRejected,
      rows: rows.map((row) => {
        const d = devices.get(row.line);
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
      }),
    },
  };
}

app.http('listRuns', { route: 'runs', methods: ['GET'], authLevel: 'function', extraInputs: [df.input.durableClient()], handler: handleListRuns });
app.http('getRun', { route: 'runs/{runId}', methods: ['GET'], authLevel: 'function', extraInputs: [df.input.durableClient()], handler: handleGetRun });
