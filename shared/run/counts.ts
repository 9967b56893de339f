import { emptyCounts, type StageCounts } from '../contracts';
import type { ChunkState, RunManifest } from './model';

/**
 * Progress counts, derived from the device states rather than kept alongside them: the row counts
 * of the parse, to which the steps add each chunk's devices as they read them (countChunk).
 */
export function countRun(manifest: RunManifest): StageCounts {
  return {
    ...emptyCounts(),
    rows: manifest.counts.rows,
    valid: manifest.counts.valid,
    rejectedRows: manifest.counts.rejectedRows,
    duplicateRows: manifest.counts.duplicateRows,
  };
}

/**
 * Adds one chunk's devices to counts begun by `countRun(manifest)` (for callers that read chunks
 * one at a time); with `sign` -1 takes them out again (a step that counted a chunk, then changed it).
 */
export function countChunk(c: StageCounts, chunk: ChunkState, sign: 1 | -1 = 1): void {
  for (const d of chunk.devices) {
    if (d.importStatus === 'complete' || d.alreadyRegistered) c.imported += sign;
    if (d.failure?.stage === 'import') c.importFailed += sign;
    if (d.at.registered) c.registered += sign;
    if (d.at.inGroup) c.inGroup += sign;
    if (d.at.profileAssigned) c.profileAssigned += sign;
    if (d.at.espConfirmed) c.espConfirmed += sign;
    if (d.result === 'confirmed') c.confirmed += sign;
    else if (d.result === 'failed') c.failed += sign;
    else c.pending += sign;
  }
}

export function minutesAfter(iso: string, minutes: number): number {
  return Date.parse(iso) + minutes * 60_000;
}
