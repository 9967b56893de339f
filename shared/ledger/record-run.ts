/**
 * Writes a finished intake run's devices to the ledger: every device the run imported or found
 * already registered (a device that failed at import never reached the tenant and has nothing to
 * reconcile). Reads the chunk states a window at a time and writes WRITE_BATCH entries at a time, so
 * a run of any size costs the step a bounded amount of memory.
 */
import type { RunSettings } from '../contracts/run';
import type { DeviceState, RunManifest } from '../run/model';
import type { RunStore } from '../run/run-store';
import { sourceKindOf, type LedgerEntry } from './entry';
import type { Ledger } from './ledger';

/**
 * Entries handed to the ledger at once. The Table ledger spreads them over 256 partitions and sends
 * one transaction (≤ 100 rows) per partition: a thousand entries made transactions of ~4 rows, and
 * 100,000 devices ~25,000 of them. 2,500 make them ~10 rows and hold ~2.5 MB; 10,000 held ~10 MB,
 * and at 100,000 devices the worker's heap carried one batch's garbage into the next: the ledger
 * step was the run's peak, 17 MB of old space above a 10,000-device run's (issue 16).
 */
const WRITE_BATCH = 2_500;

export interface RunFacts {
  /** container/path of the archived source, when the run archived it. */
  archivedAs: string | undefined;
  expected: RunSettings['expected'];
  now: string;
}

export function ledgerEntryOf(manifest: RunManifest, d: DeviceState, facts: RunFacts): LedgerEntry | undefined {
  const imported = d.importStatus === 'complete';
  if (!imported && !d.alreadyRegistered) return undefined;
  return {
    serialNumber: d.hashSerialNumber ?? d.serialNumber,
    ...(d.hashDigest ? { hashDigest: d.hashDigest } : {}),
    runId: manifest.runId,
    sourceKind: sourceKindOf(manifest.source.name),
    ...(facts.archivedAs ? { archived: { path: facts.archivedAs, line: d.line } } : {}),
    ...(d.groupTag ? { groupTag: d.groupTag } : {}),
    expected: facts.expected,
    ...(d.ztdId ? { ztdId: d.ztdId } : {}),
    ...(d.aadDeviceId ? { aadDeviceId: d.aadDeviceId } : {}),
    import: { outcome: imported ? 'imported' : 'already-registered', ...(d.at.imported ? { at: d.at.imported } : {}) },
    confirm: {
      outcome: d.result === 'confirmed' ? 'confirmed' : 'failed',
      ...(d.failure ? { code: d.failure.code, stage: d.failure.stage } : {}),
      ...(d.at.finished ? { at: d.at.finished } : {}),
    },
    recordedAt: facts.now,
  };
}

export async function recordRun(ledger: Ledger, runs: RunStore, manifest: RunManifest, facts: RunFacts): Promise<number> {
  let batch: LedgerEntry[] = [];
  let recorded = 0;
  for await (const chunk of runs.chunkStates(manifest.runId, manifest.chunkCount)) {
    for (const d of chunk.devices) {
      const entry = ledgerEntryOf(manifest, d, facts);
      if (entry) batch.push(entry);
    }
    if (batch.length >= WRITE_BATCH) {
      await ledger.upsert(batch);
      recorded += batch.length;
      batch = [];
    }
  }
  await ledger.upsert(batch);
  return recorded + batch.length;
}
