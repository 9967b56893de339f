/**
 * One bounded step of the import phase: send the chunks not yet sent (one `import` call each),
 * poll the run's own import records (by id, in $batch round trips) and settle their outcome; while
 * polling, delete records settled earlier. Called repeatedly by the orchestration with timers in
 * between until every device's import outcome is known; the remaining deletes follow the report.
 *
 * Idempotent by construction: state is re-read at the start and written after every change, a
 * chunk is marked 'sending' before its import call, and deletes treat 404 as done.
 */
import { z } from 'zod';
import type { StepInput, StepResult } from '../contracts';
import type { GraphGateway } from '../graph/gateway';
import { GraphContractError, GraphTransientError } from '../graph/errors';
import { registeredSerial, serialSearchTerm } from './serials';
import { countChunk, countRun, minutesAfter } from './counts';
import { mapImportOutcome } from './import-outcomes';
import type { ChunkState, DeviceState, ImportDevice } from './model';
import type { RunStore } from './run-store';
import { deleteRecords, matches, refOf, refsByChunk, sortedChunks, type RecordRef } from './record-refs';

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

const ImportRecord = z.object({
  id: z.string(),
  serialNumber: z.string().nullish(),
  state: z
    .object({
      deviceImportStatus: z.string(),
      deviceRegistrationId: z.string().nullish(),
      deviceErrorCode: z.number().nullish(),
      deviceErrorName: z.string().nullish(),
    })
    .nullish(),
});
type ImportRecord = z.infer<typeof ImportRecord>;
const ImportResponse = z.object({ value: z.array(ImportRecord) });

const IN_PROGRESS = new Set(['unknown', 'pending', 'partial']);

function importBody(importId: string, devices: ImportDevice[]) {
  return {
    importedWindowsAutopilotDeviceIdentities: devices.map((d) => ({
      '@odata.type': '#microsoft.graph.importedWindowsAutopilotDeviceIdentity',
      serialNumber: d.serialNumber,
      hardwareIdentifier: d.hardwareHash,
      productKey: d.productKey ?? '',
      groupTag: d.groupTag ?? '',
      assignedUserPrincipalName: d.assignedUser ?? '',
      importId,
    })),
  };
}

function fail(device: DeviceState, now: string, stage: DeviceState['stage'], code: string, message: string, remediation: string): void {
  device.result = 'failed';
  device.failure = { stage, code, message, remediation };
  device.at.finished = now;
}

/**
 * Sends the chunk's devices that are not sent yet. The chunk is marked 'sending' first: found so
 * on a later attempt, the call's fate is unknown (the host died, or the call failed in a way that
 * may have reached Intune) and the chunk goes through resolveInDoubt instead of a blind re-send.
 */
