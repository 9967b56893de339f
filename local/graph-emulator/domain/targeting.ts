import type { Assignment, EntraDevice } from '../state/types';
import type { TenantContext } from './context';

/**
 * Whether a set of assignments targets a device: some include target matches (a group the device
 * is in, transitively, or All devices) and no exclusion group contains it. Exclusions win, as in
 * Intune. User-targeted assignments never match a device on their own.
 */
export function targetsDevice(assignments: Iterable<Assignment>, deviceGroups: Set<string>): boolean {
  let included = false;
  for (const a of assignments) {
    const t = a.target;
    if (t.kind === 'exclusionGroup' && deviceGroups.has(t.groupId)) return false;
    if (t.kind === 'allDevices' || (t.kind === 'group' && deviceGroups.has(t.groupId))) included = true;
  }
  return included;
}

export function deviceGroups(ctx: TenantContext, device: EntraDevice | undefined): Set<string> {
  return device ? ctx.store.transitiveGroupsOf(device.memberOf) : new Set();
}
