import type { RuleSubject } from '../membership';
import type { EntraDevice, Group } from '../state/types';
import { scaled, type TenantContext } from './context';
import { reconcileProfile } from './profiles';

/** The rule-language view of a device (names as the membership rule reference spells them). */
export function ruleSubject(device: EntraDevice): RuleSubject {
  return {
    objectId: device.id,
    deviceId: device.deviceId,
    displayName: device.displayName,
    devicePhysicalIds: device.physicalIds,
    accountEnabled: device.accountEnabled,
    deviceOSType: device.operatingSystem,
    deviceOSVersion: device.operatingSystemVersion,
    deviceManufacturer: device.manufacturer,
    deviceModel: device.model,
    enrollmentProfileName: device.enrollmentProfileName,
    profileType: 'RegisteredDevice',
    memberOf: [...device.memberOf],
  };
}

export function isDynamic(group: Group): boolean {
  return group.groupTypes.some((t) => t.toLowerCase() === 'dynamicmembership');
}

export function addMember(ctx: TenantContext, group: Group, memberId: string): boolean {
  if (group.members.has(memberId)) return false;
  group.members.add(memberId);
  const target = ctx.store.directoryObject(memberId);
  if (target) target.value.memberOf.add(group.id);
  return true;
}

export function removeMember(ctx: TenantContext, group: Group, memberId: string): boolean {
  if (!group.members.delete(memberId)) return false;
  const target = ctx.store.directoryObject(memberId);
  if (target) target.value.memberOf.delete(group.id);
  return true;
}

/** Queue re-evaluation of devices whose rule-visible properties changed. */
export function devicesChanged(ctx: TenantContext, deviceObjectIds: string[]): void {
  if (deviceObjectIds.length === 0 || ctx.rules.size === 0) return;
  ctx.scheduler.schedule(ctx.now() + scaled(ctx, ctx.settings().delays.membershipMs), { kind: 'evaluateDevices', deviceObjectIds });
}

/** Queue a full evaluation of one dynamic group (after its rule or processing state changed). */
export function groupRuleChanged(ctx: TenantContext, group: Group): void {
  group.ruleGeneration++;
  if (!ctx.rules.has(group.id) || group.membershipRuleProcessingState !== 'On') return;
  group.processing = { status: 'Running', lastMembershipUpdated: group.processing.lastMembershipUpdated, errorMessage: null };
  ctx.scheduler.schedule(ctx.now() + scaled(ctx, ctx.settings().delays.membershipMs), {
    kind: 'evaluateGroup',
    groupId: group.id,
    generation: group.ruleGeneration,
  });
}

function applyRule(ctx: TenantContext, group: Group, device: EntraDevice): boolean {
  const rule = ctx.rules.get(group.id);
  if (!rule) return false;
  const wanted = rule.evaluate(ruleSubject(device));
  return wanted ? addMember(ctx, group, device.id) : removeMember(ctx, group, device.id);
}

export function evaluateDevices(ctx: TenantContext, deviceObjectIds: string[], at: number): void {
  const active = [...ctx.rules.keys()]
    .map((id) => ctx.store.groups.get(id))
    .filter((g): g is Group => !!g && g.membershipRuleProcessingState === 'On');
  for (const id of deviceObjectIds) {
    const device = ctx.store.devices.get(id);
    if (!device) continue;
    let changed = false;
    for (const group of active) {
      if (applyRule(ctx, group, device)) {
        changed = true;
        group.processing.lastMembershipUpdated = at;
      }
    }
    if (changed) membershipChanged(ctx, device);
  }
}

export function evaluateGroup(ctx: TenantContext, groupId: string, generation: number, at: number): void {
  const group = ctx.store.groups.get(groupId);
  if (!group || group.ruleGeneration !== generation || group.membershipRuleProcessingState !== 'On') return;
  const changedDevices: EntraDevice[] = [];
  for (const device of ctx.store.devices.values()) if (applyRule(ctx, group, device)) changedDevices.push(device);
  group.processing = { status: 'Succeeded', lastMembershipUpdated: at, errorMessage: null };
  for (const device of changedDevices) membershipChanged(ctx, device);
}

/** Profile targeting follows group membership; memberOf rules of other groups may change too. */
export function membershipChanged(ctx: TenantContext, device: EntraDevice): void {
  if (device.autopilotId) {
    const ap = ctx.store.autopilotAll.get(device.autopilotId);
    if (ap) reconcileProfile(ctx, ap);
  }
}

/** Apply every dynamic rule to the given devices right now (seeding a settled tenant). */
export function settleMembership(ctx: TenantContext, at: number): void {
  for (const groupId of ctx.rules.keys()) {
    const group = ctx.store.groups.get(groupId);
    if (!group || group.membershipRuleProcessingState !== 'On') continue;
    for (const device of ctx.store.devices.values()) applyRule(ctx, group, device);
    group.processing = { status: 'Succeeded', lastMembershipUpdated: at, errorMessage: null };
  }
}
