import { z } from 'zod';

/**
 * Realism knobs, settable at start and at runtime (PATCH /_emulator/settings). Delays are the
 * service's own durations at time scale 1, chosen from observed ranges (docs/GRAPH-EMULATOR.md,
 * "Timing"); each is multiplied by `timeScale` when work is scheduled.
 */
export const DelaysSchema = z.strictObject({
  /** unknown → pending. */
  importPendingMs: z.number().int().min(0),
  /** unknown → complete/error (observed 60–95 s for one device). */
  importProcessMs: z.number().int().min(0),
  /** A registered device shows up in windowsAutopilotDeviceIdentities without a manual sync. */
  autoSyncMs: z.number().int().min(0),
  /** How long a manual sync runs (409 meanwhile). */
  syncRunMs: z.number().int().min(0),
  /** Dynamic membership processing after a device or rule change. */
  membershipMs: z.number().int().min(0),
  /** Profile assignment pending → assignedInSync. */
  profileAssignmentMs: z.number().int().min(0),
});
export type Delays = z.infer<typeof DelaysSchema>;

export const FaultsSchema = z.strictObject({
  /** Share (0–1) of Graph operations answered with a 500/503 before they run. */
  errorRate: z.number().min(0).max(1),
  /** Share (0–1) of Graph HTTP requests held for `timeoutMs` and then answered 504. */
  timeoutRate: z.number().min(0).max(1),
  /** Added to every Graph HTTP response, real milliseconds. */
  latencyMs: z.number().int().min(0),
  timeoutMs: z.number().int().min(0),
  /**
   * Share (0–1) of DELETEs of import records answered 200 without deleting, as reported for this
   * entity (microsoft-graph-docs #5180).
   */
  ignoredDeleteRate: z.number().min(0).max(1),
  /** Seed of the fault dice, so a fault pattern is reproducible. */
  seed: z.number().int(),
});
export type Faults = z.infer<typeof FaultsSchema>;

export const SettingsSchema = z.strictObject({
  timeScale: z.number().min(0),
  throttling: z.boolean(),
  /** Directory resource-unit quota tier for the app+tenant pair (S < 50 users, M 50–500, L > 500). */
  directoryTier: z.enum(['S', 'M', 'L']),
  faults: FaultsSchema,
  delays: DelaysSchema,
  /** Keep request and response bodies in the request log (hashes and UPNs are redacted). */
  logBodies: z.boolean(),
  /** Oldest log entries are dropped beyond this many. */
  logLimit: z.number().int().min(1),
  /** Only the most recent this-many log entries keep their request bodies. */
  logBodyLimit: z.number().int().min(0),
  /** Only the most recent this-many log entries keep their response bodies (at most logBodyLimit). */
  logResponseBodyLimit: z.number().int().min(0),
});
export type Settings = z.infer<typeof SettingsSchema>;

export const SettingsPatchSchema = z.strictObject({
  timeScale: z.number().min(0).optional(),
  throttling: z.boolean().optional(),
  directoryTier: z.enum(['S', 'M', 'L']).optional(),
  faults: FaultsSchema.partial().optional(),
  delays: DelaysSchema.partial().optional(),
  logBodies: z.boolean().optional(),
  logLimit: z.number().int().min(1).optional(),
  logBodyLimit: z.number().int().min(0).optional(),
  logResponseBodyLimit: z.number().int().min(0).optional(),
});
export type SettingsPatch = z.infer<typeof SettingsPatchSchema>;

export function defaultSettings(): Settings {
  return {
    timeScale: 1,
    throttling: false,
    directoryTier: 'S',
    faults: { errorRate: 0, timeoutRate: 0, latencyMs: 0, timeoutMs: 30_000, ignoredDeleteRate: 0, seed: 1 },
    delays: {
      importPendingMs: 15_000,
      importProcessMs: 75_000,
      autoSyncMs: 15 * 60_000,
      syncRunMs: 60_000,
      membershipMs: 3 * 60_000,
      profileAssignmentMs: 5 * 60_000,
    },
    logBodies: true,
    logLimit: 500_000,
    logBodyLimit: 20_000,
    logResponseBodyLimit: 2_000,
  };
}

export function applySettingsPatch(current: Settings, patch: SettingsPatch): Settings {
  return {
    ...current,
    ...(patch.timeScale !== undefined ? { timeScale: patch.timeScale } : {}),
    ...(patch.throttling !== undefined ? { throttling: patch.throttling } : {}),
    ...(patch.directoryTier !== undefined ? { directoryTier: patch.directoryTier } : {}),
    ...(patch.logBodies !== undefined ? { logBodies: patch.logBodies } : {}),
    ...(patch.logLimit !== undefined ? { logLimit: patch.logLimit } : {}),
    ...(patch.logBodyLimit !== undefined ? { logBodyLimit: patch.logBodyLimit } : {}),
    ...(patch.logResponseBodyLimit !== undefined ? { logResponseBodyLimit: patch.logResponseBodyLimit } : {}),
    faults: { ...current.faults, ...stripUndefined(patch.faults) },
    delays: { ...current.delays, ...stripUndefined(patch.delays) },
  };
}

function stripUndefined<T extends object>(value: T | undefined): Partial<T> {
  if (!value) return {};
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
