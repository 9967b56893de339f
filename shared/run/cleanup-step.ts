/**
 * Deleting the run's own import records, off the report's critical path.
 *
 * Under Intune's documented limits (100 writes per 20 s per app) one DELETE per device is what
 * bounds a large run: 10,000 records need ~34 minutes, while everything the report depends on
 * (imports, polls, confirmation reads) fits in a few. So the report is written first and the
 * records go afterwards, plus whatever the import steps could delete alongside their polls.
 *
 * Only the run's own records (ids it got back from its own import calls, or found tagged with its
 * chunks' importIds after a lost answer) are ever deleted, and only once their outcome is
 * persisted. A record counts as deleted once a read no longer finds it (import/record-refs.ts).
 */
import type { GraphGateway } from '../graph/gateway';
import type { StepInput, StepResult } from '../contracts';
import { countChunk, countRun, minutesAfter } from './counts';
import { confirmGone, deleteRecords, matches, refOf, refsByChunk, sortedChunks, type RecordRef } from './import/record-refs';
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

/** A step result that always says how many of the run's import records are still in Intune. */
export type CleanupStepResult = StepResult & { recordsLeft: number };

/** A stray record of a chunk (no device owns it): line -1 in the refs, so it never matches a device. */
const STRAY = -1;

/** Records asked during the import that one step checks (one list walk checks any number; this bounds the ids held). */
const MAX_CONFIRMS = 100_000;

export async function runCleanupStep(deps: CleanupStepDeps, input: StepInput): Promise<CleanupStepResult> {
  const { runId, now } = input;
  const manifest = await deps.runs.readManifest(runId);
  if (!manifest) throw new Error(`run ${runId}: no manifest; the parse step has not completed`);
  // One pass over the chunks, a few at a time: count, and note the ids of the first records to
  // delete. After the report every record goes, including one whose import never settled (the
  // report already says so): leaving it would hold the serial number in Intune's import list forever.
  const counts = countRun(manifest);
  const limit = deps.maxDeletesPerStep ?? 400;
  const batch: RecordRef[] = [];
  // Records whose DELETE an import step saw accepted: checked by this step's walk, not asked again.
  const askedBefore: RecordRef[] = [];
  let records = 0;
  for await (const chunk of deps.runs.chunkStates(runId, manifest.chunkCount)) {
    countChunk(counts, chunk);
    for (const device of chunk.devices) {
      if (!device.recordId || device.recordDeleted) continue;
      records++;
      if (device.recordDeleteAsked) {
        if (askedBefore.length < MAX_CONFIRMS) askedBefore.push(refOf(chunk, device));
      } else if (batch.length < limit) batch.push(refOf(chunk, device));
    }
    for (const recordId of chunk.strayRecordIds ?? []) {
      records++;
      if (batch.length < limit) batch.push({ chunk: chunk.index, line: STRAY, recordId });
    }
  }
  if (records === 0) return { next: 'done', counts, recordsLeft: 0, note: 'import records deleted' };

  const { asked, failed } = await deleteRecords(deps, runId, batch);
  const deleted = await confirmGone(deps, runId, [...asked, ...askedBefore]);
  // Then only the chunks whose records went, or whose asked ones are still listed (asked again next
  // step: the service accepted a DELETE it did not carry out): read again, marked, written.
  const gone = new Set(deleted.map((r) => r.recordId));
  const stillThere = refsByChunk(askedBefore.filter((r) => !gone.has(r.recordId)));
  const byChunk = refsByChunk(deleted.filter((r) => r.line !== STRAY));
  const strays = new Set(deleted.filter((r) => r.line === STRAY).map((r) => r.recordId));
  const touched = new Set([...byChunk.keys(), ...stillThere.keys(), ...deleted.filter((r) => r.line === STRAY).map((r) => r.chunk)]);
  for await (const chunk of deps.runs.chunkStatesAt(runId, sortedChunks(touched))) {
    const lines = byChunk.get(chunk.index);
    const again = stillThere.get(chunk.index);
    for (const device of chunk.devices) {
      if (matches(lines?.get(device.line), device)) device.recordDeleted = true;
      if (matches(again?.get(device.line), device)) device.recordDeleteAsked = undefined;
    }
    if (chunk.strayRecordIds) chunk.strayRecordIds = chunk.strayRecordIds.filter((id) => !strays.has(id));
    await deps.runs.writeChunkState(runId, chunk);
  }

  const recordsLeft = records - deleted.length;
  if (recordsLeft === 0) return { next: 'done', counts, recordsLeft, note: 'import records deleted' };
  if (deleted.length > 0) return { next: 'now', counts, recordsLeft, note: `deleting import records: ${recordsLeft} left` };
  // Nothing could be deleted this time. Keep trying at the polling pace for as long as an import
  // may take; after that the records are left (the report is written; they are listed in the log).
  const giveUp = Date.parse(now) >= minutesAfter(input.phaseStartedAt, input.settings.deadlines.importMinutes);
  if (giveUp) deps.log(`run ${runId}: ${recordsLeft} import records could not be deleted (${failed} refused this step); leaving them`);
  return {
    next: giveUp ? 'done' : 'wait',
    counts,
    recordsLeft,
    note: giveUp ? `${recordsLeft} import records could not be deleted` : `deleting import records failed; ${recordsLeft} left, will retry`,
  };
}
