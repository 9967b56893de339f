/**
 * The Autopilot sync is tenant-wide and allowed once per ten minutes (409 while one runs, 429 in
 * the window). Every run shares one gate: a small blob holding the last trigger time, claimed
 * with an ETag-conditional write, so concurrent runs make at most one sync call per window. The
 * service's own lastManualSyncTriggerDateTime (portal syncs count too) is honoured as well.
 *
 * A syncStatus of `inProgress` makes the gate wait — but not forever: the gate notes when it first
 * saw it, and a status still `inProgress` SYNC_STUCK_MS later is taken for stuck (the service
 * answers 409 if a sync really runs, so asking costs nothing but the window).
 */
import { z } from 'zod';
import type { GraphGateway } from '../../graph/gateway';
import { GraphContractError } from '../../graph/errors';
import { CONTAINERS, type ObjectStore } from '../../storage/object-store';

export const SYNC_WINDOW_MS = 10 * 60_000;
/** A sync takes minutes; one said to run for longer than this is not waited for any more. */
export const SYNC_STUCK_MS = 30 * 60_000;
const GATE_PATH = 'sync-gate.json';

const Settings = z.object({
  lastSyncDateTime: z.string().nullish(),
  lastManualSyncTriggerDateTime: z.string().nullish(),
  syncStatus: z.string().nullish(),
});
const Gate = z.object({ lastTriggerAt: z.string().optional(), runId: z.string().optional(), inProgressSince: z.string().optional() });
type Gate = z.infer<typeof Gate>;

export type SyncDecision =
  | { status: 'synced'; note: string }
  | { status: 'requested'; note: string }
  | { status: 'waiting'; retryAfterSeconds: number; note: string };

async function readGate(objects: ObjectStore): Promise<{ state: Gate; etag: string | null }> {
  const gate = await objects.get(CONTAINERS.state, GATE_PATH);
  if (!gate) return { state: {}, etag: null };
  const parsed = Gate.safeParse(JSON.parse(gate.data.toString('utf8')));
  return { state: parsed.success ? parsed.data : {}, etag: gate.etag };
}

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
  if (!result.ok)
    throw new GraphContractError(`windowsAutopilotSettings: ${result.status} ${result.code}`, {
      operation: 'getAutopilotSettings',
      status: result.status,
      code: result.code,
    });
  const settings = Settings.safeParse(result.body);
  if (!settings.success) throw new GraphContractError('windowsAutopilotSettings: unexpected shape', { operation: 'getAutopilotSettings' });
  const { lastSyncDateTime, lastManualSyncTriggerDateTime, syncStatus } = settings.data;

  let { state: gateState, etag } = await readGate(deps.objects);
  let stuck = false;
  if (syncStatus === 'inProgress') {
    if (!gateState.inProgressSince) {
      // First seen: note it (a lost race only means another run noted it first).
      await deps.objects.putIf(CONTAINERS.state, GATE_PATH, JSON.stringify({ ...gateState, inProgressSince: request.now }), etag);
      return { status: 'waiting', retryAfterSeconds: 30, note: 'an Autopilot sync is running' };
    }
    if (now - time(gateState.inProgressSince) < SYNC_STUCK_MS)
      return { status: 'waiting', retryAfterSeconds: 30, note: 'an Autopilot sync is running' };
    stuck = true;
  } else if (gateState.inProgressSince) {
    // The sync it saw running has ended: forget it, so a later one is timed from its own start.
    const { inProgressSince: _ended, ...rest } = gateState;
    if (await deps.objects.putIf(CONTAINERS.state, GATE_PATH, JSON.stringify(rest), etag))
      ({ state: gateState, etag } = await readGate(deps.objects));
  }
  if (!stuck && time(lastSyncDateTime) >= Date.parse(request.neededAfter))
    return { status: 'synced', note: `synced at ${lastSyncDateTime}` };

  const lastTrigger = Math.max(time(lastManualSyncTriggerDateTime), time(gateState.lastTriggerAt));
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
    JSON.stringify({ ...gateState, lastTriggerAt: request.now, runId: request.runId }),
    etag,
  );
  if (!claimed) return { status: 'waiting', retryAfterSeconds: 30, note: 'another run is requesting the sync' };

  // The sync action takes no parameters: it is posted without a body, as documented.
  const sync = await deps.graph.send({ op: 'syncAutopilot' }, { acceptStatuses: [409, 429], noClientRetry: true });
  if (sync.ok)
    return {
      status: 'requested',
      note: stuck ? `sync requested (syncStatus has said inProgress since ${gateState.inProgressSince})` : 'sync requested',
    };
  if (sync.status === 409) return { status: 'waiting', retryAfterSeconds: 30, note: 'an Autopilot sync is running (409)' };
  if (sync.status === 429) {
    return {
      status: 'waiting',
      retryAfterSeconds: sync.retryAfterSeconds ?? SYNC_WINDOW_MS / 1000,
      note: 'the tenant synced recently (429)',
    };
  }
  throw new GraphContractError(`sync: unexpected ${sync.status} ${sync.code}`, {
    operation: 'syncAutopilot',
    status: sync.status,
    code: sync.code,
  });
}
