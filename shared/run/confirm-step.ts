/**
 * One bounded step of the confirm phase. For every device still in flight it checks, in order,
 * each stage with its own deadline (counted from when the device passed the previous stage):
 *   registration  present in windowsAutopilotDeviceIdentities (request the gated sync meanwhile)
 *   group         its Entra device is a member of every expected group
 *   profile       deploymentProfileAssignmentStatus starts with "assigned" (and the expected profile)
 *   esp           the Enrollment Status Page that applies to it is the expected one
 * Reads are bulk where the service allows: one $batch GET per 20 devices, one paged member list
 * per group, one ESP list per step — never one call per device per group. Those lists are as large
 * as the tenant (and grow with every run), so they are read page by page, keeping only the items
 * of this run's devices: the step's memory follows the run, not the tenant. The run's chunk states
 * are gone through a few at a time, twice: a first pass collects the ids those reads need, a second
 * takes each device through its stages and writes the chunk back before reading further ones.
 */
import { z } from 'zod';
import type { StepInput, StepResult } from '../contracts';
import type { GraphGateway, GraphRequestSpec } from '../graph/gateway';
import { GraphContractError, GraphTransientError } from '../graph/errors';
import type { ObjectStore } from '../storage/object-store';
import { countChunk, countRun, minutesAfter } from './counts';
import { espGroupIds, resolveEsp, type EspAssignment, type EspConfig } from './esp';
import type { ChunkState, DeviceState } from './model';
import type { RunStore } from './run-store';
import { ensureSync } from './sync-gate';
import { registeredSerial, serialSearchTerm } from './serials';

export interface ConfirmStepDeps {
  graph: GraphGateway;
  runs: RunStore;
  objects: ObjectStore;
  log: (message: string) => void;
}

const AutopilotDevice = z.object({
  id: z.string(),
  serialNumber: z.string().nullish(),
  azureActiveDirectoryDeviceId: z.string().nullish(),
  azureAdDeviceId: z.string().nullish(),
  deploymentProfileAssignmentStatus: z.string().nullish(),
  deploymentProfile: z.object({ id: z.string() }).passthrough().nullish(),
});
type AutopilotDevice = z.infer<typeof AutopilotDevice>;

const Member = z.object({ id: z.string(), deviceId: z.string().nullish() }).passthrough();
const IdOnly = z.object({ id: z.string() }).passthrough();

const EnrollmentConfig = z
  .object({
    '@odata.type': z.string().optional(),
    id: z.string(),
    displayName: z.string().nullish(),
    priority: z.number().nullish(),
    deviceEnrollmentConfigurationType: z.string().nullish(),
    assignments: z
      .array(z.object({ target: z.object({ '@odata.type': z.string().optional(), groupId: z.string().nullish() }).passthrough() }).passthrough())
      .nullish(),
  })
  .passthrough();

/**
 * Above this many devices to look up in one step, one paged list of the tenant's Autopilot devices
 * (1,000 per page) is cheaper than a GET per device (20 per $batch round trip) — in operations
 * always, in round trips for any tenant under 20 × this many devices.
 */
export const BULK_LOOKUP_THRESHOLD = 100;
/** The most members one page of a directory collection returns. */
const DIRECTORY_PAGE = 999;

function fail(d: DeviceState, now: string, code: string, message: string, remediation: string): void {
  d.result = 'failed';
  d.failure = { stage: d.stage, code, message, remediation };
  d.at.finished = now;
}

function aadIdOf(device: AutopilotDevice): string | undefined {
  return device.azureAdDeviceId || device.azureActiveDirectoryDeviceId || undefined;
}


