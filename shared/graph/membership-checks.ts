/**
 * Group membership asked per device, for runs with few devices in flight. Walking a group's device
 * members costs a page per 999 members whatever the run's size: 21 pages on a 20,000-device tenant
 * to confirm 10 devices, each slower while a large run shares the service (issue 16). Per device it
 * is two requests, 20 to a $batch round trip: the directory object by its deviceId, then
 * `checkMemberGroups` (transitive, up to 20 group ids a call; learn.microsoft.com/graph/api/
 * directoryobject-checkmembergroups). The groups are read first, so a group that does not exist is
 * told apart from one the devices are not in — as the member walk's 404 tells it.
 */
import { z } from 'zod';
import { GraphContractError } from './errors';
import type { GraphGateway, GraphRequestSpec } from './gateway';

const Page = z.object({ value: z.array(z.object({ id: z.string(), deviceId: z.string().nullish() }).passthrough()) });
const Checked = z.object({ value: z.array(z.string()) });
/** checkMemberGroups takes at most this many group ids a call. */
const GROUPS_PER_CHECK = 20;

function slices<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * For each group: which of the devices (Entra deviceIds, lower case) are members, or undefined when
 * the group does not exist. A device with no directory object (not created yet, or deleted) is in
 * no group.
 */
export async function checkDeviceMemberships(
  graph: GraphGateway,
  deviceIds: readonly string[],
  groupIds: readonly string[],
): Promise<Map<string, Set<string> | undefined>> {
  const out = new Map<string, Set<string> | undefined>();
  const groups = await graph.batch(groupIds.map((id) => ({ op: 'getGroup', params: { id }, query: { select: ['id'] } })));
  groups.forEach((r, i) => {
    const groupId = groupIds[i]!;
    if (r.ok) out.set(groupId, new Set());
    else if (r.status === 404) out.set(groupId, undefined);
    else throw new GraphContractError(`group ${groupId}: ${r.status} ${r.code}`, { operation: 'getGroup', status: r.status, code: r.code });
  });
  const existing = groupIds.filter((g) => out.get(g) !== undefined);
  if (existing.length === 0 || deviceIds.length === 0) return out;

  const lookups = await graph.batch(
    deviceIds.map((deviceId) => ({
      op: 'listDevices',
      query: { filter: `deviceId eq '${deviceId.replaceAll("'", "''")}'`, select: ['id', 'deviceId'] },
    })),
  );
  const objects: { deviceId: string; objectId: string }[] = [];
  lookups.forEach((r, i) => {
    const deviceId = deviceIds[i]!;
    if (!r.ok)
      throw new GraphContractError(`devices with deviceId ${deviceId}: ${r.status} ${r.code}`, {
        operation: 'listDevices',
        status: r.status,
        code: r.code,
      });
    const page = Page.safeParse(r.body);
    if (!page.success) throw new GraphContractError('devices: unexpected shape', { operation: 'listDevices' });
    const found = page.data.value.find((d) => d.deviceId?.toLowerCase() === deviceId);
    if (found) objects.push({ deviceId, objectId: found.id });
  });

  // The ids come back as the service spells them; match them to the ones asked whatever the case.
  const asked = new Map(existing.map((g) => [g.toLowerCase(), g]));
  const checks: { deviceId: string; spec: GraphRequestSpec }[] = [];
  for (const { deviceId, objectId } of objects)
    for (const slice of slices(existing, GROUPS_PER_CHECK))
      checks.push({ deviceId, spec: { op: 'checkDeviceMemberGroups', params: { id: objectId }, body: { groupIds: slice } } });
  const answers = await graph.batch(checks.map((c) => c.spec));
  answers.forEach((r, i) => {
    const { deviceId } = checks[i]!;
    // Deleted between the lookup and the check: in no group, as if the lookup had not found it.
    if (!r.ok && r.status === 404) return;
    if (!r.ok)
      throw new GraphContractError(`checkMemberGroups: ${r.status} ${r.code}`, {
        operation: 'checkDeviceMemberGroups',
        status: r.status,
        code: r.code,
      });
    const checked = Checked.safeParse(r.body);
    if (!checked.success) throw new GraphContractError('checkMemberGroups: unexpected shape', { operation: 'checkDeviceMemberGroups' });
    for (const groupId of checked.data.value) out.get(asked.get(groupId.toLowerCase()) ?? groupId)?.add(deviceId);
  });
  return out;
}
