/**
 * The run's import records as the import and cleanup steps handle them: by reference (record id,
 * chunk, line) rather than by chunk state, so no step holds chunk states while Graph is called,
 * and the one way they are deleted.
 */
import type { GraphGateway } from '../graph/gateway';
import type { ChunkState, DeviceState } from './model';

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
  deps: { graph: GraphGateway; log: (message: string) => void },
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
