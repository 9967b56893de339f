/**
 * The Autopilot sync is tenant-wide and allowed once per ten minutes (409 while one runs, 429 in
 * the window). Every run shares one gate: a small blob holding the last trigger time, claimed
 * with an ETag-conditional write, so concurrent runs make at most one sync call per window. The
 * service's own lastManualSyncTriggerDateTime (portal syncs count too) is honoured as well.
 */
import { z } from 'zod';
import type { GraphGateway } from '../graph/gateway';
import { GraphContractError } from '../graph/errors';
import { CONTAINERS, type ObjectStore } from '../storage/object-store';

export const SYNC_WINDOW_MS = 10 * 60_000;
const GATE_PATH = 'sync-gate.json';

const Settings = z.object({
  lastSyncDateTime: z.string().nullish(),
  lastManualSyncTriggerDateTime: z.string().nullish(),
  syncStatus: z.string().nullish(),
});
const Gate = z.object({ lastTriggerAt: z.string(), runId: z.string() });

export type SyncDecision =
  | { status: 'synced'; note: string }
  | { status: 'requested'; note: string }
  | { status: 'waiting'; retryAfterSeconds: number; note: string };

function time(iso: string | null | undefined): number {
  const t = iso ? Date.parse(iso) : NaN;
  return Number.isNaN(t) ? 0 : t;
}

export async function ensureSync(
  deps: { graph: GraphGateway; objects: ObjectStore },
  request: { runId: string; now: string; neededAfter: string },
): Promise<SyncDecision> {
  const now = Date.parse(request.now);
  const result = await deps.graph.send({ op: 'getAutopilotSettings' });
  if (!result.ok) throw new GraphContractError(`windowsAutopilotSettings: ${result.status} ${result.code}`);
  const settings = Settings.safeParse(result.body);
  if (!settings.success) throw new GraphContractError('windowsAutopilotSettings: unexpected shape');
  const { lastSyncDateTime, lastManualSyncTriggerDateTime, syncStatus } = settings.data;

  if (syncStatus === 'inProgress') return { status: 'waiting', retryAfterSeconds: 30, note: 'an Autopilot sync is running' };
  if (time(lastSyncDateTime) >= Date.parse(request.neededAfter)) return { status: 'synced', note: `synced at ${lastSyncDateTime}` };

  const gate = await deps.objects.get(CONTAINERS.state, GATE_PATH);
  const gateState = gate ? Gate.safeParse(JSON.parse(gate.data.toString('utf8'))) : undefined;
  const lastTrigger = Math.max(time(lastManualSyncTriggerDateTime), gateState?.success ? time(gateState.data.lastTriggerAt) : 0);
  if (now - lastTrigger < SYNC_WINDOW_MS) {
    return {
      status: 'waiting',
      retryAfterSeconds: Math.ceil((lastTrigger + SYNC_WINDOW_MS - now) / 1000),
      note: 'a sync was requested less than ten minutes ago',
    };
  }
  const claimed = await deps.objects.putIf(
    CONTAINERS.state,
    GATE_PATH,
    JSON.stringify({ lastTriggerAt: request.now, runId: request.runId }),
    gate ? gate.etag : null,
  );
  if (!claimed) return { status: 'waiting', retryAfterSeconds: 30, note: 'another run is requesting the sync' };

  const sync = await deps.graph.send({ op: 'syncAutopilot' }, { acceptStatuses: [409, 429], noClientRetry: true });
  if (sync.ok) return { status: 'requested', note: 'sync requested' };
  if (sync.status === 409) return { status: 'waiting', retryAfterSeconds: 30, note: 'an Autopilot sync is running (409)' };
  if (sync.status === 429) {
    return { status: 'waiting', retryAfterSeconds: sync.retryAfterSeconds ?? SYNC_WINDOW_MS / 1000, note: 'the tenant synced recently (429)' };
  }
  throw new GraphContractError(`sync: unexpected ${sync.status} ${sync.code}`);
}
