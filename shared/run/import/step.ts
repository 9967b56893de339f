/**
 * One bounded step of the import phase: send the chunks not yet sent (one `import` call each,
 * import-send.ts), poll the run's own import records (by id, in $batch round trips) and settle
 * their outcome (import-settle.ts); while polling, delete records settled earlier. Called
 * repeatedly by the orchestration with timers in between until every device's import outcome is
 * known; the remaining deletes follow the report.
 *
 * Idempotent by construction: state is re-read at the start and written after every change, a
 * chunk is marked 'sending' before its import call, and a record counts as deleted only once a read
 * no longer finds it (the cleanup's, for the deletes asked here). A step reads only the chunks with work left: the import index
 * (import-index.ts, written after the states) says which are settled.
 */
import type { StepInput, StepResult } from '../../contracts/index';
import { findImportRecords, getImportRecords, type ImportRecord } from '../../graph/autopilot-api';
import type { GraphGateway } from '../../graph/gateway';
import { emptyCounts, type StageCounts } from '../../contracts';
import { countChunk, countRun, minutesAfter } from '../counts';
import { resolveInDoubt, sendChunk, type RunRecords } from './send';
import { recordVanished, settleImport, timeOutImport } from './settle';
import type { ChunkState } from '../model';
import { addEntryCounts, emptyImportIndex, entryOf, noteChunk, type ImportIndex, type IndexEntry } from './import-index';
import { deleteRecords, matches, refOf, refsByChunk, sortedChunks, type RecordRef } from './record-refs';
import type { RunStore } from '../run-store';

export interface ImportStepDeps {
  graph: GraphGateway;
  runs: RunStore;
  log: (message: string) => void;
  /** Import calls per step: the Intune per-app write budget is 100 per 20 s. */
  maxImportCallsPerStep?: number;
  /** Records polled per step (each is one operation inside a $batch). */
  maxPollsPerStep?: number;
}

/** Deletes sent alongside the polls go in slices of one write $batch, so they stop soon after the polls. */
const DELETE_SLICE = 19;

