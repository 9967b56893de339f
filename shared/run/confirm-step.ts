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
 * of this run's devices: the step's memory follows the run, not the tenant.
 */
import { z } from 'zod';
import type { StepInput, StepResult } from '../contracts';
import type { GraphGateway, GraphRequestSpec } from '../graph/gateway';
import { GraphContractError, GraphTransientError } from '../graph/errors';
import type { ObjectStore } from '../storage/object-store';
import { countRun, minutesAfter } from './counts';
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

export async function runConfirmStep(deps: ConfirmStepDeps, input: StepInput): Promise<StepResult> {
  const { runId, now, settings } = input;
  const nowMs = Date.parse(now);
  const manifest = await deps.runs.readManifest(runId);
  if (!manifest) throw new Error(`run ${runId}: no manifest`);
  const chunks = await deps.runs.readAllChunkStates(runId, manifest.chunkCount);
  const dirty = new Set<ChunkState>();
  const active: { chunk: ChunkState; d: DeviceState }[] = [];
  for (const chunk of chunks) for (const d of chunk.devices) if (!d.result && d.stage !== 'import') active.push({ chunk, d });
  const touch = (chunk: ChunkState) => dirty.add(chunk);
  let note: string | undefined;

  // Registration: the gated sync first; the devices are looked up below.
  const registering = active.filter(({ d }) => d.stage === 'registration');
  if (registering.length > 0) {
    const neededAfter = registering.map(({ d }) => d.at.imported ?? now).sort().at(-1) ?? now;
    const sync = await ensureSync({ graph: deps.graph, objects: deps.objects }, { runId, now, neededAfter });
    // Waiting on the window does not stop polling: the service's automatic sync may publish the devices first.
    note = sync.status === 'waiting' ? `${sync.note}; next sync possible in ${sync.retryAfterSeconds} s` : sync.note;
  }
  // Autopilot records of the devices in the registration and profile stages: one GET each (20 per
  // round trip), or one paged list for large runs.
  const needLookup = active.filter(({ d }) => d.stage === 'registration' || d.stage === 'profile');
  const byId = needLookup.filter(({ d }) => d.ztdId);
  const bulk = byId.length > BULK_LOOKUP_THRESHOLD;
  const found = new Map<DeviceState, AutopilotDevice>();
  const lookups: { d: DeviceState; spec: GraphRequestSpec }[] = [];
  if (bulk) {
    const all = await readAutopilotDevices(deps.graph, new Set(byId.map(({ d }) => d.ztdId!)));
    for (const { d } of byId) {
      const device = all.get(d.ztdId!);
      if (device) found.set(d, device);
    }
  } else {
    for (const { d } of byId) lookups.push({ d, spec: { op: 'getAutopilotDevice', params: { id: d.ztdId! }, query: { expand: ['deploymentProfile'] } } });
  }
  // 806 devices have no id yet: find them by serial (the only serial filter the service accepts),
  // the one inside the hash first — the service registers a device under that one.
  for (const { d } of needLookup) {
    if (!d.ztdId) lookups.push({ d, spec: { op: 'listAutopilotDevices', query: { filter: `contains(serialNumber,'${serialSearchTerm(registeredSerial(d))}')` } } });
  }
  if (lookups.length > 0) {
    const results = await deps.graph.batch(lookups.map((l) => l.spec));
    results.forEach((result, i) => {
      const { d } = lookups[i]!;
      if (!result.ok) {
        if (result.status !== 404) deps.log(`run ${runId}: Autopilot lookup answered ${result.status} ${result.code}`);
        return;
      }
      if (d.ztdId) {
        const parsed = AutopilotDevice.safeParse(result.body);
        if (!parsed.success) throw new GraphContractError('windowsAutopilotDeviceIdentity: unexpected shape');
        found.set(d, parsed.data);
      } else {
        const page = z.object({ value: z.array(AutopilotDevice) }).safeParse(result.body);
        if (!page.success) throw new GraphContractError('windowsAutopilotDeviceIdentities: unexpected shape');
        const match = page.data.value.find((a) => (a.serialNumber ?? '').toLowerCase() === registeredSerial(d).toLowerCase());
        if (match) found.set(d, match);
      }
    });
  }
  for (const { chunk, d } of active) {
    const device = found.get(d);
    if (d.stage === 'registration') {
      if (device) {
        d.ztdId = device.id;
        d.aadDeviceId = aadIdOf(device);
        d.profileStatus = device.deploymentProfileAssignmentStatus ?? undefined;
        d.at.registered = now;
        d.stage = 'group';
        touch(chunk);
      } else if (nowMs >= minutesAfter(d.at.imported ?? now, settings.deadlines.registrationMinutes)) {
        fail(d, now, 'RegistrationTimeout', `The device did not appear in Windows Autopilot devices within ${settings.deadlines.registrationMinutes} minutes.`, 'Check Devices > Windows > Windows enrollment > Devices in Intune; sync there and drop the row again if it is missing.');
        touch(chunk);
      }
    }
  }

  // Group membership: one paged member read per expected group, keeping only this run's devices
  // (every device that can reach the group or ESP stage got its Entra id at registration).
  const runAadIds = new Set(active.flatMap(({ d }) => (d.aadDeviceId ? [d.aadDeviceId.toLowerCase()] : [])));
  const groupDeviceIds = groupReader(deps.graph, runAadIds);
  const grouping = active.filter(({ d }) => !d.result && d.stage === 'group');
  if (grouping.length > 0) {
    const memberships: { groupId: string; members: Set<string> | undefined }[] = [];
    for (const groupId of settings.expected.groupIds) memberships.push({ groupId, members: await groupDeviceIds(groupId) });
    for (const { chunk, d } of grouping) {
      const missingGroup = memberships.find((m) => m.members === undefined);
      if (missingGroup) {
        fail(d, now, 'ExpectedGroupNotFound', `The expected group ${missingGroup.groupId} does not exist.`, 'Fix EXPECTED_GROUP_IDS in the app settings.');
        touch(chunk);
        continue;
      }
      const aad = d.aadDeviceId?.toLowerCase();
      const missing = memberships.filter((m) => !aad || !m.members!.has(aad)).map((m) => m.groupId);
      d.groupIds = settings.expected.groupIds.filter((g) => !missing.includes(g));
      if (missing.length === 0) {
        d.at.inGroup = now;
        d.stage = 'profile';
        touch(chunk);
      } else if (nowMs >= minutesAfter(d.at.registered ?? now, settings.deadlines.groupMinutes)) {
        fail(d, now, 'NotInExpectedGroup', `The device's Entra object is not a member of ${missing.join(', ')} after ${settings.deadlines.groupMinutes} minutes.`, 'Check the dynamic group rule (for example the [ZTDID] or [OrderID] group-tag rule) and its processing status in Entra ID.');
        touch(chunk);
      }
    }
  }

  // Profile: from the Autopilot record read above; in bulk mode the list carries no $expand, so
  // the expected profile's assignedDevices tells which profile the device got.
  const profiling = active.filter(({ d }) => !d.result && d.stage === 'profile');
  const expectedProfileDevices =
    bulk && settings.expected.profileId && profiling.length > 0
      ? await readProfileDeviceIds(deps.graph, settings.expected.profileId, new Set(profiling.flatMap(({ d }) => found.get(d)?.id ?? [])))
      : undefined;
  for (const { chunk, d } of profiling) {
    const device = found.get(d);
    if (device) {
      d.profileStatus = device.deploymentProfileAssignmentStatus ?? undefined;
      d.profileId = bulk ? (expectedProfileDevices?.has(device.id) ? settings.expected.profileId : undefined) : device.deploymentProfile?.id;
      touch(chunk);
    }
    const assigned = (d.profileStatus ?? '').startsWith('assigned');
    const expected = settings.expected.profileId;
    if (assigned && (!expected || d.profileId === expected)) {
      d.at.profileAssigned = now;
      d.stage = 'esp';
      touch(chunk);
    } else if (nowMs >= minutesAfter(d.at.inGroup ?? now, settings.deadlines.profileMinutes)) {
      const code = assigned ? 'UnexpectedProfile' : 'ProfileNotAssigned';
      const message = assigned
        ? `The device got deployment profile ${d.profileId ?? '(none)'} instead of ${expected}.`
        : `The deployment profile is still "${d.profileStatus ?? 'unknown'}" after ${settings.deadlines.profileMinutes} minutes.`;
      fail(d, now, code, message, 'Check the deployment profile assignments (Devices > Windows > Windows enrollment > Deployment profiles) and group targeting.');
      touch(chunk);
    }
  }

  // ESP: one list of enrollment configurations, one member read per group an ESP targets (none for
  // the expected groups, already confirmed).
  const esping = active.filter(({ d }) => !d.result && d.stage === 'esp');
  if (esping.length > 0) {
    const expectedEsp = settings.expected.espId;
    if (!expectedEsp) {
      for (const { chunk, d } of esping) {
        d.at.espConfirmed = now;
        d.stage = 'done';
        d.result = 'confirmed';
        d.at.finished = now;
        touch(chunk);
      }
    } else {
      const esps = await readEsps(deps.graph);
      const members = new Map<string, Set<string>>();
      const expectedGroups = new Set(settings.expected.groupIds);
      for (const groupId of espGroupIds(esps)) {
        // A device reaches this stage only once the group stage found it in every expected group: an
        // ESP that targets one of those needs no second read of that (often tenant-sized) group.
        if (expectedGroups.has(groupId) && esping.every(({ d }) => d.groupIds?.includes(groupId))) {
          members.set(groupId, new Set(esping.map(({ d }) => d.aadDeviceId?.toLowerCase() ?? '')));
        } else {
          members.set(groupId, (await groupDeviceIds(groupId)) ?? new Set());
        }
      }
      for (const { chunk, d } of esping) {
        const aad = d.aadDeviceId?.toLowerCase() ?? '';
        const groups = new Set([...members].filter(([, ids]) => ids.has(aad)).map(([g]) => g));
        const esp = resolveEsp(esps, groups);
        d.espId = esp?.id;
        touch(chunk);
        if (esp?.id === expectedEsp) {
          d.at.espConfirmed = now;
          d.stage = 'done';
          d.result = 'confirmed';
          d.at.finished = now;
        } else if (nowMs >= minutesAfter(d.at.profileAssigned ?? now, settings.deadlines.espMinutes)) {
          fail(d, now, 'UnexpectedEsp', `The Enrollment Status Page that applies is ${esp ? `"${esp.displayName}" (${esp.id})` : 'none'}, not ${expectedEsp}.`, 'Check the ESP assignments, exclusions and priorities (Devices > Windows > Windows enrollment > Enrollment Status Page).');
        }
      }
    }
  }

  for (const chunk of dirty) await deps.runs.writeChunkState(runId, chunk);
  const done = chunks.every((c) => c.devices.every((d) => d.result !== undefined));
  return { done, moreWork: false, counts: countRun(manifest, chunks), note };
}
