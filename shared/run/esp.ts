/**
 * Which Enrollment Status Page applies to a device, as Intune decides it for device-targeted
 * profiles (memdocs "Set up the Enrollment Status Page", graph-api reference §6.4): among the
 * custom ESPs assigned to the device (a group it is in, or All devices) and not excluded by an
 * exclusion group, the one with the lowest priority number; otherwise the tenant's default ESP.
 * User-targeted ESPs are not considered: they apply only when a user signs in, which a
 * registration check cannot know.
 */
export interface EspAssignment {
  kind: 'group' | 'exclusion' | 'allDevices' | 'allUsers' | 'other';
  groupId?: string;
}

export interface EspConfig {
  id: string;
  displayName: string;
  priority: number;
  isDefault: boolean;
  assignments: EspAssignment[];
}

export function resolveEsp(esps: EspConfig[], deviceGroupIds: ReadonlySet<string>): EspConfig | undefined {
  const candidates = esps
    .filter((esp) => !esp.isDefault)
    .filter((esp) => {
      const excluded = esp.assignments.some((a) => a.kind === 'exclusion' && a.groupId !== undefined && deviceGroupIds.has(a.groupId));
      if (excluded) return false;
      return esp.assignments.some((a) => a.kind === 'allDevices' || (a.kind === 'group' && a.groupId !== undefined && deviceGroupIds.has(a.groupId)));
    })
    .sort((a, b) => a.priority - b.priority);
  return candidates[0] ?? esps.find((esp) => esp.isDefault);
}

/** Groups whose membership matters for ESP resolution (included or excluded by some ESP). */
export function espGroupIds(esps: EspConfig[]): string[] {
  const ids = new Set<string>();
  for (const esp of esps) for (const a of esp.assignments) if (a.groupId && (a.kind === 'group' || a.kind === 'exclusion')) ids.add(a.groupId);
  return [...ids];
}