async function sendChunk(deps: ImportStepDeps, runId: string, chunk: ChunkState, now: string): Promise<void> {
  const input = await deps.runs.readChunkInput(runId, chunk.index);
  if (!input) throw new Error(`run ${runId}: input of chunk ${chunk.index} is missing`);
  const toSend = chunk.devices.filter((d) => d.importStatus === 'not-sent' && !d.result);
  const byLine = new Map(input.map((d) => [d.line, d]));
  const devices = toSend.map((d) => byLine.get(d.line)!);
  chunk.status = 'sending';
  chunk.attempts += 1;
  await deps.runs.writeChunkState(runId, chunk);

  let result;
  try {
    result = await deps.graph.send({ op: 'importDevices', body: importBody(chunk.importId, devices) }, { noClientRetry: true });
  } catch (error) {
    if (error instanceof GraphTransientError && error.status !== 0) {
      // The service answered with an error (throttled, 5xx): Graph does not apply a failed action,
      // so the chunk is sent again as new. Only a call that got no answer at all (status 0: the
      // connection broke) or a crash stays in doubt.
      chunk.status = 'new';
      await deps.runs.writeChunkState(runId, chunk);
    }
    throw error;
  }
  if (!result.ok) {
    // A permanent rejection of the whole call (400 for a malformed body, 403 for a missing
    // permission): every device of the call fails with the service's answer, nothing is lost.
    for (const d of toSend) {
      fail(d, now, 'import', `HTTP${result.status}:${result.code}`, `Intune rejected the import call: ${result.code}`, result.status === 403
        ? 'Grant the app DeviceManagementServiceConfig.ReadWrite.All (docs/PERMISSIONS.md) and drop the file again.'
        : 'Check the rows of this device against the report; fix and drop them again.');
      d.importStatus = 'error';
    }
    chunk.status = 'sent';
    await deps.runs.writeChunkState(runId, chunk);
    return;
  }
  const parsed = ImportResponse.safeParse(result.body);
  if (!parsed.success) throw new GraphContractError('import: response is not a collection of imported records');
  const bySerial = new Map<string, ImportRecord[]>();
  for (const record of parsed.data.value) {
    const key = (record.serialNumber ?? '').toLowerCase();
    bySerial.set(key, [...(bySerial.get(key) ?? []), record]);
  }
  toSend.forEach((d, i) => {
    const record = bySerial.get(d.serialNumber.toLowerCase())?.shift() ?? parsed.data.value[i];
    if (!record) {
      fail(d, now, 'import', 'NoImportRecord', 'Intune returned no import record for this device.', 'Drop the row again.');
      d.importStatus = 'error';
      return;
    }
    d.recordId = record.id;
    d.importStatus = 'pending';
    d.at.importSent = now;
  });
  chunk.status = 'sent';
  chunk.inDoubtSince = undefined;
  await deps.runs.writeChunkState(runId, chunk);
}

/**
 * A chunk left 'sending' (the host died during the call, or the connection broke): its import call
 * may have registered the devices, and the answer (the record ids) is lost. Records can only be found by reading the whole collection — other runs' and
 * other tools' records — which this app never does. Instead look for the devices themselves: those
 * already in Autopilot were imported by the lost call and carry on as imported; the rest are sent
 * again once a grace period has shown the call did not register them. This keeps a crash from
 * importing a device twice. What is left behind: the lost call's import records (never deleted);
 * and a device that was registered before the run is reported as imported by it (it cannot be told
 * apart from one the lost call registered without an extra lookup before every import).
 */
async function resolveInDoubt(deps: ImportStepDeps, runId: string, chunk: ChunkState, input: StepInput): Promise<void> {
  const { now, settings } = input;
  if (chunk.status === 'sending') {
    deps.log(`run ${runId}: chunk ${chunk.index} was in flight when a previous attempt stopped; looking for its devices before sending again`);
    chunk.inDoubtSince = now;
    for (const d of chunk.devices) if (d.importStatus === 'not-sent') d.importInDoubt = true;
  }
  const open = chunk.devices.filter((d) => d.importStatus === 'not-sent' && !d.result);
  const results = await deps.graph.batch(
    open.map((d) => ({ op: 'listAutopilotDevices' as const, query: { filter: `contains(serialNumber,'${serialSearchTerm(registeredSerial(d))}')` } })),
  );
  results.forEach((result, i) => {
    const d = open[i]!;
    if (!result.ok) return;
    const page = z.object({ value: z.array(z.object({ id: z.string(), serialNumber: z.string().nullish() }).passthrough()) }).safeParse(result.body);
    if (!page.success) throw new GraphContractError('windowsAutopilotDeviceIdentities: unexpected shape');
    const match = page.data.value.find((a) => (a.serialNumber ?? '').toLowerCase() === registeredSerial(d).toLowerCase());
    if (match) {
      d.importStatus = 'complete';
      d.ztdId = match.id;
      d.at.imported = now;
      d.stage = 'registration';
    }
  });
  const graceMs = Math.min(settings.deadlines.importMinutes * 30_000, settings.poll.maxSeconds * 4_000);
  const stillOpen = chunk.devices.some((d) => d.importStatus === 'not-sent' && !d.result);
  if (!stillOpen) {
    chunk.status = 'sent';
    chunk.inDoubtSince = undefined;
    await deps.runs.writeChunkState(runId, chunk);
  } else if (Date.parse(now) - Date.parse(chunk.inDoubtSince ?? now) >= graceMs) {
    await sendChunk(deps, runId, chunk, now);
  } else {
    chunk.status = 'in-doubt';
    await deps.runs.writeChunkState(runId, chunk);
  }
}

