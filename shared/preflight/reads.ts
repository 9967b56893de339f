/**
 * The reads only the preflight makes, each with the schema of what it reads (the pipeline's own
 * reads are in graph/autopilot-api.ts). A 404 is "absent" (undefined); 401/403 and transient
 * failures are thrown by the gateway; anything else is a contract break.
 */
import { z } from 'zod';
import type { EspAssignment } from '../graph/autopilot-api';
import { GraphContractError } from '../graph/errors';
import type { GraphGateway, GraphRequestSpec } from '../graph/gateway';

async function readOne<T>(graph: GraphGateway, spec: GraphRequestSpec, schema: z.ZodType<T>): Promise<T | undefined> {
  const result = await graph.send(spec);
  if (!result.ok) {
    if (result.status === 404) return undefined;
    throw new GraphContractError(`${spec.op}: ${result.status} ${result.code}`, {
      operation: spec.op,
      status: result.status,
      code: result.code,
    });
  }
  const parsed = schema.safeParse(result.body);
  if (!parsed.success) throw new GraphContractError(`${spec.op}: unexpected shape`, { operation: spec.op });
  return parsed.data;
}

const Group = z.object({
  id: z.string(),
  displayName: z.string().nullish(),
  groupTypes: z.array(z.string()).nullish(),
  membershipRule: z.string().nullish(),
  membershipRuleProcessingState: z.string().nullish(),
});
export type Group = z.infer<typeof Group>;

export function readGroup(graph: GraphGateway, id: string): Promise<Group | undefined> {
  return readOne(
    graph,
    {
      op: 'getGroup',
      params: { id },
      query: { select: ['id', 'displayName', 'groupTypes', 'membershipRule', 'membershipRuleProcessingState'] },
    },
    Group,
  );
}

const Profile = z.object({ id: z.string(), displayName: z.string().nullish() }).passthrough();

export function readProfile(graph: GraphGateway, id: string): Promise<z.infer<typeof Profile> | undefined> {
  return readOne(graph, { op: 'getDeploymentProfile', params: { id } }, Profile);
}

const Assignments = z.object({
  value: z.array(
    z.object({ target: z.object({ '@odata.type': z.string().optional(), groupId: z.string().nullish() }).passthrough() }).passthrough(),
  ),
});

/** The profile's assignments, as include / exclusion / all-devices targets. */
export async function readProfileAssignments(graph: GraphGateway, id: string): Promise<EspAssignment[]> {
  const list = (await readOne(graph, { op: 'listProfileAssignments', params: { id } }, Assignments))?.value ?? [];
  return list.map(({ target }) => {
    const type = (target['@odata.type'] ?? '').replace(/^#?microsoft\.graph\./, '');
    const groupId = target.groupId ?? undefined;
    if (type === 'exclusionGroupAssignmentTarget') return { kind: 'exclusion', groupId };
    if (type === 'groupAssignmentTarget') return { kind: 'group', groupId };
    if (type === 'allDevicesAssignmentTarget') return { kind: 'allDevices' };
    return { kind: 'other', groupId };
  });
}

const DeviceManagement = z.object({ subscriptionState: z.string().nullish() }).passthrough();

export async function readDeviceManagement(graph: GraphGateway): Promise<z.infer<typeof DeviceManagement>> {
  const dm = await readOne(graph, { op: 'getDeviceManagement', query: { select: ['subscriptionState'] } }, DeviceManagement);
  if (!dm) throw new GraphContractError('deviceManagement: not found', { operation: 'getDeviceManagement', status: 404 });
  return dm;
}

const SyncSettings = z.object({
  lastSyncDateTime: z.string().nullish(),
  lastManualSyncTriggerDateTime: z.string().nullish(),
  syncStatus: z.string().nullish(),
});

export async function readSyncSettings(graph: GraphGateway): Promise<z.infer<typeof SyncSettings>> {
  const settings = await readOne(graph, { op: 'getAutopilotSettings' }, SyncSettings);
  if (!settings) throw new GraphContractError('windowsAutopilotSettings: not found', { operation: 'getAutopilotSettings', status: 404 });
  return settings;
}