function toAssignment(target: { '@odata.type'?: string; groupId?: string | null }): EspAssignment {
  const type = (target['@odata.type'] ?? '').replace(/^#/, '');
  const groupId = target.groupId ?? undefined;
  if (type === 'microsoft.graph.exclusionGroupAssignmentTarget') return { kind: 'exclusion', groupId };
  if (type === 'microsoft.graph.groupAssignmentTarget') return { kind: 'group', groupId };
  if (type === 'microsoft.graph.allDevicesAssignmentTarget') return { kind: 'allDevices' };
  if (type === 'microsoft.graph.allLicensedUsersAssignmentTarget') return { kind: 'allUsers' };
  return { kind: 'other', groupId };
}

async function readEsps(graph: GraphGateway): Promise<EspConfig[]> {
  const list = await graph.listAll({ op: 'listEnrollmentConfigurations', query: { expand: ['assignments'] } });
  if (!list.ok) throw new GraphContractError(`deviceEnrollmentConfigurations: ${list.status} ${list.code}`);
  const esps: EspConfig[] = [];
  for (const item of list.items) {
    const parsed = EnrollmentConfig.safeParse(item);
    if (!parsed.success) throw new GraphContractError('deviceEnrollmentConfiguration: unexpected shape');
    const c = parsed.data;
    const type = c.deviceEnrollmentConfigurationType ?? (c['@odata.type'] ?? '').replace(/^#microsoft\.graph\./, '');
    const isDefault = type === 'defaultWindows10EnrollmentCompletionPageConfiguration';
    if (!isDefault && type !== 'windows10EnrollmentCompletionPageConfiguration') continue;
    esps.push({
      id: c.id,
      displayName: c.displayName ?? c.id,
      priority: c.priority ?? 0,
      isDefault,
      assignments: (c.assignments ?? []).map((a) => toAssignment(a.target)),
    });
  }
  return esps;
}

/**
 * The Entra deviceIds among `wanted` (lower case) that are transitive device members of a group;
 * undefined when the group does not exist.
 */
async function readGroupDeviceIds(graph: GraphGateway, groupId: string, wanted: ReadonlySet<string>): Promise<Set<string> | undefined> {
  const ids = new Set<string>();
  const walked = await graph.forEachPage({ op: 'listGroupDeviceMembers', params: { id: groupId }, query: { select: ['id', 'deviceId'], top: DIRECTORY_PAGE } }, (items) => {
    for (const item of items) {
      const m = Member.safeParse(item);
      const deviceId = m.success ? m.data.deviceId?.toLowerCase() : undefined;
      if (deviceId && wanted.has(deviceId)) ids.add(deviceId);
    }
  });
  if (!walked.ok) {
    if (walked.status === 404) return undefined;
    throw new GraphTransientError(`group ${groupId} members: ${walked.status} ${walked.code}`, walked.status);
  }
  return ids;
}

/** Each group is read at most once per step, though the group and ESP stages may both need it. */
function groupReader(graph: GraphGateway, wanted: ReadonlySet<string>): (groupId: string) => Promise<Set<string> | undefined> {
  const cache = new Map<string, Promise<Set<string> | undefined>>();
  return (groupId) => {
    if (!cache.has(groupId)) cache.set(groupId, readGroupDeviceIds(graph, groupId, wanted));
    return cache.get(groupId)!;
  };
}

/** The tenant's Autopilot devices whose ids are in `wanted`, by id (large runs: one paged read instead of a GET each). */
async function readAutopilotDevices(graph: GraphGateway, wanted: ReadonlySet<string>): Promise<Map<string, AutopilotDevice>> {
  const byId = new Map<string, AutopilotDevice>();
  const walked = await graph.forEachPage({ op: 'listAutopilotDevices' }, (items) => {
    for (const item of items) {
      const parsed = AutopilotDevice.safeParse(item);
      if (!parsed.success) throw new GraphContractError('windowsAutopilotDeviceIdentity: unexpected shape');
      if (wanted.has(parsed.data.id)) byId.set(parsed.data.id, parsed.data);
    }
  });
  if (!walked.ok) throw new GraphTransientError(`windowsAutopilotDeviceIdentities: ${walked.status} ${walked.code}`, walked.status);
  return byId;
}

/** Which of the `wanted` device ids the deployment profile is assigned to; undefined when the profile does not exist. */
async function readProfileDeviceIds(graph: GraphGateway, profileId: string, wanted: ReadonlySet<string>): Promise<Set<string> | undefined> {
  const ids = new Set<string>();
  const walked = await graph.forEachPage({ op: 'listProfileAssignedDevices', params: { id: profileId } }, (items) => {
    for (const item of items) {
      const parsed = IdOnly.safeParse(item);
      if (parsed.success && wanted.has(parsed.data.id)) ids.add(parsed.data.id);
    }
  });
  if (!walked.ok) {
    if (walked.status === 404) return undefined;
    throw new GraphTransientError(`profile ${profileId} assigned devices: ${walked.status} ${walked.code}`, walked.status);
  }
  return ids;
}

/**
 * What the first pass over the chunks learns about the devices in flight: ids and serials only
 * (the lists below need them), never device states.
 */
interface Survey {
  /** Chunks with a device in flight: the second pass reads only these. */
  revisit: number[];
  registering: number;
  /** The latest import of a device waiting for registration (the sync must have started after it). */
  neededAfter?: string;
  /** Devices in the registration or profile stage that have an Autopilot id (looked up by id). */
  lookupsById: number;
  ztdIds: Set<string>;
  /** …and those that have none yet (806 devices), looked up by serial. */
  bySerial: { line: number; serial: string }[];
  /** Entra device ids (lower case) of the devices in flight: what the member lists are filtered on. */
  aadIds: Set<string>;
  /** Expected groups missing from the groupIds of some device in the profile or ESP stage. */
  uncovered: Set<string>;
}

function inFlight(d: DeviceState): boolean {
  return !d.result && d.stage !== 'import';
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
    if (d.stage === 'registration' || d.stage === 'profile') {
      if (d.ztdId) {
        s.lookupsById++;
        s.ztdIds.add(d.ztdId);
      } else {
        s.bySerial.push({ line: d.line, serial: registeredSerial(d) });
      }
    }
    if (d.stage === 'profile' || d.stage === 'esp') for (const g of expectedGroups) if (!d.groupIds?.includes(g)) s.uncovered.add(g);
  }
  if (any) s.revisit.push(chunk.index);
}

/** The Autopilot records found for the devices looked up: by Autopilot id, and by line for those found by serial. */
interface Found {
  byId: Map<string, AutopilotDevice>;
  byLine: Map<number, AutopilotDevice>;
}

/**
 * The Autopilot records of the devices in the registration and profile stages: one GET each (20
 * per round trip, packed across chunks), or one paged list for large runs; 806 devices have no id
 * yet and are found by serial (the only serial filter the service accepts), the one inside the
 * hash first — the service registers a device under that one.
 */
async function lookUp(deps: ConfirmStepDeps, runId: string, s: Survey, bulk: boolean): Promise<Found> {
  const found: Found = { byId: bulk ? await readAutopilotDevices(deps.graph, s.ztdIds) : new Map(), byLine: new Map() };
  const lookups: { ztdId?: string; line?: number; serial?: string; spec: GraphRequestSpec }[] = [];
  if (!bulk) for (const ztdId of s.ztdIds) lookups.push({ ztdId, spec: { op: 'getAutopilotDevice', params: { id: ztdId }, query: { expand: ['deploymentProfile'] } } });
  for (const { line, serial } of s.bySerial) lookups.push({ line, serial, spec: { op: 'listAutopilotDevices', query: { filter: `contains(serialNumber,'${serialSearchTerm(serial)}')` } } });
  if (lookups.length === 0) return found;
  const results = await deps.graph.batch(lookups.map((l) => l.spec));
  results.forEach((result, i) => {
    const lookup = lookups[i]!;
    if (!result.ok) {
      if (result.status !== 404) deps.log(`run ${runId}: Autopilot lookup answered ${result.status} ${result.code}`);
      return;
    }
    if (lookup.ztdId !== undefined) {
      const parsed = AutopilotDevice.safeParse(result.body);
      if (!parsed.success) throw new GraphContractError('windowsAutopilotDeviceIdentity: unexpected shape');
      found.byId.set(lookup.ztdId, parsed.data);
    } else {
      const page = z.object({ value: z.array(AutopilotDevice) }).safeParse(result.body);
      if (!page.success) throw new GraphContractError('windowsAutopilotDeviceIdentities: unexpected shape');
      const match = page.data.value.find((a) => (a.serialNumber ?? '').toLowerCase() === lookup.serial!.toLowerCase());
      if (match) found.byLine.set(lookup.line!, match);
    }
  });
  return found;
}

/** Read once per step, when the first device that needs it comes up (and not at all when none does). */
function once<T>(read: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => (value ??= read());
}

export async function runConfirmStep(deps: ConfirmStepDeps, input: StepInput): Promise<StepResult> {
  const { runId, now, settings } = input;
  const nowMs = Date.parse(now);
  const manifest = await deps.runs.readManifest(runId);
  if (!manifest) throw new Error(`run ${runId}: no manifest`);
  const expectedGroups = settings.expected.groupIds;

  // Pass 1, a few chunks at a time (a run has as many chunk states as its file has hundreds of
  // devices): what the lists below need, and the counts of the chunks with nothing in flight.
  const s: Survey = { revisit: [], registering: 0, lookupsById: 0, ztdIds: new Set(), bySerial: [], aadIds: new Set(), uncovered: new Set() };
  const counts = countRun(manifest, []);
  let allFinished = true;
  for await (const chunk of deps.runs.chunkStates(runId, manifest.chunkCount)) {
    const before = s.revisit.length;
    survey(s, chunk, expectedGroups, now);
    if (s.revisit.length === before) {
      countChunk(counts, chunk);
      allFinished &&= chunk.devices.every((d) => d.result !== undefined);
    }
  }

  // Registration: the gated sync first; the devices are looked up below.
  let note: string | undefined;
  if (s.registering > 0) {
    const sync = await ensureSync({ graph: deps.graph, objects: deps.objects }, { runId, now, neededAfter: s.neededAfter ?? now });
    // Waiting on the window does not stop polling: the service's automatic sync may publish the devices first.
    note = sync.status === 'waiting' ? `${sync.note}; next sync possible in ${sync.retryAfterSeconds} s` : sync.note;
  }
  const bulk = s.lookupsById > BULK_LOOKUP_THRESHOLD;
  const found = await lookUp(deps, runId, s, bulk);
  const foundFor = (d: DeviceState) => (d.ztdId ? found.byId.get(d.ztdId) : found.byLine.get(d.line));

  // The other lists, each read at most once, when pass 2 first needs it. Member lists keep only the
  // run's devices: those in flight, and those registered by this step (the records just found).
  const runAadIds = new Set(s.aadIds);
  for (const device of [...found.byId.values(), ...found.byLine.values()]) {
    const aad = aadIdOf(device);
    if (aad) runAadIds.add(aad.toLowerCase());
  }
  const groupDeviceIds = groupReader(deps.graph, runAadIds);
  const memberships = once(async () => {
    const out: { groupId: string; members: Set<string> | undefined }[] = [];
    for (const groupId of expectedGroups) out.push({ groupId, members: await groupDeviceIds(groupId) });
    return out;
  });
  // In bulk mode the Autopilot list carries no $expand, so the expected profile's assignedDevices
  // tells which profile a device got (filtered on every record found: only those are asked about).
  const profileDevices = once(() => {
    const wanted = new Set([...found.byId.values(), ...found.byLine.values()].map((device) => device.id));
    return readProfileDeviceIds(deps.graph, settings.expected.profileId!, wanted);
  });
  // ESP: one list of enrollment configurations, one member read per group an ESP targets — none for
  // an expected group every device that can reach this stage was confirmed in (the group stage
  // found it in every expected group: no second read of that, often tenant-sized, group).
  const espLists = once(async () => {
    const esps = await readEsps(deps.graph);
    const members = new Map<string, Set<string> | 'every device'>();
    for (const groupId of espGroupIds(esps)) {
      if (expectedGroups.includes(groupId) && !s.uncovered.has(groupId)) members.set(groupId, 'every device');
      else members.set(groupId, (await groupDeviceIds(groupId)) ?? new Set());
    }
    return { esps, members };
  });

  // Pass 2, over the chunks with devices in flight, a few at a time: every stage of each device in
  // turn, each window written before the next is read.
  for await (const chunk of deps.runs.chunkStatesAt(runId, s.revisit)) {
    let changed = false;
    for (const d of chunk.devices) {
      if (!inFlight(d)) continue;
      const device = d.stage === 'registration' || d.stage === 'profile' ? foundFor(d) : undefined;
      changed = (await advance(d, device)) || changed;
    }
    if (changed) await deps.runs.writeChunkState(runId, chunk);
    countChunk(counts, chunk);
    allFinished &&= chunk.devices.every((d) => d.result !== undefined);
  }
  return { done: allFinished, moreWork: false, counts, note };

  /** Takes one device through as many stages as it passes now; true if it changed. */
  async function advance(d: DeviceState, device: AutopilotDevice | undefined): Promise<boolean> {
    let changed = false;
    if (d.stage === 'registration') {
      if (device) {
        d.ztdId = device.id;
        d.aadDeviceId = aadIdOf(device);
        d.profileStatus = device.deploymentProfileAssignmentStatus ?? undefined;
        d.at.registered = now;
        d.stage = 'group';
        changed = true;
      } else if (nowMs >= minutesAfter(d.at.imported ?? now, settings.deadlines.registrationMinutes)) {
        fail(d, now, 'RegistrationTimeout', `The device did not appear in Windows Autopilot devices within ${settings.deadlines.registrationMinutes} minutes.`, 'Check Devices > Windows > Windows enrollment > Devices in Intune; sync there and drop the row again if it is missing.');
        return true;
      }
    }

    // Group membership: one paged member read per expected group (every device that can reach the
    // group or ESP stage got its Entra id at registration).
    if (!d.result && d.stage === 'group') {
      const groups = await memberships();
      const missingGroup = groups.find((m) => m.members === undefined);
      if (missingGroup) {
        fail(d, now, 'ExpectedGroupNotFound', `The expected group ${missingGroup.groupId} does not exist.`, 'Fix EXPECTED_GROUP_IDS in the app settings.');
        return true;
      }
      const aad = d.aadDeviceId?.toLowerCase();
      const missing = groups.filter((m) => !aad || !m.members!.has(aad)).map((m) => m.groupId);
      d.groupIds = expectedGroups.filter((g) => !missing.includes(g));
      if (missing.length === 0) {
        d.at.inGroup = now;
        d.stage = 'profile';
        changed = true;
      } else if (nowMs >= minutesAfter(d.at.registered ?? now, settings.deadlines.groupMinutes)) {
        fail(d, now, 'NotInExpectedGroup', `The device's Entra object is not a member of ${missing.join(', ')} after ${settings.deadlines.groupMinutes} minutes.`, 'Check the dynamic group rule (for example the [ZTDID] or [OrderID] group-tag rule) and its processing status in Entra ID.');
        return true;
      }
    }

    // Profile: from the Autopilot record read above.
    if (!d.result && d.stage === 'profile') {
      const expected = settings.expected.profileId;
      if (device) {
        d.profileStatus = device.deploymentProfileAssignmentStatus ?? undefined;
        d.profileId = bulk ? (expected && (await profileDevices())?.has(device.id) ? expected : undefined) : device.deploymentProfile?.id;
        changed = true;
      }
      const assigned = (d.profileStatus ?? '').startsWith('assigned');
      if (assigned && (!expected || d.profileId === expected)) {
        d.at.profileAssigned = now;
        d.stage = 'esp';
        changed = true;
      } else if (nowMs >= minutesAfter(d.at.inGroup ?? now, settings.deadlines.profileMinutes)) {
        const code = assigned ? 'UnexpectedProfile' : 'ProfileNotAssigned';
        const message = assigned
          ? `The device got deployment profile ${d.profileId ?? '(none)'} instead of ${expected}.`
          : `The deployment profile is still "${d.profileStatus ?? 'unknown'}" after ${settings.deadlines.profileMinutes} minutes.`;
        fail(d, now, code, message, 'Check the deployment profile assignments (Devices > Windows > Windows enrollment > Deployment profiles) and group targeting.');
        return true;
      }
    }

    if (!d.result && d.stage === 'esp') {
      const expectedEsp = settings.expected.espId;
      if (!expectedEsp) {
        confirm(d);
        return true;
      }
      const { esps, members } = await espLists();
      const aad = d.aadDeviceId?.toLowerCase() ?? '';
      const groups = new Set([...members].filter(([, ids]) => ids === 'every device' || ids.has(aad)).map(([g]) => g));
      const esp = resolveEsp(esps, groups);
      d.espId = esp?.id;
      if (esp?.id === expectedEsp) {
        confirm(d);
      } else if (nowMs >= minutesAfter(d.at.profileAssigned ?? now, settings.deadlines.espMinutes)) {
        fail(d, now, 'UnexpectedEsp', `The Enrollment Status Page that applies is ${esp ? `"${esp.displayName}" (${esp.id})` : 'none'}, not ${expectedEsp}.`, 'Check the ESP assignments, exclusions and priorities (Devices > Windows > Windows enrollment > Enrollment Status Page).');
      }
      return true;
    }
    return changed;
  }

  function confirm(d: DeviceState): void {
    d.at.espConfirmed = now;
    d.stage = 'done';
    d.result = 'confirmed';
    d.at.finished = now;
  }
}
