import { emptyCounts, type StageCounts } from '../contracts';
import type { ChunkState, RunManifest } from './model';

/** Progress counts, derived from the device states rather than kept alongside them. */
export function countRun(manifest: RunManifest, chunks: Iterable<ChunkState>): StageCounts {
  const c = { ...emptyCounts(), rows: manifest.counts.rows, valid: manifest.counts.valid, rejectedRows: manifest.counts.rejectedRows, duplicateRows: manifest.counts.duplicateRows };
  for (const chunk of chunks) countChunk(c, chunk);
  return c;
}

/** Adds one chunk's devices to counts begun by `countRun(manifest, [])` (for callers that read chunks one at a time). */
export function countChunk(c: StageCounts, chunk: ChunkState): void {
  for (const d of chunk.devices) {
    if (d.importStatus === 'complete' || d.alreadyRegistered) c.imported++;
    if (d.failure?.stage === 'import') c.importFailed++;
    if (d.at.registered) c.registered++;
    if (d.at.inGroup) c.inGroup++;
    if (d.at.profileAssigned) c.profileAssigned++;
    if (d.at.espConfirmed) c.espConfirmed++;
    if (d.result === 'confirmed') c.confirmed++;
    else if (d.result === 'failed') c.failed++;
    else c.pending++;
  }
}

export function minutesAfter(iso: string, minutes: number): number {
  return Date.parse(iso) + minutes * 60_000;
}
