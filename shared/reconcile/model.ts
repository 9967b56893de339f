/**
 * What a reconciliation finds and may do. Every device the ledger holds, and every Autopilot
 * registration it does not, gets one class with its evidence; the actions a class can lead to come
 * in two tiers — `auto` (safe, idempotent, on the pipeline's own not-yet-enrolled devices) and
 * `propose` (done only after an admin approves it). What must never be done has no action type at
 * all, so no input can produce it: deleting registrations because they are not in Intune, deleting
 * or disabling Entra devices, touching foreign or 808 devices, profiles, ESPs or group rules.
 */
import { z } from 'zod';
import { DRIFT_CLASSES } from './drift-classes';

export const DriftClass = z.enum(DRIFT_CLASSES);
export type DriftClass = z.infer<typeof DriftClass>;

export const AutoAction = z.discriminatedUnion('kind', [
  /** The pipeline's own import record, settled (complete/error): never another tool's, never unknown/pending. */
  z.object({ kind: z.literal('delete-import-record'), recordId: z.string(), importId: z.string() }),
  /** Ledger devices wait for a profile: ask for the tenant's sync through the shared gate. */
  z.object({ kind: z.literal('request-sync') }),
  /** The ledger's group tag back on a registration not yet enrolled. */
  z.object({ kind: z.literal('restore-group-tag'), ztdId: z.string(), serialNumber: z.string(), from: z.string(), to: z.string() }),
  /** A device its run reported failed by a deadline is in order now: the ledger and the run's report say so. */
  z.object({ kind: z.literal('mark-late-success'), serialNumber: z.string(), runId: z.string() }),
  /** An approved re-import whose old registration is gone: import again from the archived hash. */
  z.object({ kind: z.literal('reimport'), serialNumber: z.string(), archivedPath: z.string(), line: z.number().int() }),
]);
export type AutoAction = z.infer<typeof AutoAction>;

export const ProposedAction = z.discriminatedUnion('kind', [
  /** Delete the registration and import the device again from its archived hash (Entra object deleted, ZTDID mismatch, registration lost). */
  z.object({
    kind: z.literal('delete-and-reimport'),
    serialNumber: z.string(),
    ztdId: z.string().optional(),
    archivedPath: z.string(),
    line: z.number().int(),
  }),
  /** Put the ledger's tag back on an enrolled device (moves it between profiles: an admin decides). */
  z.object({ kind: z.literal('retag-enrolled'), serialNumber: z.string(), ztdId: z.string(), from: z.string(), to: z.string() }),
]);
export type ProposedAction = z.infer<typeof ProposedAction>;

/**
 * What became of one auto action: `done`; `not-needed` (the tenant was already right when checked
 * just before acting); `skipped` (the tenant changed since the survey in a way that makes the action
 * wrong now — left for the next survey); `failed` (the service refused; tried again next time).
 */
export const ActionResult = z.object({ outcome: z.enum(['done', 'not-needed', 'skipped', 'failed']), detail: z.string().optional() });
export type ActionResult = z.infer<typeof ActionResult>;

export const Finding = z.object({
  serialNumber: z.string(),
  class: DriftClass,
  /** What the tenant shows, in words an admin can check (group state, profile status, detailed status…). */
  evidence: z.array(z.string()),
  /** The device's run (ledger devices), and since when the drift stands (the ledger's last known good time). */
  runId: z.string().optional(),
  since: z.string().optional(),
  ztdId: z.string().optional(),
  auto: z.array(AutoAction),
  proposed: z.array(ProposedAction),
  /** What became of each auto action, in its order (written by the repair step; a re-run step redoes only those failed or missing). */
  results: z.array(ActionResult.nullable()).optional(),
  /** What became of each proposed action an admin approved, in its order (approve.ts). */
  approvals: z.array(ActionResult.extend({ at: z.string(), by: z.string() }).nullable()).optional(),
});
export type Finding = z.infer<typeof Finding>;

/** The action kinds a reconciliation may ever take (`never` actions have no kind to be written in). */
export const AUTO_KINDS = AutoAction.options.map((o) => o.shape.kind.value);
export const PROPOSED_KINDS = ProposedAction.options.map((o) => o.shape.kind.value);
