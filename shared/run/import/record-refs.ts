/**
 * The run's import records as the import and cleanup steps handle them: by reference (record id,
 * chunk, line) rather than by chunk state, so no step holds chunk states while Graph is called,
 * and the one way they are deleted.
 */
import { deleteImportRecords, importRecordsStillThere } from '../../graph/autopilot-api';
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
 * Asks the service to delete the given records (one $batch round trip per 19–20, paced by the
 * gateway); returns those whose DELETE was accepted — not yet known to be gone (see `confirmGone`)
 * — and how many failed. A failure is left for a later attempt (logged by record id, never by
 * serial number).
 */
export async function deleteRecords<T extends { recordId: string }>(
  deps: { graph: GraphGateway; log: (message: string) => void },
  runId: string,
  records: readonly T[],
): Promise<{ asked: T[]; failed: number }> {
  if (records.length === 0) return { asked: [], failed: 0 };
  const { asked, failures } = await deleteImportRecords(
    deps.graph,
    records.map((r) => r.recordId),
  );
  for (const f of failures) deps.log(`run ${runId}: deleting import record ${f.id} failed with ${f.status} ${f.code}; will retry`);
  const askedIds = new Set(asked);
  return { asked: records.filter((r) => askedIds.has(r.recordId)), failed: failures.length };
}

/**
 * The records among `asked` the tenant's import list no longer holds: the ones that count as
 * deleted (autopilot-api.ts: a DELETE's answer proves nothing). One list walk for a whole step.
 */
export async function confirmGone<T extends { recordId: string }>(
  deps: { graph: GraphGateway; log: (message: string) => void },
  runId: string,
  asked: readonly T[],
): Promise<T[]> {
  const there = await importRecordsStillThere(deps.graph, new Set(asked.map((r) => r.recordId)));
  if (there.size > 0) deps.log(`run ${runId}: ${there.size} import record(s) still listed after their DELETE was accepted; will retry`);
  return asked.filter((r) => !there.has(r.recordId));
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
