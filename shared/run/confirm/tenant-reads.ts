/**
 * The confirm step's reads beyond the Autopilot records, each made lazily, once per step, when the
 * first device that needs it comes up: the expected groups' members, the expected profile's
 * assigned devices (large runs) and the ESPs with the members of the groups they target.
 */
import type { StepInput } from '../../contracts/index';
import { entraDeviceIdOf, readEsps, readGroupDeviceIds, readProfileDeviceIds, type RegistrationFacts } from '../../graph/autopilot-api';
import { GraphPermissionError } from '../../graph/errors';
import type { GraphGateway, IdSet } from '../../graph/gateway';
import { GuidSet, MARKS, type IdCollector } from '../../graph/guid-table';
import { checkDeviceMemberships } from '../../graph/membership-checks';
import { RegistrationTable, type RegistrationLookup } from '../../graph/registration-table';
import { espGroupIds, resolveEsp, type EspResolution } from './esp';
import type { DeviceState } from '../model';
import type { GroupFacts } from './stages';

/**
 * Up to this many devices in flight, group membership is asked per device (two requests each, 20
 * to a round trip: at most 10 round trips) instead of walking each group's device members (a page
 * per 999: 21 on a 20,000-device tenant, whatever the run's size). A few devices beside a large
 * run then wait on a few requests, not on the tenant's size (issue 16).
 */
export const MEMBERSHIP_CHECK_THRESHOLD = 100;

/** The Autopilot records found this step: by Autopilot id, and by line for those found by serial. */
export interface Found {
  byId: RegistrationLookup;
  byLine: Map<number, RegistrationFacts>;
}

/** What the step's survey learnt that the reads depend on. */
export interface RunDevices {
  /** Entra device ids (lower case) of the devices in flight. */
  aadIds: GuidSet;
  /** Expected groups missing from the groupIds of some device in the profile or ESP stage. */
  uncovered: ReadonlySet<string>;
}

/** Read once per step, when the first device that needs it comes up (and not at all when none does). */
function once<T>(read: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => (value ??= read());
}

/**
 * The step's lazy reads beyond the Autopilot records: expected groups' members, the expected
 * profile's assigned devices (large runs) and the ESPs with the members of the groups they target.
 */
