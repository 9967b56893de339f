/**
 * The import phase's index of sent chunks: for each, how many of its devices still wait for their
 * import outcome, how many of their records are not yet deleted (or asked to be), and what it adds
 * to the counts.
 * With it an import step reads only the chunks it has work for — the unsent ones, as many with
 * pending devices as one step polls, as many with records left as its deletes can use — instead
 * of every chunk state of the run (1,000 chunk blobs at 100,000 devices), which made the import
 * phase grow with the square of the file (issue 16).
 *
 * A cache of the chunk states, never the other way round, so it is safe to lose or to find stale.
 * It is written after the states it describes, and a sent chunk only moves forward while the import
 * phase runs (a device settles for good; a deleted record stays deleted). A stale entry therefore
 * only ever claims more work than is left: the chunk is read when its turn comes and the entry
 * corrected; until then the counts it gives lag behind (progress only — the report counts the
 * states themselves). A missing index (a run begun before it existed) is rebuilt by the next step,
 * which then reads every chunk once.
 */
import { z } from 'zod';
import { emptyCounts, type StageCounts } from '../../contracts';
import { countChunk } from '../counts';
import type { ChunkState } from '../model';

/** The count fields a chunk's devices add (countChunk), in the order an entry's `counts` holds them. */
const COUNTED = [
  'imported',
  'importFailed',
  'registered',
  'inGroup',
  'profileAssigned',
  'espConfirmed',
  'confirmed',
  'failed',
  'pending',
] as const satisfies readonly (keyof StageCounts)[];

export const IndexEntry = z.object({
  /** Devices whose import outcome is not known yet. */
  pending: z.number().int().nonnegative(),
  /** Its devices' import records an import step may still delete: not deleted, not asked to be (strays are the cleanup's). */
  undeleted: z.number().int().nonnegative(),
  /** What the chunk's devices add to the counts, in COUNTED order (an array: 1,000 entries stay small). */
  counts: z.array(z.number().int()).length(COUNTED.length),
});
export type IndexEntry = z.infer<typeof IndexEntry>;

/** Chunk index (as a string key) → its entry; only sent chunks have one. */
export const ImportIndex = z.object({ chunks: z.record(z.string().regex(/^\d+$/), IndexEntry) });
export type ImportIndex = z.infer<typeof ImportIndex>;

export function emptyImportIndex(): ImportIndex {
  return { chunks: {} };
}

export function entryOf(index: ImportIndex, chunk: number): IndexEntry | undefined {
  return index.chunks[String(chunk)];
}

/**
 * Records a chunk's last written state: a sent chunk gets (or updates) its entry; one not sent yet
 * has none (unsent chunks are always read). Returns whether the index changed.
 */
export function noteChunk(index: ImportIndex, chunk: ChunkState): boolean {
  if (chunk.status !== 'sent') return false;
  let pending = 0;
  let undeleted = 0;
  for (const d of chunk.devices) {
    if (d.importStatus === 'pending') pending++;
    if (d.recordId && !d.recordDeleted && !d.recordDeleteAsked) undeleted++;
  }
  const all = emptyCounts();
  countChunk(all, chunk);
  const entry: IndexEntry = { pending, undeleted, counts: COUNTED.map((field) => all[field]) };
  const key = String(chunk.index);
  const before = index.chunks[key];
  index.chunks[key] = entry;
  return !before || before.pending !== pending || before.undeleted !== undeleted || before.counts.some((n, i) => n !== entry.counts[i]);
}

/** Adds an entry's counts to counts begun by `countRun(manifest)`. */
export function addEntryCounts(counts: StageCounts, entry: IndexEntry): void {
  COUNTED.forEach((field, i) => (counts[field] += entry.counts[i]!));
}
