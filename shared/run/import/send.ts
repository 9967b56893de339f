/**
 * Sending a chunk's devices with one `import` call, and recovering a call whose answer was lost.
 *
 * The chunk is written as 'sending' before the call. A call that fails in a way that may have
 * reached the service — the host died, the connection broke, a 5xx (a gateway timeout can follow a
 * processed request; Graph documents no "not applied" guarantee) — leaves it so: the next attempt
 * finds it 'sending' and resolves the doubt before anything is sent again. Only a 429 (throttled
 * requests are not processed) or a 401/403 (refused) puts the chunk back to 'new'.
 *
 * Resolving the doubt: the import records a processed call created exist as soon as it answers, so
 * the records tagged with the chunk's importId are looked for in the tenant's list. A device with
 * a record is adopted and polled like any other (its record says whether this run imported it or it
 * was already registered: 806). A device without one that is already in Autopilot was registered
 * before this run. The rest were never received and are sent again, once a polling interval has
 * let the list catch up. Records are matched to devices by serial number or hash, never by position.
 */
import { findAutopilotBySerial, importDevices, type ImportRecord } from '../../graph/autopilot-api';
import { GraphPermanentError, GraphTransientError } from '../../graph/errors';
import type { GraphGateway } from '../../graph/gateway';
import { failImport, markAlreadyRegistered } from './settle';
import type { ChunkState, DeviceState, ImportDevice } from '../model';
import type { RunStore } from '../run-store';
import { registeredSerial } from '../serials';

export interface SendDeps {
  graph: GraphGateway;
  runs: RunStore;
  log: (message: string) => void;
}

/** The import records of this run's chunks, read once per step when the first chunk in doubt needs them. */
export type RunRecords = () => Promise<Map<string, ImportRecord[]>>;

function open(d: DeviceState): boolean {
  return d.importStatus === 'not-sent' && !d.result;
}

const norm = (value: string | null | undefined) => (value ?? '').trim().toLowerCase();
const normHash = (value: string | null | undefined) =>
  (value ?? '').replace(/\s+/g, '').replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '');

/**
 * Pairs records with devices: by the serial the device was sent with (or the one inside its hash),
 * then by hardware hash. What is left over on either side is returned as such.
 */
function match(devices: DeviceState[], inputs: Map<number, ImportDevice>, records: readonly ImportRecord[]) {
  const pairs: { device: DeviceState; record: ImportRecord }[] = [];
  const unused = [...records];
  const take = (test: (r: ImportRecord) => boolean): ImportRecord | undefined => {
    const i = unused.findIndex(test);
    return i < 0 ? undefined : unused.splice(i, 1)[0];
  };
  const unmatched: DeviceState[] = [];
  for (const device of devices) {
    const hash = normHash(inputs.get(device.line)?.hardwareHash);
    const record =
      take((r) => norm(r.serialNumber) === norm(device.serialNumber)) ??
      take((r) => norm(r.serialNumber) === norm(registeredSerial(device))) ??
      (hash ? take((r) => normHash(r.hardwareIdentifier) === hash) : undefined);
    if (record) pairs.push({ device, record });
    else unmatched.push(device);
  }
  return { pairs, unmatched, leftover: unused };
}

function adopt(device: DeviceState, record: ImportRecord, now: string): void {
  device.recordId = record.id;
  device.importStatus = 'pending';
  device.at.importSent = now;
}

