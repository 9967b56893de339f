/**
 * The run's import records as the import and cleanup steps handle them: by reference (record id,
 * chunk, line) rather than by chunk state, so no step holds chunk states while Graph is called,
 * and the one way they are deleted.
 */
import { deleteImportRecords } from '../../graph/autopilot-api';
import type { GraphGateway } from '../../graph/gateway';
import type { ChunkState, DeviceState } from '../model';

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
 * Deletes the given records and checks each is gone (autopilot-api.ts: a DELETE's 2xx proves
 * nothing for this entity); returns those confirmed gone, and how many are left for a later
 * attempt (logged by record id, never by serial number). Marking them is the caller's.
 */
export async function deleteRecords<T extends { recordId: string }>(
  deps: { graph: GraphGateway; log: (message: string) => void },
  runId: string,
  records: readonly T[],
): Promise<{ deleted: T[]; failed: number }> {
  if (records.length === 0) return { deleted: [], failed: 0 };
  const { gone, left, failures } = await deleteImportRecords(deps.graph, records.map((r) => r.recordId));
  for (const f of failures) deps.log(`run ${runId}: deleting import record ${f.id} failed with ${f.status} ${f.code}; will retry`);
  const unconfirmed = left.length - failures.length;
  if (unconfirmed > 0) deps.log(`run ${runId}: ${unconfirmed} import record(s) still there after their DELETE was accepted; will retry`);
  const goneIds = new Set(gone);
  return { deleted: records.filter((r) => goneIds.has(r.recordId)), failed: left.length };
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
