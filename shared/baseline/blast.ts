/**
 * The blast radius of a plan: how many registered Autopilot devices would change the ESP that
 * applies to them (the product's own resolution, shared/run/confirm/esp.ts) or the deployment
 * profiles that target them, computed over live group membership. Pure: the reads are in
 * fleet.ts. Membership of a group apply creates, or whose rule it changes, is not known before the
 * service evaluates it: it is estimated from the rule's documented forms (ZTDID → every Autopilot
 * device; `[OrderID]:<tag>` → that group tag), and the answer says so.
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
  profileChanges: number;
  /** Groups whose membership after apply was estimated from the rule, by key. */
  estimated: string[];
}

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

function profileSet(profiles: readonly { id: string; assignments: readonly ObservedAssignment[] }[], groups: ReadonlySet<string>): string {
  return profiles
    .filter((p) => !p.assignments.some((a) => a.kind === 'exclude' && a.groupId && groups.has(a.groupId)))
    .filter((p) => p.assignments.some((a) => a.kind === 'allDevices' || (a.kind === 'include' && a.groupId && groups.has(a.groupId))))
    .map((p) => p.id)
    .sort()
    .join(',');
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

  const profilesAfter = tenant.profiles.map((p) => ({ id: p.id, assignments: p.assignments }));
  for (const want of baseline.deploymentProfiles) {
    const id = groupId(want.key);
    const assignments = targets(want.assignments, groupId);
    const existing = profilesAfter.find((p) => p.id === id);
    if (existing) existing.assignments = assignments;
    else profilesAfter.push({ id, assignments });
  }

  const effectiveEsp = (esps: EspConfig[], groups: ReadonlySet<string>) => {
    const r = resolveEsp(esps, groups);
    return r.esp?.id ?? '';
  };
  let espChanges = 0;
  let profileChanges = 0;
  for (const d of fleet) {
    const after = groupsAfter(d);
    if (effectiveEsp(espBefore, d.groupIds) !== effectiveEsp(espAfter, after)) espChanges++;
    if (profileSet(tenant.profiles, d.groupIds) !== profileSet(profilesAfter, after)) profileChanges++;
  }
  return {
    devices: fleet.length,
    espChanges,
    profileChanges,
    estimated: baseline.groups.filter((g) => changed.has(groupId(g.key))).map((g) => g.key),
  };
}

export function renderBlastRadius(b: BlastRadius): string {
  const estimate = b.estimated.length
    ? ` (membership of ${b.estimated.join(', ')} estimated from the rule: the service evaluates it after apply)`
    : '';
  return `Blast radius: of ${b.devices} registered Autopilot device(s), ${b.espChanges} would change the ESP that applies and ${b.profileChanges} the deployment profile(s) targeting them${estimate}.\n`;
}
