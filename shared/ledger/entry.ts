/**
 * The provenance ledger's record of one device: what an intake run meant to happen to it (the
 * expected tag, group(s), profile and ESP at the time), where it came from (run, source kind, the
 * archived file and line, a digest of its hash — never the hash) and how its import and
 * confirmation ended. Reconciliation compares the tenant with these, so it never has to guess which
 * devices are the pipeline's.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';

export const SourceKind = z.enum(['drop', 'upload', 'reconciliation']);
export type SourceKind = z.infer<typeof SourceKind>;

export const LedgerEntry = z.object({
  serialNumber: z.string(),
  /** sha256 (hex) of the hash as imported: tells a re-captured hash from the recorded one. Absent for backfilled entries. */
  hashDigest: z.string().optional(),
  runId: z.string(),
  sourceKind: SourceKind,
  /** The archived source file (container/path) and the device's line in it: where its hash can be read again. */
  archived: z.object({ path: z.string(), line: z.number().int() }).optional(),
  groupTag: z.string().optional(),
  expected: z.object({ groupIds: z.array(z.string()), profileId: z.string().optional(), espId: z.string().optional() }),
  ztdId: z.string().optional(),
  aadDeviceId: z.string().optional(),
  import: z.object({ outcome: z.enum(['imported', 'already-registered']), at: z.string().optional() }),
  /** `pending`: imported again by a reconciliation, not yet seen in order. */
  confirm: z.object({
    outcome: z.enum(['confirmed', 'failed', 'pending']),
    code: z.string().optional(),
    stage: z.string().optional(),
    at: z.string().optional(),
  }),
  recordedAt: z.string(),
  /** Set by a reconciliation that found a device its run reported failed by a deadline in order after all. */
  lateSuccessAt: z.string().optional(),
  /** An admin approved deleting the registration and importing the device again from its archived hash. */
  pendingReimport: z.object({ approvedAt: z.string(), reconcileId: z.string() }).optional(),
});
export type LedgerEntry = z.infer<typeof LedgerEntry>;

/** The key a serial number is recorded and looked up under (the service compares serials case-insensitively). */
export function serialKey(serial: string): string {
  return serial.trim().toUpperCase();
}

/** A hash's digest, over its base64 text without whitespace (as it is sent to Intune). */
export function hashDigest(hardwareHash: string): string {
  return createHash('sha256').update(hardwareHash.replace(/\s+/g, '')).digest('hex');
}

/** Intake files uploaded through POST /api/intake live under api/; everything else was dropped. */
export function sourceKindOf(sourceName: string): SourceKind {
  return sourceName.startsWith('api/') ? 'upload' : 'drop';
}
