/**
 * The registered Autopilot devices and their membership of the groups the ESPs and profiles target,
 * for the blast radius: one paged walk of the Autopilot list and one paged member read per group
 * (the reads the confirmation stage already makes, under the same permissions).
 */
import { AutopilotDevice, entraDeviceIdOf, readGroupDeviceIds } from '../graph/autopilot-api';
import { GraphContractError } from '../graph/errors';
import type { GraphGateway, IdSet } from '../graph/gateway';
import type { FleetDevice } from './blast';
import type { ObservedTenant } from './observed';
import type { Plan } from './plan';
import type { Baseline } from './schema';

export async function readFleet(graph: GraphGateway, baseline: Baseline, tenant: ObservedTenant, plan: Plan): Promise<FleetDevice[]> {
  const devices: { id: string; groupTag?: string; entra?: string }[] = [];
  const walked = await graph.forEachPage({ op: 'listAutopilotDevices' }, (items) => {
    for (const item of items) {
      const parsed = AutopilotDevice.safeParse(item);
      if (!parsed.success)
        throw new GraphContractError('windowsAutopilotDeviceIdentity: unexpected shape', { operation: 'listAutopilotDevices' });
      devices.push({ id: parsed.data.id, groupTag: parsed.data.groupTag ?? undefined, entra: entraDeviceIdOf(parsed.data)?.toLowerCase() });
    }
  });
  if (!walked.ok)
    throw new GraphContractError(`windowsAutopilotDeviceIdentities: ${walked.status} ${walked.code}`, {
      operation: 'listAutopilotDevices',
    });
  const groupIds = new Set<string>(baseline.groups.map((g) => plan.ids[g.key]).filter((id): id is string => id !== undefined));
  for (const o of [...tenant.esps, ...tenant.profiles]) for (const a of o.assignments) if (a.groupId) groupIds.add(a.groupId);
  const wanted = new Set(devices.map((d) => d.entra).filter((e): e is string => e !== undefined));
  const members = new Map<string, IdSet>();
  for (const id of groupIds) {
    const read = await readGroupDeviceIds(graph, id, wanted);
    // Without a permission to read devices, members come back without their deviceId ("limited
    // information"): every count would be wrong, so say so instead.
    if (read && read.withoutDeviceId > 0)
      throw new GraphContractError(
        `group ${id}: device members came back without their deviceId — the blast radius needs the delegated permission Device.Read.All`,
        { operation: 'listGroupDeviceMembers' },
      );
    if (read) members.set(id, read.deviceIds);
  }
  return devices.map((d) => ({
    id: d.id,
    ...(d.groupTag ? { groupTag: d.groupTag } : {}),
    groupIds: new Set([...members].filter(([, ids]) => d.entra !== undefined && ids.has(d.entra)).map(([gid]) => gid)),
  }));
}