export function tenantReads(graph: GraphGateway, input: StepInput, s: RunDevices, found: Found) {
  const { settings } = input;
  const expectedGroups = settings.expected.groupIds;
  // Member lists keep only the run's devices: those in flight, and those registered by this step
  // (the ones the survey did not know: all of them at a large run's first step), added to the
  // survey's set rather than kept in a second one (100,000 ids at most).
  for (const records of [found.byId.values(), found.byLine.values()])
    for (const device of records) {
      const aad = entraDeviceIdOf(device)?.toLowerCase();
      if (aad) s.aadIds.add(aad);
    }
  // A walked group's members are marks on that set, not a set of their own (eight groups; more
  // groups, which an ESP's assignments may bring, get their own set).
  let marksTaken = 0;
  const membersInto = (): IdCollector => (marksTaken < MARKS ? s.aadIds.marks(marksTaken++) : new GuidSet());
  const groupCache = new Map<string, Promise<IdSet | undefined>>();
  const perDevice = s.aadIds.size <= MEMBERSHIP_CHECK_THRESHOLD;
  // Each group is read at most once per step, though the group and ESP stages may both need it.
  // Asked per device, the groups a stage needs are asked together (one check per device).
  const ask = (groupIds: readonly string[]) => {
    const todo = groupIds.filter((g) => !groupCache.has(g));
    if (todo.length === 0) return;
    if (!perDevice) {
      for (const g of todo) groupCache.set(g, readMembers(graph, g, s.aadIds, membersInto()));
      return;
    }
    const checked = checkDeviceMemberships(graph, s.aadIds.items(), todo);
    for (const g of todo) {
      const one = checked.then((all) => all.get(g));
      // Awaited by whichever stage needs the group first; the others may never be awaited once one
      // has thrown (the step stops there), and must not surface as unhandled rejections.
      one.catch(() => undefined);
      groupCache.set(g, one);
    }
  };
  const members = (groupId: string) => {
    ask([groupId]);
    return groupCache.get(groupId)!;
  };
  const memberships = once(async (): Promise<GroupFacts[]> => {
    if (perDevice) ask(expectedGroups);
    const out: GroupFacts[] = [];
    for (const groupId of expectedGroups) out.push({ groupId, members: await members(groupId) });
    return out;
  });
  // In bulk mode the Autopilot list carries no $expand: the expected profile's assignedDevices
  // tells which devices got it (filtered on every record found: only those are asked about).
  const profileDevices = once(() => {
    // Marked on the registrations found (bulk mode holds them in a RegistrationTable), not copied.
    const inTable: IdCollector = found.byId instanceof RegistrationTable ? found.byId.marked() : new GuidSet();
    const byLine = new GuidSet();
    for (const device of found.byLine.values()) byLine.add(device.id);
    const onLines = byLine.marks(0);
    const wanted: IdSet = { has: (id) => found.byId.has(id) || byLine.has(id) };
    const into: IdCollector = {
      add: (id) => {
        inTable.add(id);
        onLines.add(id);
      },
      has: (id) => inTable.has(id) || onLines.has(id),
    };
    return readProfileDeviceIds(graph, settings.expected.profileId!, wanted, into);
  });
  // ESP: one list of enrollment configurations, one member read per group an ESP targets — none for
  // an expected group every device that can reach this stage was confirmed in.
  const espLists = once(async () => {
    const esps = await readEsps(graph);
    const byGroup = new Map<string, IdSet | 'every device'>();
    const confirmed = (groupId: string) => expectedGroups.includes(groupId) && !s.uncovered.has(groupId);
    if (perDevice) ask(espGroupIds(esps).filter((g) => !confirmed(g)));
    for (const groupId of espGroupIds(esps)) {
      if (confirmed(groupId)) byGroup.set(groupId, 'every device');
      else byGroup.set(groupId, (await members(groupId)) ?? new Set());
    }
    return { esps, byGroup };
  });
  return {
    memberships,
    async profileOf(record: RegistrationFacts, bulk: boolean): Promise<string | undefined> {
      if (!bulk) return record.deploymentProfile?.id;
      const expected = settings.expected.profileId;
      return expected && (await profileDevices())?.has(record.id) ? expected : undefined;
    },
    async espFor(d: DeviceState): Promise<EspResolution> {
      const { esps, byGroup } = await espLists();
      const aad = d.aadDeviceId?.toLowerCase() ?? '';
      const groups = new Set([...byGroup].filter(([, ids]) => ids === 'every device' || ids.has(aad)).map(([g]) => g));
      return resolveEsp(esps, groups);
    },
  };
}

async function readMembers(graph: GraphGateway, groupId: string, wanted: IdSet, into: IdCollector): Promise<IdSet | undefined> {
  const read = await readGroupDeviceIds(graph, groupId, wanted, into);
  if (read && read.withoutDeviceId > 0) {
    // Device members without a deviceId are the service's "limited information" answer to an app
    // that cannot read devices: no device could ever be confirmed in this group.
    throw new GraphPermissionError({
      kind: 'permission',
      operation: 'listGroupDeviceMembers',
      message: `Microsoft Graph returned ${read.withoutDeviceId} device member(s) of group ${groupId} without their deviceId: the app can read the group's members but not devices (it needs Device.Read.All besides GroupMember.Read.All).`,
      fix: "Grant the Function App's managed identity the Microsoft Graph application permission Device.Read.All (`azd provision` does; docs/PERMISSIONS.md), then drop the file again.",
    });
  }
  return read?.deviceIds;
}