export async function runImportStep(deps: ImportStepDeps, input: StepInput): Promise<StepResult> {
  const { runId, now } = input;
  const manifest = await deps.runs.readManifest(runId);
  if (!manifest) throw new Error(`run ${runId}: no manifest; the parse step has not completed`);
  const deadline = minutesAfter(input.phaseStartedAt, input.settings.deadlines.importMinutes);
  const pastDeadline = Date.parse(now) >= deadline;
  const maxPolls = deps.maxPollsPerStep ?? 2000;
  // A chunk in doubt looks for its records in the tenant's list: read once per step, for every chunk of the run.
  let runRecords: Promise<Map<string, ImportRecord[]>> | undefined;
  const records: RunRecords = () => (runRecords ??= recordsOfRun(deps.graph, runId));
  // One polling interval lets the tenant's list show the records a processed call created.
  const doubt = { graceMs: input.settings.poll.maxSeconds * 1000 };

  // Pass 1, a few chunks at a time: send the chunks not sent yet, and note the ids of the records
  // to poll and of those settled by earlier steps (only these ids outlive the chunk). Of the sent
  // chunks, the index (import-index.ts) says which have work: as many with pending devices are read
  // as one step polls, and as many with records left as its deletes can use.
  const index = (await deps.runs.readImportIndex(runId)) ?? emptyImportIndex();
  const entries = Array.from({ length: manifest.chunkCount }, (_, k) => entryOf(index, k));
  let calls = deps.maxImportCallsPerStep ?? 50;
  const toPoll: RecordRef[] = [];
  const settledBefore: RecordRef[] = [];
  /** Chunks read that are not sent (yet): the index has no entry for them. */
  const unsent = new Map<number, { counts: StageCounts; pending: number }>();
  let indexChanged = false;
  let polls = 0;
  let allSent = true;
  let anyNew = false;
  const note = (chunk: ChunkState) => {
    if (chunk.status === 'sent') {
      indexChanged = noteChunk(index, chunk) || indexChanged;
      unsent.delete(chunk.index);
    } else {
      const counts = emptyCounts();
      countChunk(counts, chunk);
      unsent.set(chunk.index, { counts, pending: pendingIn(chunk) });
    }
  };
  const visit = (chunk: ChunkState) => {
    allSent &&= chunk.status === 'sent';
    anyNew ||= chunk.status === 'new';
    for (const device of chunk.devices) {
      if (!device.recordId) continue;
      if (device.importStatus === 'pending') {
        polls++;
        if (toPoll.length < maxPolls) toPoll.push(refOf(chunk, device));
        // Deletes alongside the polls are paced writes (5 $batch per 20 s) racing reads: they never
        // get through more records than the polls do, so as many candidates as polls are enough.
      } else if (!device.recordDeleted && !device.recordDeleteAsked && settledBefore.length < maxPolls) {
        settledBefore.push(refOf(chunk, device));
      }
    }
    note(chunk);
  };
  const notSent = entries.flatMap((e, k) => (e ? [] : [k]));
  for await (const chunk of deps.runs.chunkStatesAt(runId, notSent)) {
    if (chunk.status !== 'sent' && calls > 0) {
      if (chunk.status === 'new') await sendChunk(deps, runId, chunk, now);
      else await resolveInDoubt(deps, runId, chunk, now, records, doubt);
      calls--;
    }
    visit(chunk);
  }
  const polling = upTo(entries, maxPolls - toPoll.length, (e) => e.pending);
  for await (const chunk of deps.runs.chunkStatesAt(runId, polling.read)) visit(chunk);
  polls += polling.notRead;
  if (toPoll.length > 0) {
    const deleting = upTo(entries, maxPolls - settledBefore.length, (e) => (e.pending > 0 ? 0 : e.undeleted));
    for await (const chunk of deps.runs.chunkStatesAt(runId, deleting.read)) visit(chunk);
  }

  // Poll the run's own pending records, by id (one $batch for all, so round trips are packed
  // across chunks). Alongside the polls, ask for the records settled by earlier steps to be deleted
  // (their outcome is persisted): the write budget is idle while the step reads. The cleanup after
  // the report deletes the rest and confirms these (cleanup-step.ts).
  const { polled, asked, failure } = await pollWhileDeleting(deps, runId, toPoll, settledBefore);

  // Pass 2, over the chunks with news only: settle, mark deletes asked, time out; persist each
  // window. Whatever happened, record what is known before failing the step (a record asked to go
  // is not asked again; its device is settled, so it is never polled and its 404 never taken for a
  // lost import).
  const outcomes = refsByChunk(polled);
  const deletions = refsByChunk(asked);
  const withPending = pastDeadline && !failure ? chunksWithPending(index, unsent, manifest.chunkCount) : [];
  const revisit = new Set([...outcomes.keys(), ...deletions.keys(), ...withPending]);
  for await (const chunk of deps.runs.chunkStatesAt(runId, sortedChunks(revisit))) {
    let changed = false;
    for (const device of chunk.devices) {
      const outcome = outcomes.get(chunk.index)?.get(device.line);
      if (matches(outcome, device) && device.importStatus === 'pending') {
        if (outcome!.record) changed = settleImport(device, outcome!.record, now) || changed;
        else {
          recordVanished(device, now);
          changed = true;
        }
      }
      if (matches(deletions.get(chunk.index)?.get(device.line), device)) {
        device.recordDeleteAsked = true;
        changed = true;
      }
      if (pastDeadline && !failure && device.importStatus === 'pending') {
        timeOutImport(device, now, input.settings.deadlines.importMinutes);
        changed = true;
      }
    }
    if (changed) await deps.runs.writeChunkState(runId, chunk);
    note(chunk);
  }
  // After the chunk states it describes, and before a failure is thrown: what is written is known.
  if (indexChanged) await deps.runs.writeImportIndex(runId, index);
  if (failure) throw failure.reason;

  // The counts and what is pending: the index for the sent chunks, the states read for the others.
  const counts = countRun(manifest);
  let pendingDevices = 0;
  for (let k = 0; k < manifest.chunkCount; k++) {
    const entry = entryOf(index, k);
    if (entry) {
      addEntryCounts(counts, entry);
      pendingDevices += entry.pending;
    }
  }
  for (const chunk of unsent.values()) {
    addCounts(counts, chunk.counts);
    pendingDevices += chunk.pending;
  }

  // Import records left undeleted do not hold the report back: they are deleted after it.
  if (allSent && pendingDevices === 0) return { next: 'done', counts };
  // More to send or poll than one step takes: go on at once. (A chunk in doubt waits for its grace
  // period at the polling pace.)
  return { next: polls > toPoll.length || anyNew ? 'now' : 'wait', counts };
}