function settle(device: DeviceState, record: ImportRecord, now: string): boolean {
  const status = record.state?.deviceImportStatus ?? 'unknown';
  if (IN_PROGRESS.has(status)) return false;
  const code = record.state?.deviceErrorCode ?? undefined;
  const name = record.state?.deviceErrorName ?? undefined;
  const outcome = mapImportOutcome(status, code, name);
  device.importErrorCode = code && code !== 0 ? code : undefined;
  device.importErrorName = name && name !== 'None' ? name : undefined;
  if (outcome.kind === 'imported') {
    device.importStatus = 'complete';
    device.ztdId = record.state?.deviceRegistrationId || undefined;
    device.at.imported = now;
    device.stage = 'registration';
  } else if (outcome.kind === 'already-registered') {
    device.importStatus = 'error';
    device.alreadyRegistered = true;
    device.at.imported = now;
    device.stage = 'registration';
  } else {
    device.importStatus = 'error';
    fail(device, now, 'import', outcome.code, outcome.message, outcome.remediation);
  }
  return true;
}

export async function runImportStep(deps: ImportStepDeps, input: StepInput): Promise<StepResult> {
  const { runId, now } = input;
  const manifest = await deps.runs.readManifest(runId);
  if (!manifest) throw new Error(`run ${runId}: no manifest; the parse step has not completed`);
  const deadline = minutesAfter(input.phaseStartedAt, input.settings.deadlines.importMinutes);
  const pastDeadline = Date.parse(now) >= deadline;
  const maxPolls = deps.maxPollsPerStep ?? 2000;

  // Pass 1, a few chunks at a time (a run has as many chunk states as its file has hundreds of
  // devices): send the chunks not sent yet, count, and note the ids of the records to poll and of
  // those settled by earlier steps. Only these ids outlive the chunk.
  let calls = deps.maxImportCallsPerStep ?? 50;
  const counts = countRun(manifest, []);
  const toPoll: RecordRef[] = [];
  const settledBefore: RecordRef[] = [];
  const withPending: number[] = [];
  let polls = 0;
  let pendingDevices = 0;
  let allSent = true;
  let anyNew = false;
  for await (const chunk of deps.runs.chunkStates(runId, manifest.chunkCount)) {
    if (chunk.status !== 'sent' && calls > 0) {
      if (chunk.status === 'new') await sendChunk(deps, runId, chunk, now);
      else await resolveInDoubt(deps, runId, chunk, input);
      calls--;
    }
    allSent &&= chunk.status === 'sent';
    anyNew ||= chunk.status === 'new';
    const pending = pendingIn(chunk);
    pendingDevices += pending;
    if (pending > 0) withPending.push(chunk.index);
    for (const device of chunk.devices) {
      if (!device.recordId) continue;
      if (device.importStatus === 'pending') {
        polls++;
        if (toPoll.length < maxPolls) toPoll.push(refOf(chunk, device));
        // Deletes alongside the polls are paced writes (5 $batch per 20 s) racing reads: they never
        // get through more records than the polls do, so as many candidates as polls are enough.
      } else if (!device.recordDeleted && settledBefore.length < maxPolls) {
        settledBefore.push(refOf(chunk, device));
      }
    }
    countChunk(counts, chunk);
  }

  // Poll the run's own pending records, by id (one $batch for all, so round trips are packed
  // across chunks). Alongside the polls, delete records settled by earlier steps (their outcome is
  // persisted): the write budget is idle while the step reads, and what is not deleted here is
  // deleted after the report (cleanup-step.ts).
  const polled: { ref: RecordRef; record: ImportRecord | undefined }[] = [];
  let pollsDone = false;
  const polling = (async () => {
    if (toPoll.length === 0) return;
    const results = await deps.graph.batch(toPoll.map(({ recordId }) => ({ op: 'getImportedDevice', params: { id: recordId } })));
    results.forEach((result, i) => {
      const ref = toPoll[i]!;
      if (result.ok) {
        const record = ImportRecord.safeParse(result.body);
        if (!record.success) throw new GraphContractError('imported record: unexpected shape');
        polled.push({ ref, record: record.data });
      } else if (result.status === 404) {
        polled.push({ ref, record: undefined });
      }
    });
  })().finally(() => {
    pollsDone = true;
  });
  const deleted: RecordRef[] = [];
  const deleting = (async () => {
    for (let i = 0; toPoll.length > 0 && !pollsDone && i < settledBefore.length; i += DELETE_SLICE) {
      deleted.push(...(await deleteRecords(deps, runId, settledBefore.slice(i, i + DELETE_SLICE))).deleted);
    }
  })();
  const [pollOutcome, deleteOutcome] = await Promise.allSettled([polling, deleting]);
  const failed = pollOutcome.status === 'rejected' || deleteOutcome.status === 'rejected';

  // Pass 2, over the chunks with news only: settle, mark deleted, time out; persist each window.
  // Whatever happened, record what is known before failing the step (a deleted record stays
  // deleted; a 404 on the next attempt would otherwise be taken for a lost import).
  const outcomes = refsByChunk(polled.map(({ ref, record }) => ({ ...ref, record })));
  const deletions = refsByChunk(deleted);
  const revisit = new Set([...outcomes.keys(), ...deletions.keys(), ...(pastDeadline && !failed ? withPending : [])]);
  for await (const chunk of deps.runs.chunkStatesAt(runId, sortedChunks(revisit))) {
    countChunk(counts, chunk, -1);
    pendingDevices -= pendingIn(chunk);
    let changed = false;
    for (const device of chunk.devices) {
      const outcome = outcomes.get(chunk.index)?.get(device.line);
      if (matches(outcome, device) && device.importStatus === 'pending') {
        if (outcome!.record) {
          changed = settle(device, outcome!.record, now) || changed;
        } else {
          device.importStatus = 'error';
          device.recordDeleted = true;
          fail(device, now, 'import', 'ImportRecordMissing', 'The import record disappeared before it finished (deleted by another tool?).', 'Drop the row again.');
          changed = true;
        }
      }
      if (matches(deletions.get(chunk.index)?.get(device.line), device)) {
        device.recordDeleted = true;
        changed = true;
      }
      if (pastDeadline && !failed && device.importStatus === 'pending') {
        device.importStatus = 'timed-out';
        fail(device, now, 'import', 'ImportTimeout', `The import did not finish within ${input.settings.deadlines.importMinutes} minutes.`, 'Check the device in Intune later; drop the row again if it is not there.');
        changed = true;
      }
    }
    if (changed) await deps.runs.writeChunkState(runId, chunk);
    countChunk(counts, chunk);
    pendingDevices += pendingIn(chunk);
  }
  if (pollOutcome.status === 'rejected') throw pollOutcome.reason;
  if (deleteOutcome.status === 'rejected') throw deleteOutcome.reason;

  // Import records left undeleted do not hold the report back: they are deleted after it.
  const done = allSent && pendingDevices === 0;
  // (an in-doubt chunk waits for its grace period at the normal polling pace)
  const moreWork = !done && (polls > toPoll.length || anyNew);
  return { done, moreWork, counts };
}

function pendingIn(chunk: ChunkState): number {
  return chunk.devices.filter((d) => d.importStatus === 'pending').length;
}
