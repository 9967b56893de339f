/**
 * The blast radius of a plan: how many registered Autopilot devices would change the ESP that
 * applies to them (the product's own resolution, shared/run/confirm/esp.ts) or the deployment
 * profile they get, computed over live group membership. Pure: the reads are in fleet.ts.
 *
 * - Profile: the one Autopilot gives a device targeted by several — a profile assigned to one of its
 *   groups before one assigned to all devices, and among those the oldest created ("Autopilot
 *   profile priority", memdocs autopilot/profiles.md: "the device would receive the oldest created
 *   profile to resolve the conflict … If no other profile is applicable … the default profile (any
 *   Autopilot profile assigned to all devices) is applied"). Profiles apply creates are the newest.
 * - ESP: device-targeted ESPs resolve per device. An ESP that targets users (All users, or a group
 *   holding no registered Autopilot device) is decided when a user signs in, which cannot be known
 *   before enrollment: devices whose device ESP such an ESP outranks are counted apart, as
 *   undetermined, instead of being guessed.
 *
 * Membership of a group apply creates, or whose rule it changes, is not known before the service
 * evaluates it: it is estimated from the rule's documented forms (ZTDID → every Autopilot device;
 * `[OrderID]:<tag>` → that group tag), and the answer says so.
 */
import { matchesAutopilotDevices } from '../preflight/rule';
import { resolveEsp, type EspAssignment, type EspConfig } from '../run/confirm/esp';
import type { ObservedAssignment, ObservedTenant } from './observed';
import type { Plan } from './plan';
import type { Baseline, BaselineTargets } from './schema';

export interface FleetDevice {
  id: string;
  groupTag?: string;
  /** Ids of the groups (among those that matter) the device's Entra object is a member of now. */
  groupIds: ReadonlySet<string>;
}

export interface BlastRadius {
  devices: number;
  espChanges: number;
  /** Devices that would get another deployment profile (the winning one, see above). */
  profileChanges: number;
  /** ESPs after apply that may target users, by display name. */
  userTargetedEsps: string[];
  /** Devices whose ESP after apply depends on who signs in (a user-targeted ESP outranks theirs). */
  espUndetermined: number;
  /** Groups whose membership after apply was estimated from the rule, by key. */
  estimated: string[];
}

interface ProfileTargeting {
  id: string;
  /** Creation order: ms since the epoch; profiles apply creates come after every existing one. */
  created: number;
  assignments: readonly ObservedAssignment[];
}

/** The profile Autopilot gives a device in these groups (memdocs "Autopilot profile priority"), or '' for none. */
export function winningProfile(profiles: readonly ProfileTargeting[], groups: ReadonlySet<string>): string {
  const eligible = profiles.filter((p) => !p.assignments.some((a) => a.kind === 'exclude' && a.groupId && groups.has(a.groupId)));
  const byGroup = eligible.filter((p) => p.assignments.some((a) => a.kind === 'include' && a.groupId && groups.has(a.groupId)));
  const pool = byGroup.length > 0 ? byGroup : eligible.filter((p) => p.assignments.some((a) => a.kind === 'allDevices'));
  const oldest = [...pool].sort((a, b) => a.created - b.created || (a.id < b.id ? -1 : 1))[0];
  return oldest?.id ?? '';
}

/** Later than any real date (the largest a JS Date holds is 8.64e15 ms): the order apply creates profiles in. */
const CREATED_BY_APPLY = 8.64e15 + 1;

const placeholder = (key: string) => `new:${key}`;

function toEspAssignment(a: ObservedAssignment): EspAssignment {
  if (a.kind === 'include') return { kind: 'group', groupId: a.groupId };
  if (a.kind === 'exclude') return { kind: 'exclusion', groupId: a.groupId };
  if (a.kind === 'allDevices') return { kind: 'allDevices' };
  if (a.kind === 'allUsers') return { kind: 'allUsers' };
  return { kind: 'other', groupId: a.groupId };
}

function targets(t: BaselineTargets, groupId: (key: string) => string): ObservedAssignment[] {
  return [
    ...t.include.map((k) => ({ id: '', kind: 'include' as const, groupId: groupId(k), viaPolicySet: false })),
    ...t.exclude.map((k) => ({ id: '', kind: 'exclude' as const, groupId: groupId(k), viaPolicySet: false })),
  ];
}

