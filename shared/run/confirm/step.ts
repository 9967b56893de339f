/**
 * One bounded step of the confirm phase: for every device still in flight, the stages of
 * confirm-stages.ts in order (registration → group → profile → ESP), each with its own deadline.
 *
 * This file is the driver: it reads what the stages need, in bulk, and writes the devices back.
 * Reads are bulk where the service allows: one $batch GET per 20 devices, one paged member list per
 * group (or, with few devices in flight, one membership check per device for all the groups a stage
 * needs), one ESP list per step — never one call per device per group. The lists are as large as the
 * tenant, so they are walked page by page keeping only this run's devices. The run's chunk states
 * are gone through a few at a time, twice: a first pass (the survey) collects the ids the reads
 * need, a second takes each device through its stages and writes each chunk back before reading
 * further ones. A list is read only when the first device that needs it comes up.
 */
import type { StepInput, StepResult } from '../../contracts/index';
import { findAutopilotBySerial, getAutopilotDevices, readAutopilotDevices, type RegistrationFacts } from '../../graph/autopilot-api';
import type { GraphGateway } from '../../graph/gateway';
import { GuidSet } from '../../graph/guid-table';
import type { ObjectStore } from '../../storage/object-store';
import { espStage, groupStage, profileStage, registrationStage, type StageContext } from './stages';
import { countChunk, countRun } from '../counts';
import type { ChunkState, DeviceState } from '../model';
import type { RunStore } from '../run-store';
import { registeredSerial } from '../serials';
import { ensureSync } from './sync-gate';
import { tenantReads, type Found } from './tenant-reads';

export interface ConfirmStepDeps {
  graph: GraphGateway;
  runs: RunStore;
  objects: ObjectStore;
  log: (message: string) => void;
}

/**
 * Above this many devices to look up in one step, one paged list of the tenant's Autopilot devices
 * (1,000 per page) is cheaper than a GET per device (20 per $batch round trip) — in operations
 * always, in round trips for any tenant under 20 × this many devices.
 */
export const BULK_LOOKUP_THRESHOLD = 100;

/** What the first pass learns about the devices in flight: ids and serials only, never device states. */
interface Survey {
  /** Chunks with a device in flight: the second pass reads only these. */
  revisit: number[];
  registering: number;
  /** The latest import of a device waiting for registration (the sync must have started after it). */
  neededAfter?: string;
  /** Autopilot ids to read: devices in the registration or profile stage, and in the group stage while their Entra id is empty. */
  ztdIds: GuidSet;
  /** Devices with no Autopilot id yet (806, or adopted after a lost import call): looked up by serial. */
  bySerial: { line: number; serial: string }[];
  /** Entra device ids (lower case) of the devices in flight: what the member lists are filtered on. */
  aadIds: GuidSet;
  /** Expected groups missing from the groupIds of some device in the profile or ESP stage. */
  uncovered: Set<string>;
}

function inFlight(d: DeviceState): boolean {
  return !d.result && d.stage !== 'import';
}

/** The stages whose decision needs the device's Autopilot record read this step. */
function needsRecord(d: DeviceState): boolean {
  return d.stage === 'registration' || d.stage === 'profile' || (d.stage === 'group' && !d.aadDeviceId);
}

function survey(s: Survey, chunk: ChunkState, expectedGroups: readonly string[], now: string): void {
  let any = false;
  for (const d of chunk.devices) {
    if (!inFlight(d)) continue;
    any = true;
    if (d.aadDeviceId) s.aadIds.add(d.aadDeviceId.toLowerCase());
    if (d.stage === 'registration') {
      s.registering++;
      const imported = d.at.imported ?? now;
      if (s.neededAfter === undefined || imported > s.neededAfter) s.neededAfter = imported;
    }
    if (needsRecord(d)) {
      if (d.ztdId) s.ztdIds.add(d.ztdId);
      else s.bySerial.push({ line: d.line, serial: registeredSerial(d) });
    }
    if (d.stage === 'profile' || d.stage === 'esp') for (const g of expectedGroups) if (!d.groupIds?.includes(g)) s.uncovered.add(g);
  }
  if (any) s.revisit.push(chunk.index);
}

