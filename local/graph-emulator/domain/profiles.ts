import type { AutopilotDevice, ProfileDetailedStatus } from '../state/types';
import { scaled, type TenantContext } from './context';
import { devicesChanged } from './membership';
import { deviceGroups, targetsDevice } from './targeting';

/**
 * The profile group targeting gives a device. memdocs autopilot/profiles.md, "Autopilot profile
 * priority": when several profiles target it through its groups, "the device would receive the
 * oldest created profile"; a profile assigned to all devices (the "default profile") applies only
 * when no other profile is applicable — so group targeting first, then All devices, the oldest each.
 */
export function intendedProfile(ctx: TenantContext, ap: AutopilotDevice): string | undefined {
  const groups = deviceGroups(ctx, ctx.store.devices.get(ap.deviceObjectId));
  let best: { id: string; created: number; viaGroup: boolean } | undefined;
  for (const profile of ctx.store.profiles.values()) {
    if (!targetsDevice(profile.assignments.values(), groups)) continue;
    const viaGroup = [...profile.assignments.values()].some((a) => a.target.kind === 'group' && groups.has(a.target.groupId));
    const better = !best || (viaGroup && !best.viaGroup) || (viaGroup === best.viaGroup && profile.createdDateTime < best.created);
    if (better) best = { id: profile.id, created: profile.createdDateTime, viaGroup };
  }
  return best?.id;
}

/**
 * notAssigned → pending → assignedInSync. Only published registrations get profiles; a change of
 * intended profile restarts the pending period, and stale completions are dropped by generation.
 */
export function reconcileProfile(ctx: TenantContext, ap: AutopilotDevice): void {
  if (!ap.visible || ap.profilePinned) return;
  const intended = intendedProfile(ctx, ap);
  if (intended === ap.intendedProfileId && (ap.profileStatus === 'pending' || ap.profileId === intended)) return;
  ap.intendedProfileId = intended;
  ap.profileGeneration++;
  if (intended === undefined) {
    ctx.store.setDeviceProfile(ap, undefined);
    ap.profileStatus = 'notAssigned';
    ap.profileAssignedAt = undefined;
    return;
  }
  if (intended === ap.profileId && ap.profileStatus === 'assignedInSync') return;
  ap.profileStatus = 'pending';
  ctx.scheduler.schedule(ctx.now() + scaled(ctx, ctx.settings().delays.profileAssignmentMs), {
    kind: 'profileAssigned',
    autopilotId: ap.id,
    profileId: intended,
    generation: ap.profileGeneration,
  });
}

export function completeProfileAssignment(
  ctx: TenantContext,
  autopilotId: string,
  profileId: string,
  generation: number,
  at: number,
): void {
  const ap = ctx.store.autopilotAll.get(autopilotId);
  const profile = ctx.store.profiles.get(profileId);
  if (!ap || !profile || ap.profileGeneration !== generation || ap.profilePinned) return;
  ctx.store.setDeviceProfile(ap, profileId);
  ap.profileStatus = 'assignedInSync';
  ap.profileAssignedAt = at;
  // Entra stamps the profile name on the device object; rules on enrollmentProfileName see it.
  const device = ctx.store.devices.get(ap.deviceObjectId);
  if (device && device.enrollmentProfileName !== profile.displayName) {
    device.enrollmentProfileName = profile.displayName;
    devicesChanged(ctx, [device.id]);
  }
}

export function reconcileAll(ctx: TenantContext): void {
  for (const ap of ctx.store.autopilotVisible.values()) reconcileProfile(ctx, ap);
}

/** The statuses a registration can be stuck in (docs/GRAPH-EMULATOR.md, "Drift"). */
export type StuckProfileStatus = 'pending' | 'failed' | 'notAssigned' | 'unknown';

/**
 * Holds a registration in a status the lifecycle would move it out of: "Not assigned" for ~50 h
 * with the device in the targeted group (IntuneDocs#2286), or an assignment that never completes
 * (no SLA, IntuneDocs#2262). `pending` keeps the profile the device had (an assignment in flight
 * that never lands); the others mean no profile is assigned, so `deploymentProfile` and the assigned
 * time are cleared. Queued completions are dropped while pinned (completeProfileAssignment).
 */
export function pinProfileStatus(
  ctx: TenantContext,
  ap: AutopilotDevice,
  status: StuckProfileStatus,
  detailed: ProfileDetailedStatus,
): void {
  ap.profilePinned = true;
  ap.profileStatus = status;
  ap.profileDetailedStatus = detailed;
  if (status !== 'pending') {
    ctx.store.setDeviceProfile(ap, undefined);
    ap.profileAssignedAt = undefined;
  }
}

/** Lets the lifecycle move a pinned registration on: targeting is worked out afresh, and a device
 * that should have a profile goes through `pending` again. */
export function releaseProfileStatus(ctx: TenantContext, ap: AutopilotDevice): void {
  ap.profilePinned = false;
  ap.profileDetailedStatus = 'none';
  // Forget the remembered target and status so reconcileProfile cannot take its no-change exit.
  ap.intendedProfileId = undefined;
  ap.profileStatus = 'notAssigned';
  reconcileProfile(ctx, ap);
}
