/**
 * Deleting the run's own import records, off the report's critical path.
 *
 * Under Intune's documented limits (100 writes per 20 s per app) one DELETE per device is what
 * bounds a large run: 10,000 records need ~34 minutes, while everything the report depends on
 * (imports, polls, confirmation reads) fits in a few. So the report is written first and the
 * records go afterwards, plus whatever the import steps could delete alongside their polls.
 *
 * Only the run's own records (ids it got back from its own import calls) are ever deleted, and only
 * once their outcome is persisted. Idempotent: a record deleted by an attempt that died before
 * recording it answers 404 next time, which counts as deleted.
 */
import type { GraphGateway } from '../graph/gateway';
import type { StepInput } from '../contracts';
import { countChunk, countRun, minutesAfter } from './counts';
import type { ChunkState, DeviceState } from './model';
import type { RunStore } from './run-store';

export interface CleanupStepDeps {
  graph: GraphGateway;
  runs: RunStore;
  log: (message: string) => void;
  /**
   * Records deleted per step. Deletes are Intune writes (100 per 20 s per app): a bounded step
   * persists its progress often and reports it, instead of one step waiting out the whole budget.
   */
  maxDeletesPerStep?: number;
}

export interface CleanupStepResult {
  done: boolean;
  moreWork: boolean;
  counts: ReturnType<typeof countRun>;
  note?: string;
  /** Import records of the run still in Intune. */
  recordsLeft: number;
}

/**
 * One of the run's import records, by where its device is: the record id and the device's chunk
 * and line, not the chunk state, so no step holds chunk states while the service is called.
 */
export interface RecordRef {
  chunk: number;
  line: number;
  recordId: string;
}

export function refOf(chunk: ChunkState, device: DeviceState): RecordRef {
  return { chunk: chunk.index, line: device.line, recordId: device.recordId! };
}

/**
 * Deletes the given records (one $batch round trip per 20, paced by the gateway); returns those
 * deleted (or already gone) and how many failed. A failure is left for a later attempt (logged
 * without the serial number: the record id is enough to find it). Marking them is the caller's.
 */
export async function deleteRecords<T extends { recordId: string }>(
  deps: Pick<CleanupStepDeps, 'graph' | 'log'>,
  runId: string,
  records: readonly T[],
): Promise<{ deleted: T[]; failed: number }> {
  const deleted: T[] = [];
  let failed = 0;
  if (records.length === 0) return { deleted, failed };
  const results = await deps.graph.batch(records.map(({ recordId }) => ({ op: 'deleteImportedDevice' as const, params: { id: recordId } })));
  results.forEach((result, i) => {
    const record = records[i]!;
    if (result.ok || result.status === 404) {
      deleted.push(record);
    } else {
      failed++;
      deps.log(`run ${runId}: deleting import record ${record.recordId} failed with ${result.status} ${result.code}; will retry`);
    }
  });
  return { deleted, failed };
}

/** The refs grouped by chunk, then by line: what a second pass over the chunks looks up. */
export function refsByChunk<T extends RecordRef>(refs: Iterable<T>): Map<number, Map<number, T>> {
  const byChunk = new Map<number, Map<number, T>>();
  for (const ref of refs) {
    let lines = byChunk.get(ref.chunk);
    if (!lines) byChunk.set(ref.chunk, (lines = new Map()));
    lines.set(ref.line, ref);
  }
  return byChunk;
}

/** Chunk indices (of a map like `refsByChunk`'s, or a set) in ascending order: the order the chunks are read. */
export function sortedChunks(chunks: { keys(): Iterable<number> }): number[] {
  return [...chunks.keys()].sort((a, b) => a - b);
}

/** The device is the one the ref was taken from, and its record is still the same one. */
export function matches(ref: RecordRef | undefined, device: DeviceState): boolean {
  return ref !== undefined && device.recordId === ref.recordId;
}

export async function runCleanupStep(deps: CleanupStepDeps, input: StepInput): Promise<CleanupStepResult> {
  const { runId, now } = input;
  const manifest = await deps.runs.readManifest(runId);
  if (!manifest) throw new Error(`run ${runId}: no manifest; the parse step has not completed`);
  // One pass over the chunks, a few at a time: count, and note the ids of the first records to
  // delete. After the report every record goes, including one whose import never settled (the
  // report already says so): leaving it would hold the serial number in Intune's import list forever.
  const counts = countRun(manifest, []);
  const limit = deps.maxDeletesPerStep ?? 400;
  const batch: RecordRef[] = [];
  let records = 0;
  for await (const chunk of deps.runs.chunkStates(runId, manifest.chunkCount)) {
    countChunk(counts, chunk);
    for (const device of chunk.devices) {
      if (!device.recordId || device.recordDeleted) continue;
      records++;
      if (batch.length < limit) batch.push(refOf(chunk, device));
    }
  }
  if (records === 0) return { done: true, moreWork: false, counts, recordsLeft: 0, note: 'import records deleted' };

  const { deleted, failed } = await deleteRecords(deps, runId, batch);
  // Then only the chunks whose records went: read again, marked, written.
  const byChunk = refsByChunk(deleted);
  for await (const chunk of deps.runs.chunkStatesAt(runId, sortedChunks(byChunk))) {
    const lines = byChunk.get(chunk.index)!;
    for (const device of chunk.devices) if (matches(lines.get(device.line), device)) device.recordDeleted = true;
    await deps.runs.writeChunkState(runId, chunk);
  }

  const recordsLeft = records - deleted.length;
  if (recordsLeft === 0) return { done: true, moreWork: false, counts, recordsLeft, note: 'import records deleted' };
  if (deleted.length > 0) return { done: false, moreWork: true, counts, recordsLeft, note: `deleting import records: ${recordsLeft} left` };
  // Nothing could be deleted this time. Keep trying at the polling pace for as long as an import
  // may take; after that the records are left (the report is written; they are listed in the log).
  const giveUp = Date.parse(now) >= minutesAfter(input.phaseStartedAt, input.settings.deadlines.importMinutes);
  if (giveUp) deps.log(`run ${runId}: ${recordsLeft} import records could not be deleted (${failed} failed this step); leaving them`);
  return {
    done: giveUp,
    moreWork: false,
    counts,
    recordsLeft,
    note: giveUp ? `${recordsLeft} import records could not be deleted` : `deleting import records failed; ${recordsLeft} left, will retry`,
  };
}