/**
 * The Autopilot records of the surveyed devices: a GET each (20 per round trip, packed across
 * chunks) or, for large runs, one paged list; devices without an id are found by the serial inside
 * the hash — the service registers a device under that one.
 */
async function lookUp(graph: GraphGateway, s: Survey, bulk: boolean): Promise<Found> {
  const byId = bulk ? await readAutopilotDevices(graph, s.ztdIds) : await getAutopilotDevices(graph, s.ztdIds.items());
  const bySerial = await findAutopilotBySerial(
    graph,
    s.bySerial.map((l) => l.serial),
  );
  const byLine = new Map<number, RegistrationFacts>();
  for (const { line, serial } of s.bySerial) {
    const record = bySerial.get(serial);
    if (record) byLine.set(line, record);
  }
  return { byId, byLine };
}

export async function runConfirmStep(deps: ConfirmStepDeps, input: StepInput): Promise<StepResult> {
  const { runId, now, settings } = input;
  const manifest = await deps.runs.readManifest(runId);
  if (!manifest) throw new Error(`run ${runId}: no manifest`);

  // Pass 1: what the reads need, and the counts of the chunks with nothing in flight.
  const s: Survey = { revisit: [], registering: 0, ztdIds: new GuidSet(), bySerial: [], aadIds: new GuidSet(), uncovered: new Set() };
  const counts = countRun(manifest);
  let allFinished = true;
  for await (const chunk of deps.runs.chunkStates(runId, manifest.chunkCount)) {
    const before = s.revisit.length;
    survey(s, chunk, settings.expected.groupIds, now);
    if (s.revisit.length === before) {
      countChunk(counts, chunk);
      allFinished &&= chunk.devices.every((d) => d.result !== undefined);
    }
  }

  // Registration needs the gated sync; waiting on its window does not stop polling: the service's
  // automatic sync may publish the devices first.
  let note: string | undefined;
  if (s.registering > 0) {
    const sync = await ensureSync({ graph: deps.graph, objects: deps.objects }, { runId, now, neededAfter: s.neededAfter ?? now });
    note = sync.status === 'waiting' ? `${sync.note}; next sync possible in ${sync.retryAfterSeconds} s` : sync.note;
  }
  const bulk = s.ztdIds.size > BULK_LOOKUP_THRESHOLD;
  const found = await lookUp(deps.graph, s, bulk);
  // The registrations found hold these ids now; the set need not outlive the lookup (100,000 at most).
  s.ztdIds = new GuidSet();
  const reads = tenantReads(deps.graph, input, s, found);
  const ctx: StageContext = { now, settings };

  // Pass 2: every stage of each device in turn, each window written before the next is read.
  for await (const chunk of deps.runs.chunkStatesAt(runId, s.revisit)) {
    let changed = false;
    for (const d of chunk.devices) {
      if (!inFlight(d)) continue;
      const record = needsRecord(d) ? (d.ztdId ? found.byId.get(d.ztdId) : found.byLine.get(d.line)) : undefined;
      changed = registrationStage(d, record, ctx) || changed;
      if (d.stage === 'group' && !d.result) changed = groupStage(d, record, await reads.memberships(), ctx) || changed;
      if (d.stage === 'profile' && !d.result) {
        const profileId = record ? await reads.profileOf(record, bulk) : undefined;
        changed = profileStage(d, record, profileId, ctx) || changed;
      }
      if (d.stage === 'esp' && !d.result)
        changed = espStage(d, settings.expected.espId ? await reads.espFor(d) : undefined, ctx) || changed;
    }
    if (changed) await deps.runs.writeChunkState(runId, chunk);
    countChunk(counts, chunk);
    allFinished &&= chunk.devices.every((d) => d.result !== undefined);
  }
  return { next: allFinished ? 'done' : 'wait', counts, note };
}