/** The import records of every chunk of the run (importId `{runId}-c{k}`), by importId. */
async function recordsOfRun(graph: GraphGateway, runId: string): Promise<Map<string, ImportRecord[]>> {
  const byImportId = new Map<string, ImportRecord[]>();
  for (const r of await findImportRecords(graph, (importId) => importId.startsWith(`${runId}-c`))) {
    byImportId.set(r.importId!, [...(byImportId.get(r.importId!) ?? []), r]);
  }
  return byImportId;
}

/**
 * Polls the pending records while deleting, in slices, records settled by earlier steps; the
 * deletes stop once the polls are answered. Both run to the end even if one fails, so what the
 * other learned is still recorded; the first failure is returned for the caller to throw after.
 */
async function pollWhileDeleting(deps: ImportStepDeps, runId: string, toPoll: RecordRef[], settledBefore: RecordRef[]) {
  const polled: (RecordRef & { record: ImportRecord | undefined })[] = [];
  let pollsDone = false;
  const polling = (async () => {
    if (toPoll.length === 0) return;
    const found = await getImportRecords(
      deps.graph,
      toPoll.map((r) => r.recordId),
    );
    for (const ref of toPoll) if (found.has(ref.recordId)) polled.push({ ...ref, record: found.get(ref.recordId) });
  })().finally(() => {
    pollsDone = true;
  });
  // Asked, not confirmed: a deletion counts once the import list no longer holds the record, and
  // the cleanup's walk of that list confirms every record asked during the import at once (a walk
  // per step cost ~90 pages at 100,000 devices to confirm a few hundred deletes).
  const asked: RecordRef[] = [];
  const deleting = (async () => {
    for (let i = 0; toPoll.length > 0 && !pollsDone && i < settledBefore.length; i += DELETE_SLICE) {
      asked.push(...(await deleteRecords(deps, runId, settledBefore.slice(i, i + DELETE_SLICE))).asked);
    }
  })();
  const outcomes = await Promise.allSettled([polling, deleting]);
  const failure = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  return { polled, asked, failure };
}

/**
 * The sent chunks, in order, whose `amount` (by their index entries) adds up to `wanted`: the ones
 * a step reads. What the chunks left unread hold is returned too.
 */
function upTo(entries: readonly (IndexEntry | undefined)[], wanted: number, amount: (e: IndexEntry) => number) {
  const read: number[] = [];
  let taken = 0;
  let notRead = 0;
  entries.forEach((entry, k) => {
    const n = entry ? amount(entry) : 0;
    if (n === 0) return;
    if (taken < wanted) {
      read.push(k);
      taken += n;
    } else notRead += n;
  });
  return { read, notRead };
}

/** Every chunk with a device still pending, by the index and the unsent chunks read. */
function chunksWithPending(index: ImportIndex, unsent: ReadonlyMap<number, { pending: number }>, chunkCount: number): number[] {
  const out: number[] = [];
  for (let k = 0; k < chunkCount; k++) if ((entryOf(index, k)?.pending ?? unsent.get(k)?.pending ?? 0) > 0) out.push(k);
  return out;
}

function addCounts(counts: StageCounts, more: StageCounts): void {
  for (const field of Object.keys(more) as (keyof StageCounts)[]) counts[field] += more[field];
}

function pendingIn(chunk: ChunkState): number {
  return chunk.devices.filter((d) => d.importStatus === 'pending').length;
}
