/**
 * Which Enrollment Status Page applies to a device, as Intune decides it for device-targeted
 * profiles (memdocs "Set up the Enrollment Status Page"): among the custom ESPs assigned to the
 * device (a group it is in, or All devices) and not excluded by an exclusion group, the one with the
 * lowest priority number; otherwise the tenant's default ESP. User-targeted ESPs are not considered:
 * they apply only when a user signs in, which a registration check cannot know.
 *
 * Assignment filters are evaluated by Intune on the device at enrollment, from properties this app
 * cannot see: when the ESP that would win reaches the device only through a filtered assignment, the
 * answer is "cannot be confirmed", never a guess.
 */
import type { EspAssignment, EspConfig } from '../../graph/autopilot-api';

export type { EspAssignment, EspConfig };

export type EspResolution =
  | { kind: 'resolved'; esp: EspConfig | undefined }
  | { kind: 'filtered'; esp: EspConfig; filterId: string; filterType: 'include' | 'exclude' };

function includes(a: EspAssignment, deviceGroupIds: ReadonlySet<string>): boolean {
  return a.kind === 'allDevices' || (a.kind === 'group' && a.groupId !== undefined && deviceGroupIds.has(a.groupId));
}

export function resolveEsp(esps: readonly EspConfig[], deviceGroupIds: ReadonlySet<string>): EspResolution {
  const candidates = esps
    .filter((esp) => !esp.isDefault)
    .filter((esp) => !esp.assignments.some((a) => a.kind === 'exclusion' && a.groupId !== undefined && deviceGroupIds.has(a.groupId)))
    .filter((esp) => esp.assignments.some((a) => includes(a, deviceGroupIds)))
    .sort((a, b) => a.priority - b.priority);
  for (const esp of candidates) {
    const reaching = esp.assignments.filter((a) => includes(a, deviceGroupIds));
    if (reaching.some((a) => a.filterId === undefined)) return { kind: 'resolved', esp };
    // Every assignment that reaches the device is filtered: whether it applies (and so whether a
    // lower-priority ESP does instead) is decided on the device.
    const filtered = reaching[0]!;
    return { kind: 'filtered', esp, filterId: filtered.filterId!, filterType: filtered.filterType ?? 'include' };
  }
  return { kind: 'resolved', esp: esps.find((esp) => esp.isDefault) };
}

/** Groups whose membership matters for ESP resolution (included or excluded by some ESP). */
export function espGroupIds(esps: readonly EspConfig[]): string[] {
  const ids = new Set<string>();
  for (const esp of esps)
    for (const a of esp.assignments) if (a.groupId && (a.kind === 'group' || a.kind === 'exclusion')) ids.add(a.groupId);
  return [...ids];
}
