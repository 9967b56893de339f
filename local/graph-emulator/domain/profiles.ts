import type { AutopilotDevice } from '../state/types';
import { scaled, type TenantContext } from './context';
import { devicesChanged } from './membership';
import { deviceGroups, targetsDevice } from './targeting';

/**
 * The profile group targeting gives a device. When several profiles target it, the oldest profile
 * wins (Autopilot's documented tie-break is the earliest-created profile).
 */
export function intendedProfile(ctx: TenantContext, ap: AutopilotDevice): string | undefined {
  if (ap.directProfileId && ctx.store.profiles.has(ap.directProfileId)) return ap.directProfileId;
  const groups = deviceGroups(ctx, ctx.store.devices.get(ap.deviceObjectId));
  let best: { id: string; created: number } | undefined;
  for (const profile of ctx.store.profiles.values()) {
    if (!targetsDevice(profile.assignments.values(), groups)) continue;
    if (!best || profile.createdDateTime < best.created) best = { id: profile.id, created: profile.createdDateTime };
  }
  return best?.id;
}

/**
 * notAssigned → pending → assignedInSync. Only published registrations get profiles; a change of
 * intended profile restarts the pending period, and stale completions are dropped by generation.
 */
export function reconcileProfile(ctx: TenantContext, ap: AutopilotDevice): void {
  if (!ap.visible) return;
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
  ctx.scheduler.schedule(ctx.clock.now() + scaled(ctx, ctx.settings().delays.profileAssignmentMs), {
    kind: 'profileAssigned',
    autopilotId: ap.id,
    profileId: intended,
    generation: ap.profileGeneration,
  });
}

export function completeProfileAssignment(ctx: TenantContext, autopilotId: string, profileId: string, generation: number, at: number): void {
  const ap = ctx.store.autopilotAll.get(autopilotId);
  const profile = ctx.store.profiles.get(profileId);
  if (!ap || !profile || ap.profileGeneration !== generation) return;
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