/** Who a rule of a documented form selects; undefined when it cannot be told offline. */
function ruleSelects(rule: string): ((d: FleetDevice) => boolean) | undefined {
  const form = matchesAutopilotDevices(rule);
  if (!form.ok) return undefined;
  if (form.form === 'ZTDID') return () => true;
  if (form.form === 'OrderID') {
    const tag = /\[OrderID\]:([^"]*)"/i.exec(rule)?.[1]?.toLowerCase();
    return tag === undefined ? undefined : (d) => (d.groupTag ?? '').toLowerCase() === tag;
  }
  return undefined;
}

export function blastRadius(baseline: Baseline, plan: Plan, tenant: ObservedTenant, fleet: readonly FleetDevice[]): BlastRadius {
  const groupId = (key: string) => plan.ids[key] ?? placeholder(key);
  // Groups whose members after apply differ from now: created, or their rule changed.
  const changed = new Map<string, ((d: FleetDevice) => boolean) | undefined>();
  for (const g of baseline.groups) {
    const created = plan.steps.some((s) => s.kind === 'create' && s.type === 'group' && s.key === g.key);
    const reRuled = plan.steps.some(
      (s) => s.kind === 'update' && s.key === g.key && s.changes.some((c) => c.field === 'membershipRule' || c.field === 'groupTypes'),
    );
    if (created || reRuled) changed.set(groupId(g.key), ruleSelects(g.membershipRule));
  }
  const groupsAfter = (d: FleetDevice): Set<string> => {
    const out = new Set(d.groupIds);
    for (const [id, selects] of changed) {
      out.delete(id);
      if (selects?.(d)) out.add(id);
    }
    return out;
  };

  const espBefore: EspConfig[] = tenant.esps.map((e) => ({
    id: e.id,
    displayName: e.displayName,
    priority: e.priority,
    isDefault: e.isDefault,
    assignments: e.assignments.map(toEspAssignment),
  }));
  // After: the baseline's ESPs with their declared targets, moved to their priorities as setPriority does.
  const customs = espBefore.filter((e) => !e.isDefault).sort((a, b) => a.priority - b.priority);
  const espAfter: EspConfig[] = customs.map((e) => ({ ...e }));
  for (const want of baseline.enrollmentStatusPages) {
    const id = groupId(want.key);
    const assignments = targets(want.assignments, groupId).map(toEspAssignment);
    const existing = espAfter.find((e) => e.id === id);
    if (existing) existing.assignments = assignments;
    else espAfter.push({ id, displayName: want.displayName, priority: espAfter.length + 1, isDefault: false, assignments });
  }
  for (const want of [...baseline.enrollmentStatusPages].sort((a, b) => a.priority - b.priority)) {
    const at = espAfter.findIndex((e) => e.id === groupId(want.key));
    const [moved] = espAfter.splice(at, 1);
    espAfter.splice(Math.min(want.priority, espAfter.length + 1) - 1, 0, moved!);
  }
  espAfter.forEach((e, i) => (e.priority = i + 1));
  espAfter.push(...espBefore.filter((e) => e.isDefault));

  const createdOf = (p: { createdDateTime?: string }) => {
    const at = p.createdDateTime ? Date.parse(p.createdDateTime) : NaN;
    return Number.isNaN(at) ? 0 : at;
  };
  const profilesBefore: ProfileTargeting[] = tenant.profiles.map((p) => ({ id: p.id, created: createdOf(p), assignments: p.assignments }));
  const profilesAfter: ProfileTargeting[] = profilesBefore.map((p) => ({ ...p }));
  baseline.deploymentProfiles.forEach((want, i) => {
    const id = groupId(want.key);
    const assignments = targets(want.assignments, groupId);
    const existing = profilesAfter.find((p) => p.id === id);
    if (existing) existing.assignments = assignments;
    else profilesAfter.push({ id, created: CREATED_BY_APPLY + i, assignments });
  });

  // Groups with a registered Autopilot device in them now or after apply: a targeted group outside
  // them holds users (or nothing), so the ESP it carries is decided at sign-in.
  const deviceGroups = new Set<string>(baseline.groups.map((g) => groupId(g.key))); // the baseline's groups have device rules
  for (const d of fleet) for (const id of [...d.groupIds, ...groupsAfter(d)]) deviceGroups.add(id);
  const userTargeted = espAfter.filter(
    (e) =>
      !e.isDefault && e.assignments.some((a) => a.kind === 'allUsers' || (a.kind === 'group' && a.groupId && !deviceGroups.has(a.groupId))),
  );

  let espChanges = 0;
  let profileChanges = 0;
  let espUndetermined = 0;
  for (const d of fleet) {
    const after = groupsAfter(d);
    const espNow = resolveEsp(espAfter, after).esp;
    if ((resolveEsp(espBefore, d.groupIds).esp?.id ?? '') !== (espNow?.id ?? '')) espChanges++;
    const rank = espNow && !espNow.isDefault ? espNow.priority : Number.POSITIVE_INFINITY;
    if (
      userTargeted.some((e) => e.priority < rank && !e.assignments.some((a) => a.kind === 'exclusion' && a.groupId && after.has(a.groupId)))
    )
      espUndetermined++;
    if (winningProfile(profilesBefore, d.groupIds) !== winningProfile(profilesAfter, after)) profileChanges++;
  }
  return {
    devices: fleet.length,
    espChanges,
    profileChanges,
    userTargetedEsps: userTargeted.map((e) => e.displayName),
    espUndetermined,
    estimated: baseline.groups.filter((g) => changed.has(groupId(g.key))).map((g) => g.key),
  };
}

export function renderBlastRadius(b: BlastRadius): string {
  const estimate = b.estimated.length
    ? ` (membership of ${b.estimated.join(', ')} estimated from the rule: the service evaluates it after apply)`
    : '';
  const users = b.userTargetedEsps.length
    ? ` ${b.userTargetedEsps.length} ESP(s) may target users (${b.userTargetedEsps.join(', ')}): for ${b.espUndetermined} device(s) the ESP depends on who signs in, which cannot be resolved before enrollment.`
    : '';
  return `Blast radius: of ${b.devices} registered Autopilot device(s), ${b.espChanges} would change the ESP that applies and ${b.profileChanges} the deployment profile they get (the oldest-created profile targeting a device wins)${estimate}.${users}\n`;
}