/** Sends the chunk's devices not sent yet, in one call. */
export async function sendChunk(deps: SendDeps, runId: string, chunk: ChunkState, now: string): Promise<void> {
  const input = await deps.runs.readChunkInput(runId, chunk.index);
  if (!input) throw new Error(`run ${runId}: input of chunk ${chunk.index} is missing`);
  const inputs = new Map(input.map((d) => [d.line, d]));
  const toSend = chunk.devices.filter(open);
  chunk.status = 'sending';
  chunk.attempts += 1;
  await deps.runs.writeChunkState(runId, chunk);

  let answer;
  try {
    answer = await importDevices(
      deps.graph,
      chunk.importId,
      toSend.map((d) => inputs.get(d.line)!),
    );
  } catch (error) {
    if ((error instanceof GraphTransientError && error.status === 429) || error instanceof GraphPermanentError) {
      chunk.status = 'new';
      await deps.runs.writeChunkState(runId, chunk);
    }
    throw error;
  }
  if (!answer.ok) {
    // The service refused the whole call (400 for a body it cannot read): every device of the call
    // fails with its answer; nothing was imported and nothing is lost.
    for (const d of toSend) {
      failImport(
        d,
        now,
        `HTTP${answer.status}:${answer.code}`,
        `Intune rejected the import call: ${answer.code}`,
        'Check the rows of this device against the report; fix and drop them again.',
      );
    }
    chunk.status = 'sent';
    await deps.runs.writeChunkState(runId, chunk);
    return;
  }
  const { pairs, unmatched, leftover } = match(toSend, inputs, answer.records);
  for (const { device, record } of pairs) adopt(device, record, now);
  if (leftover.length > 0) chunk.strayRecordIds = [...(chunk.strayRecordIds ?? []), ...leftover.map((r) => r.id)];
  if (unmatched.length > 0) {
    // The answer lacks a record for some devices: look for them like after a lost answer.
    deps.log(`run ${runId}: the import answer of chunk ${chunk.index} has no record for ${unmatched.length} device(s); looking for them`);
    for (const d of unmatched) d.importInDoubt = true;
    chunk.status = 'in-doubt';
    chunk.inDoubtSince = now;
  } else {
    chunk.status = 'sent';
    chunk.inDoubtSince = undefined;
  }
  await deps.runs.writeChunkState(runId, chunk);
}

export interface DoubtSettings {
  /** How long after the doubt arose the devices still unaccounted for are sent again. */
  graceMs: number;
}

/** A chunk whose import call's fate is unknown: account for every device before sending any again. */
export async function resolveInDoubt(
  deps: SendDeps,
  runId: string,
  chunk: ChunkState,
  now: string,
  records: RunRecords,
  settings: DoubtSettings,
): Promise<void> {
  if (chunk.status === 'sending') {
    deps.log(
      `run ${runId}: chunk ${chunk.index} was in flight when a previous attempt stopped; looking for its import records before sending again`,
    );
    chunk.inDoubtSince = now;
    for (const d of chunk.devices) if (open(d)) d.importInDoubt = true;
  }
  const waiting = chunk.devices.filter(open);
  if (waiting.length > 0) {
    const input = await deps.runs.readChunkInput(runId, chunk.index);
    if (!input) throw new Error(`run ${runId}: input of chunk ${chunk.index} is missing`);
    const known = new Set([...chunk.devices.map((d) => d.recordId), ...(chunk.strayRecordIds ?? [])]);
    const candidates = ((await records()).get(chunk.importId) ?? []).filter((r) => !known.has(r.id));
    const { pairs, unmatched, leftover } = match(waiting, new Map(input.map((d) => [d.line, d])), candidates);
    for (const { device, record } of pairs) adopt(device, record, now);
    if (leftover.length > 0) chunk.strayRecordIds = [...(chunk.strayRecordIds ?? []), ...leftover.map((r) => r.id)];
    if (unmatched.length > 0) {
      // No record: the lost call never reached the service for these devices. One already in
      // Autopilot was registered before this run, by someone else.
      const registered = await findAutopilotBySerial(deps.graph, unmatched.map(registeredSerial));
      for (const d of unmatched) {
        const found = registered.get(registeredSerial(d));
        if (found) markAlreadyRegistered(d, now, found.id);
      }
    }
  }
  if (!chunk.devices.some(open)) {
    chunk.status = 'sent';
    chunk.inDoubtSince = undefined;
    await deps.runs.writeChunkState(runId, chunk);
  } else if (Date.parse(now) - Date.parse(chunk.inDoubtSince ?? now) >= settings.graceMs) {
    await sendChunk(deps, runId, chunk, now);
  } else {
    chunk.status = 'in-doubt';
    await deps.runs.writeChunkState(runId, chunk);
  }
}
