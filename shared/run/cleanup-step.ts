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
import { countRun, minutesAfter } from './counts';
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

export interface DeletableRecord {
  chunk: ChunkState;
  device: DeviceState;
}

/** The run's own records whose outcome is recorded and that are not deleted yet. */
export function deletableRecords(chunks: ChunkState[]): DeletableRecord[] {
  const out: DeletableRecord[] = [];
  for (const chunk of chunks) {
    for (const device of chunk.devices) {
      if (device.recordId && !device.recordDeleted && device.importStatus !== 'pending') out.push({ chunk, device });
    }
  }
  return out;
}

/**
 * Deletes the given records (one $batch round trip per 20, paced by the gateway) and marks the
 * deleted ones; returns the chunks that changed and how many failed. A failure is left for a later
 * attempt (logged without the serial number: the record id is enough to find it).
 */
export async function deleteRecords(
  deps: Pick<CleanupStepDeps, 'graph' | 'log'>,
  runId: string,
  records: DeletableRecord[],
): Promise<{ changed: Set<ChunkState>; deleted: number; failed: number }> {
  const changed = new Set<ChunkState>();
  let deleted = 0;
  let failed = 0;
  if (records.length === 0) return { changed, deleted, failed };
  const results = await deps.graph.batch(records.map(({ device }) => ({ op: 'deleteImportedDevice' as const, params: { id: device.recordId! } })));
  results.forEach((result, i) => {
    const { chunk, device } = records[i]!;
    if (result.ok || result.status === 404) {
      device.recordDeleted = true;
      changed.add(chunk);
      deleted++;
    } else {
      failed++;
      deps.log(`run ${runId}: deleting import record ${device.recordId} failed with ${result.status} ${result.code}; will retry`);
    }
  });
  return { changed, deleted, failed };
}

export async function runCleanupStep(deps: CleanupStepDeps, input: StepInput): Promise<CleanupStepResult> {
  const { runId, now } = input;
  const manifest = await deps.runs.readManifest(runId);
  if (!manifest) throw new Error(`run ${runId}: no manifest; the parse step has not completed`);
  const chunks = await deps.runs.readAllChunkStates(runId, manifest.chunkCount);
  // After the report every record goes, including one whose import never settled (the report
  // already says so): leaving it would hold the serial number in Intune's import list forever.
  const records: DeletableRecord[] = [];
  for (const chunk of chunks) for (const device of chunk.devices) if (device.recordId && !device.recordDeleted) records.push({ chunk, device });
  const counts = countRun(manifest, chunks);
  if (records.length === 0) return { done: true, moreWork: false, counts, recordsLeft: 0, note: 'import records deleted' };

  const batch = records.slice(0, deps.maxDeletesPerStep ?? 400);
  const { changed, deleted, failed } = await deleteRecords(deps, runId, batch);
  for (const chunk of changed) await deps.runs.writeChunkState(runId, chunk);

  const recordsLeft = records.length - deleted;
  if (recordsLeft === 0) return { done: true, moreWork: false, counts, recordsLeft, note: 'import records deleted' };
  if (deleted > 0) return { done: false, moreWork: true, counts, recordsLeft, note: `deleting import records: ${recordsLeft} left` };
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
