/**
 * What the pipeline remembers about a run, stored as blobs under autopilot-state/runs/{runId}/:
 *   manifest.json        the parse result (written last by the parse step: its commit marker)
 *   rows/{p}.ndjson      one verdict per CSV row (no hash, no UPN), in file order, ROWS_PER_PART
 *                        rows per part
 *   chunks/{k}.input.json  the devices of import chunk k (hashes included: needed to import)
 *   chunks/{k}.state.json  per-device progress of chunk k (no hash)
 *   import-index.json    which chunks the import phase has settled (import/import-index.ts: a cache of the states)
 * Every write is a whole-blob replace, so a step re-run after a crash sees either the old or the new state.
 * Rows, and devices across chunks k = 0, 1, …, are in ascending line order: the report joins them
 * part by part instead of holding the run in memory.
 */
import { z } from 'zod';
import { BlobRef, StageCounts } from '../contracts';

export const RowRecord = z.object({
  line: z.number().int(),
  status: z.enum(['valid', 'rejected', 'duplicate']),
  serialNumber: z.string().optional(),
  code: z.string().optional(),
  message: z.string().optional(),
  duplicateOfLine: z.number().int().optional(),
  warnings: z.array(z.string()).default([]),
  manufacturer: z.string().optional(),
  model: z.string().optional(),
  groupTag: z.string().optional(),
});
export type RowRecord = z.infer<typeof RowRecord>;

export const ImportDevice = z.object({
  line: z.number().int(),
  serialNumber: z.string(),
  hashSerialNumber: z.string().optional(),
  hardwareHash: z.string(),
  productKey: z.string().optional(),
  groupTag: z.string().optional(),
  assignedUser: z.string().optional(),
});
export type ImportDevice = z.infer<typeof ImportDevice>;

export const DeviceStage = z.enum(['import', 'registration', 'group', 'profile', 'esp', 'done']);
export type DeviceStage = z.infer<typeof DeviceStage>;

export const Failure = z.object({
  stage: DeviceStage,
  code: z.string(),
  message: z.string(),
  remediation: z.string(),
});
export type Failure = z.infer<typeof Failure>;

export const DeviceState = z.object({
  line: z.number().int(),
  serialNumber: z.string(),
  /** The SMBIOS serial inside the hash, when it differs from the row's (the service registers this one). */
  hashSerialNumber: z.string().optional(),
  /** sha256 of the hash (ledger/entry.ts): identifies the device in the ledger without keeping the hash here. */
  hashDigest: z.string().optional(),
  groupTag: z.string().optional(),
  recordId: z.string().optional(),
  importStatus: z.enum(['not-sent', 'pending', 'complete', 'error', 'timed-out']),
  importErrorCode: z.number().int().optional(),
  importErrorName: z.string().optional(),
  recordDeleted: z.boolean().default(false),
  /**
   * An import step's DELETE of its record was accepted; whether it is gone is not known yet (an
   * accepted DELETE proves nothing, record-refs.ts): the cleanup's walk of the import list confirms
   * it — one walk for every record asked during the import, instead of one per import step.
   */
  recordDeleteAsked: z.boolean().optional(),
  /** Its import call was interrupted and the device was looked for rather than sent blindly again. */
  importInDoubt: z.boolean().optional(),
  /** 806: the device was already registered here, so its id is looked up by serial number. */
  alreadyRegistered: z.boolean().default(false),
  ztdId: z.string().optional(),
  aadDeviceId: z.string().optional(),
  profileStatus: z.string().optional(),
  profileId: z.string().optional(),
  espId: z.string().optional(),
  groupIds: z.array(z.string()).optional(),
  stage: DeviceStage,
  result: z.enum(['confirmed', 'failed']).optional(),
  failure: Failure.optional(),
  at: z
    .object({
      importSent: z.string().optional(),
      imported: z.string().optional(),
      registered: z.string().optional(),
      inGroup: z.string().optional(),
      profileAssigned: z.string().optional(),
      espConfirmed: z.string().optional(),
      finished: z.string().optional(),
    })
    .default({}),
});
export type DeviceState = z.infer<typeof DeviceState>;

export const ChunkState = z.object({
  index: z.number().int(),
  importId: z.string(),
  /**
   * 'sending' is written before the import call: seen again on a re-run, the call's fate is unknown
   * and the chunk becomes 'in-doubt' until its devices are found in Autopilot or sent again.
   */
  status: z.enum(['new', 'sending', 'in-doubt', 'sent']),
  inDoubtSince: z.string().optional(),
  attempts: z.number().int().default(0),
  /**
   * Import records of this chunk's importId that belong to no device: a second record of a device
   * whose call was answered twice (a lost answer, then a re-send). Deleted by the cleanup like the rest.
   */
  strayRecordIds: z.array(z.string()).optional(),
  devices: z.array(DeviceState),
});
export type ChunkState = z.infer<typeof ChunkState>;

export const RunManifest = z.object({
  runId: z.string(),
  source: BlobRef,
  parsedAt: z.string(),
  format: z.string().optional(),
  encoding: z.string().optional(),
  warnings: z.array(z.string()).default([]),
  fileRejected: z.string().optional(),
  chunkCount: z.number().int(),
  /** How many rows/{p}.ndjson parts the parse wrote. */
  rowParts: z.number().int(),
  counts: StageCounts,
});
export type RunManifest = z.infer<typeof RunManifest>;
