/**
 * The Graph calls the pipeline makes, one function each, with the schema of what it reads: the
 * layer between the steps (which decide) and the gateway (which sends). Every answer is validated
 * here, once; a shape we do not understand is a GraphContractError (the run stops and says so).
 * Requests are packed into $batch round trips of 20 and collections are walked page by page, so a
 * step costs a few round trips whatever the size of the tenant.
 */
import { z } from 'zod';
import { GraphContractError } from './errors';
import type { GraphGateway, GraphRequestSpec, GraphResult, IdSet } from './gateway';
import { GuidSet, type IdCollector } from './guid-table';
import { RegistrationTable } from './registration-table';

// ---------------------------------------------------------------------------------------------
// Import records (importedWindowsAutopilotDeviceIdentity, v1.0)

export const ImportRecord = z.object({
  id: z.string(),
  serialNumber: z.string().nullish(),
  importId: z.string().nullish(),
  hardwareIdentifier: z.string().nullish(),
  state: z
    .object({
      deviceImportStatus: z.string(),
      deviceRegistrationId: z.string().nullish(),
      deviceErrorCode: z.number().nullish(),
      deviceErrorName: z.string().nullish(),
    })
    .nullish(),
});
export type ImportRecord = z.infer<typeof ImportRecord>;
const ImportAnswer = z.object({ value: z.array(ImportRecord) });

export interface DeviceToImport {
  serialNumber: string;
  hardwareHash: string;
  productKey?: string;
  groupTag?: string;
  assignedUser?: string;
}

/** The `import` action's body: every device of a chunk, tagged with the chunk's importId. */
export function importBody(importId: string, devices: readonly DeviceToImport[]) {
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

export type ImportAnswer = { ok: true; records: ImportRecord[] } | { ok: false; status: number; code: string };

/**
 * One `import` call. Its answer is a value: the records created, or the service's rejection of the
 * whole call (400). Transient failures and 401/403 are thrown by the gateway; the client's own
 * retries are off, because a retried import whose first attempt reached the service would import twice.
 */
export async function importDevices(graph: GraphGateway, importId: string, devices: readonly DeviceToImport[]): Promise<ImportAnswer> {
  const result = await graph.send({ op: 'importDevices', body: importBody(importId, devices) }, { noClientRetry: true });
  if (!result.ok) return { ok: false, status: result.status, code: result.code };
  const parsed = ImportAnswer.safeParse(result.body);
  if (!parsed.success)
    throw new GraphContractError('import: the answer is not a collection of imported records', { operation: 'importDevices' });
  return { ok: true, records: parsed.data.value };
}

/** The given import records by id (one $batch per 20); a record the service no longer has maps to undefined. */
export async function getImportRecords(graph: GraphGateway, ids: readonly string[]): Promise<Map<string, ImportRecord | undefined>> {
  const found = new Map<string, ImportRecord | undefined>();
  const results = await graph.batch(ids.map((id) => ({ op: 'getImportedDevice', params: { id } })));
  results.forEach((result, i) => {
    const id = ids[i]!;
    if (result.ok) {
      const record = ImportRecord.safeParse(result.body);
      if (!record.success) throw new GraphContractError('imported record: unexpected shape', { operation: 'getImportedDevice' });
      found.set(id, record.data);
    } else if (result.status === 404) {
      found.set(id, undefined);
    }
    // Other answers (a 400 for an id the service cannot parse): unknown this time, asked again later.
  });
  return found;
}

/**
 * A record's fields without its hardware hash (about 4,000 characters): walks that do not match by
 * hash select these, a tenth of the bytes (the collection takes $select: Microsoft's OpenAPI
 * description of GET /deviceManagement/importedWindowsAutopilotDeviceIdentities).
 */
export const RECORD_FIELDS_WITHOUT_HASH = ['id', 'serialNumber', 'importId', 'groupTag', 'state'] as const;

/**
 * The import records whose importId `belongs`, from the tenant's whole list (paged). Used only to
 * recover an import call whose answer was lost: the service documents no filter on importId, so
 * the list is read and matched here. Other tools' records are read, never kept (unless `belongs`
 * asks for one by its id: the reconciliation checks the records it means to delete).
 */
export async function findImportRecords(
  graph: GraphGateway,
  belongs: (importId: string, record: ImportRecord) => boolean,
  options: { withoutHashes?: boolean } = {},
): Promise<ImportRecord[]> {
  const mine: ImportRecord[] = [];
  const walked = await graph.forEachPage(
    { op: 'listImportedDevices', ...(options.withoutHashes ? { query: { select: [...RECORD_FIELDS_WITHOUT_HASH] } } : {}) },
    (items) => {
      for (const item of items) {
        const record = ImportRecord.safeParse(item);
        if (!record.success) throw new GraphContractError('imported record: unexpected shape', { operation: 'listImportedDevices' });
        if (record.data.importId && belongs(record.data.importId, record.data)) mine.push(record.data);
      }
    },
  );
  if (!walked.ok)
    throw new GraphContractError(`importedWindowsAutopilotDeviceIdentities: ${walked.status} ${walked.code}`, {
      operation: 'listImportedDevices',
      status: walked.status,
      code: walked.code,
    });
  return mine;
}

/**
 * Asks the service to delete import records: the ids whose DELETE was accepted, and the failures.
 * An accepted DELETE proves nothing for this entity — the service is reported to answer 200 for an
 * id it never had (microsoft-graph-docs #7129) and, in beta, to answer without deleting (#5180) —
 * so the caller checks with `importRecordsStillThere` before counting a record as deleted.
 */
export async function deleteImportRecords(
  graph: GraphGateway,
  ids: readonly string[],
): Promise<{ asked: string[]; failures: { id: string; status: number; code: string }[] }> {
  const asked: string[] = [];
  const failures: { id: string; status: number; code: string }[] = [];
  if (ids.length === 0) return { asked, failures };
  const answers = await graph.batch(ids.map((id) => ({ op: 'deleteImportedDevice' as const, params: { id } })));
  answers.forEach((result, i) => {
    if (result.ok || result.status === 404) asked.push(ids[i]!);
    else failures.push({ id: ids[i]!, status: result.status, code: result.code });
  });
  return { asked, failures };
}

/**
 * Which of `ids` the tenant's import list still holds. One paged walk of the list (1,000 records a
 * page) checks any number of deletions at once — far fewer requests than a GET per record, since
 * import records are transient and the list stays short.
 */
export async function importRecordsStillThere(graph: GraphGateway, ids: ReadonlySet<string>): Promise<Set<string>> {
  const there = new Set<string>();
  if (ids.size === 0) return there;
  const walked = await graph.forEachPage({ op: 'listImportedDevices', query: { select: ['id'] } }, (items) => {
    for (const item of items) {
      const record = ImportRecord.safeParse(item);
      if (!record.success) throw new GraphContractError('imported record: unexpected shape', { operation: 'listImportedDevices' });
      if (ids.has(record.data.id)) there.add(record.data.id);
    }
  });
  if (!walked.ok)
    throw new GraphContractError(`importedWindowsAutopilotDeviceIdentities: ${walked.status} ${walked.code}`, {
      operation: 'listImportedDevices',
      status: walked.status,
      code: walked.code,
    });
  return there;
}

// ---------------------------------------------------------------------------------------------
// Autopilot devices (windowsAutopilotDeviceIdentity, beta: the profile fields and navigation are beta-only)

export const AutopilotDevice = z.object({
  id: z.string(),
  serialNumber: z.string().nullish(),
  groupTag: z.string().nullish(),
  azureActiveDirectoryDeviceId: z.string().nullish(),
  azureAdDeviceId: z.string().nullish(),
  deploymentProfileAssignmentStatus: z.string().nullish(),
  deploymentProfileAssignmentDetailedStatus: z.string().nullish(),
  enrollmentState: z.string().nullish(),
  deploymentProfile: z.object({ id: z.string() }).passthrough().nullish(),
});
export type AutopilotDevice = z.infer<typeof AutopilotDevice>;
const AutopilotPage = z.object({ value: z.array(AutopilotDevice), '@odata.nextLink': z.string().optional() });

/** The Entra deviceId Autopilot linked to the registration (beta spells it two ways); undefined while empty. */
export function entraDeviceIdOf(device: Pick<AutopilotDevice, 'azureAdDeviceId' | 'azureActiveDirectoryDeviceId'>): string | undefined {
  return device.azureAdDeviceId || device.azureActiveDirectoryDeviceId || undefined;
}

/** The Autopilot records by id, with the deployment profile expanded (one $batch per 20); 404 → absent. */
export async function getAutopilotDevices(graph: GraphGateway, ids: readonly string[]): Promise<Map<string, AutopilotDevice>> {
  const found = new Map<string, AutopilotDevice>();
  const results = await graph.batch(
    ids.map((id) => ({ op: 'getAutopilotDevice', params: { id }, query: { expand: ['deploymentProfile'] } })),
  );
  results.forEach((result, i) => {
    if (!result.ok) return;
    const parsed = AutopilotDevice.safeParse(result.body);
    if (!parsed.success)
      throw new GraphContractError('windowsAutopilotDeviceIdentity: unexpected shape', { operation: 'getAutopilotDevice' });
    found.set(ids[i]!, parsed.data);
  });
  return found;
}

/**
 * The registrations by id as they are now, for a check right before a write: a record, `gone`
 * (404), or `unknown` (any other answer — not taken for gone, so nothing is decided on it).
 */
export async function readRegistrationsNow(
  graph: GraphGateway,
  ids: readonly string[],
): Promise<Map<string, AutopilotDevice | 'gone' | 'unknown'>> {
  const out = new Map<string, AutopilotDevice | 'gone' | 'unknown'>();
  const results = await graph.batch(ids.map((id) => ({ op: 'getAutopilotDevice', params: { id } })));
  results.forEach((result, i) => {
    if (!result.ok) return void out.set(ids[i]!, result.status === 404 ? 'gone' : 'unknown');
    const parsed = AutopilotDevice.safeParse(result.body);
    if (!parsed.success)
      throw new GraphContractError('windowsAutopilotDeviceIdentity: unexpected shape', { operation: 'getAutopilotDevice' });
    out.set(ids[i]!, parsed.data);
  });
  return out;
}

/**
 * What the confirm stages read of a registration: its id, its Entra deviceId, its profile status
 * (and the expanded profile, when read one by one).
 */
export type RegistrationFacts = Pick<
  AutopilotDevice,
  'id' | 'azureAdDeviceId' | 'azureActiveDirectoryDeviceId' | 'deploymentProfileAssignmentStatus' | 'deploymentProfile'
>;

const ItemId = z.object({ id: z.string() });

/**
 * The tenant's Autopilot records whose ids are in `wanted`, from one paged walk of the whole list
 * (large runs). A run of 100,000 devices holds one per device for a step, so only the facts the
 * stages read are kept, in a compact table (registration-table.ts), not the whole record; the
 * others' items are only checked for an id.
 */
export async function readAutopilotDevices(graph: GraphGateway, wanted: IdSet): Promise<RegistrationTable> {
  const byId = new RegistrationTable();
  const walked = await graph.forEachPage({ op: 'listAutopilotDevices' }, (items) => {
    for (const item of items) {
      const id = ItemId.safeParse(item);
      if (id.success && !wanted.has(id.data.id)) continue;
      const parsed = AutopilotDevice.safeParse(item);
      if (!parsed.success)
        throw new GraphContractError('windowsAutopilotDeviceIdentity: unexpected shape', { operation: 'listAutopilotDevices' });
      byId.set(parsed.data.id, entraDeviceIdOf(parsed.data), parsed.data.deploymentProfileAssignmentStatus ?? undefined);
    }
  });
  if (!walked.ok)
    throw new GraphContractError(`windowsAutopilotDeviceIdentities: ${walked.status} ${walked.code}`, {
      operation: 'listAutopilotDevices',
      status: walked.status,
      code: walked.code,
    });
  return byId;
}

/** A write's answer per id: accepted, or the service's status and code (a 404: the registration is gone). */
export type WriteAnswers = Map<string, { ok: true } | { ok: false; status: number; code: string }>;

function answersOf(ids: readonly string[], results: readonly GraphResult[]): WriteAnswers {
  const out: WriteAnswers = new Map();
  results.forEach((r, i) => out.set(ids[i]!, r.ok ? { ok: true } : { ok: false, status: r.status, code: r.code }));
  return out;
}

/** Sets the group tag of registrations (updateDeviceProperties, one $batch per 20; 204 when accepted). */
export async function setGroupTags(graph: GraphGateway, updates: readonly { id: string; groupTag: string }[]): Promise<WriteAnswers> {
  if (updates.length === 0) return new Map();
  const results = await graph.batch(
    updates.map((u) => ({ op: 'updateAutopilotDeviceProperties' as const, params: { id: u.id }, body: { groupTag: u.groupTag } })),
  );
  return answersOf(
    updates.map((u) => u.id),
    results,
  );
}

/**
 * Deletes registrations (one $batch per 20). Only an admin's approval leads here. The service
 * removes a registration asynchronously (minutes, longer for a device still known to Intune), so
 * the caller reads the list again later rather than trusting the answer.
 */
export async function deleteAutopilotDevices(graph: GraphGateway, ids: readonly string[]): Promise<WriteAnswers> {
  if (ids.length === 0) return new Map();
  return answersOf(ids, await graph.batch(ids.map((id) => ({ op: 'deleteAutopilotDevice' as const, params: { id } }))));
}

/**
 * contains() is the only serial filter the service accepts (`serialNumber eq` answers 400), and it
 * fails on hyphens: search on the longest hyphen-free piece (microsoft-graph-docs #9357, docs-contrib #3693).
 */
export function serialSearchTerm(serial: string): string {
  const pieces = serial
    .split(/[-\s]/)
    .filter(Boolean)
    .sort((a, b) => b.length - a.length);
  return (pieces[0] ?? serial).replace(/'/g, "''");
}

function sameSerial(a: string | null | undefined, b: string): boolean {
  return (a ?? '').trim().toLowerCase() === b.trim().toLowerCase();
}

/**
 * The Autopilot record of each serial, where one exists. One contains() search per serial, 20 per
 * $batch round trip; a search term can match more than a page (a short piece of a hyphenated serial
 * in a large tenant), so a search whose first page has no exact match follows its nextLink.
 */
export async function findAutopilotBySerial(graph: GraphGateway, serials: readonly string[]): Promise<Map<string, AutopilotDevice>> {
  const found = new Map<string, AutopilotDevice>();
  const specs: GraphRequestSpec[] = serials.map((serial) => ({
    op: 'listAutopilotDevices',
    query: { filter: `contains(serialNumber,'${serialSearchTerm(serial)}')` },
  }));
  const results = await graph.batch(specs);
  for (const [i, result] of results.entries()) {
    const serial = serials[i]!;
    if (!result.ok) continue;
    const page = AutopilotPage.safeParse(result.body);
    if (!page.success)
      throw new GraphContractError('windowsAutopilotDeviceIdentities: unexpected shape', { operation: 'listAutopilotDevices' });
    let match = page.data.value.find((a) => sameSerial(a.serialNumber, serial));
    const nextLink = page.data['@odata.nextLink'];
    if (!match && nextLink) {
      const walked = await graph.forEachPage(
        specs[i]!,
        (items) => {
          if (match) return;
          for (const item of items) {
            const parsed = AutopilotDevice.safeParse(item);
            if (!parsed.success)
              throw new GraphContractError('windowsAutopilotDeviceIdentity: unexpected shape', { operation: 'listAutopilotDevices' });
            if (sameSerial(parsed.data.serialNumber, serial)) match = parsed.data;
          }
        },
        { from: nextLink },
      );
      if (!walked.ok && walked.status !== 404)
        throw new GraphContractError(`windowsAutopilotDeviceIdentities: ${walked.status} ${walked.code}`, {
          operation: 'listAutopilotDevices',
          status: walked.status,
          code: walked.code,
        });
    }
    if (match) found.set(serial, match);
  }
  return found;
}

// ---------------------------------------------------------------------------------------------
// Membership and assignments

const Member = z.object({ id: z.string(), deviceId: z.string().nullish() }).passthrough();
const IdOnly = z.object({ id: z.string() }).passthrough();
/** The most members one page of a directory collection returns. */
const DIRECTORY_PAGE = 999;

export interface GroupDevices {
  /** The Entra deviceIds among those wanted (lower case) that are transitive device members. */
  deviceIds: IdSet;
  /** Device members the service returned without a deviceId: the "limited information" a missing Device.Read.All gives. */
  withoutDeviceId: number;
}

/**
 * Which of the `wanted` Entra deviceIds (lower case) are transitive members of a group; undefined
 * when the group does not exist. Read page by page (groups are as large as the tenant), keeping only
 * the wanted ids. The cast to microsoft.graph.device makes it an advanced query (catalog flag).
 * `into` gets the members found: a set of their own by default; the confirm step marks them on the
 * set it filters on (guid-table.ts) instead of copying up to 100,000 ids.
 */
export async function readGroupDeviceIds(
  graph: GraphGateway,
  groupId: string,
  wanted: IdSet,
  into: IdCollector = new GuidSet(),
): Promise<GroupDevices | undefined> {
  const out = { deviceIds: into, withoutDeviceId: 0 };
  const walked = await graph.forEachPage(
    { op: 'listGroupDeviceMembers', params: { id: groupId }, query: { select: ['id', 'deviceId'], top: DIRECTORY_PAGE } },
    (items) => {
      for (const item of items) {
        const m = Member.safeParse(item);
        if (!m.success) throw new GraphContractError(`group ${groupId} members: unexpected shape`, { operation: 'listGroupDeviceMembers' });
        const deviceId = m.data.deviceId?.toLowerCase();
        if (!deviceId) out.withoutDeviceId++;
        else if (wanted.has(deviceId)) out.deviceIds.add(deviceId);
      }
    },
  );
  if (walked.ok) return out;
  if (walked.status === 404) return undefined;
  throw new GraphContractError(`group ${groupId} members: ${walked.status} ${walked.code}`, {
    operation: 'listGroupDeviceMembers',
    status: walked.status,
    code: walked.code,
  });
}

/**
 * Which of the `wanted` Autopilot ids the deployment profile is assigned to, collected `into` a set of
 * their own unless the caller marks them elsewhere; undefined when the profile does not exist.
 */
export async function readProfileDeviceIds(
  graph: GraphGateway,
  profileId: string,
  wanted: IdSet,
  ids: IdCollector = new GuidSet(),
): Promise<IdSet | undefined> {
  // Whole records, though only the ids are used: the service answers `$select` on the Autopilot
  // device list with a 500 (docs/GRAPH-EMULATOR.md, "$select"), and nothing says this navigation of
  // the same entity type is spared.
  const walked = await graph.forEachPage({ op: 'listProfileAssignedDevices', params: { id: profileId } }, (items) => {
    for (const item of items) {
      const parsed = IdOnly.safeParse(item);
      if (parsed.success && wanted.has(parsed.data.id)) ids.add(parsed.data.id);
    }
  });
  if (walked.ok) return ids;
  if (walked.status === 404) return undefined;
  throw new GraphContractError(`profile ${profileId} assigned devices: ${walked.status} ${walked.code}`, {
    operation: 'listProfileAssignedDevices',
    status: walked.status,
    code: walked.code,
  });
}

// ---------------------------------------------------------------------------------------------
// Enrollment Status Pages (deviceEnrollmentConfiguration, beta)

export interface EspAssignment {
  kind: 'group' | 'exclusion' | 'allDevices' | 'allUsers' | 'other';
  groupId?: string;
  /** An assignment filter narrows the target on the device at enrollment; this app cannot evaluate it. */
  filterId?: string;
  filterType?: 'include' | 'exclude';
}

export interface EspConfig {
  id: string;
  displayName: string;
  priority: number;
  isDefault: boolean;
  assignments: EspAssignment[];
}

const Target = z
  .object({
    '@odata.type': z.string().optional(),
    groupId: z.string().nullish(),
    deviceAndAppManagementAssignmentFilterId: z.string().nullish(),
    deviceAndAppManagementAssignmentFilterType: z.string().nullish(),
  })
  .passthrough();

const EnrollmentConfig = z
  .object({
    '@odata.type': z.string().optional(),
    id: z.string(),
    displayName: z.string().nullish(),
    priority: z.number().nullish(),
    deviceEnrollmentConfigurationType: z.string().nullish(),
    assignments: z.array(z.object({ target: Target }).passthrough()).nullish(),
  })
  .passthrough();

const ESP_TYPE = 'windows10EnrollmentCompletionPageConfiguration';
const DEFAULT_ESP_ID_SUFFIX = '_defaultwindows10enrollmentcompletionpageconfiguration';

/**
 * The tenant's built-in ESP ("All users and all devices"). Real tenants return it with the ordinary
 * ESP type, priority 0 and an id `<tenant>_DefaultWindows10EnrollmentCompletionPageConfiguration`
 * (real tenant exports; CIPP finds it with `…Type eq 'windows10EnrollmentCompletionPageConfiguration'
 * and priority eq 0`); the `default…` type member exists in the metadata only, and is still honoured.
 */
export function isDefaultEsp(c: { id: string; priority?: number | null; type: string }): boolean {
  if (c.type === `default${ESP_TYPE[0]!.toUpperCase()}${ESP_TYPE.slice(1)}`) return true;
  if (c.type !== ESP_TYPE) return false;
  return c.id.toLowerCase().endsWith(DEFAULT_ESP_ID_SUFFIX) || c.priority === 0;
}

function toAssignment(target: z.infer<typeof Target>): EspAssignment {
  const type = (target['@odata.type'] ?? '').replace(/^#/, '').replace(/^microsoft\.graph\./, '');
  const groupId = target.groupId ?? undefined;
  const filterType = target.deviceAndAppManagementAssignmentFilterType;
  const filter: Pick<EspAssignment, 'filterId' | 'filterType'> =
    target.deviceAndAppManagementAssignmentFilterId && (filterType === 'include' || filterType === 'exclude')
      ? { filterId: target.deviceAndAppManagementAssignmentFilterId, filterType }
      : {};
  if (type === 'exclusionGroupAssignmentTarget') return { kind: 'exclusion', groupId };
  if (type === 'groupAssignmentTarget') return { kind: 'group', groupId, ...filter };
  if (type === 'allDevicesAssignmentTarget') return { kind: 'allDevices', ...filter };
  if (type === 'allLicensedUsersAssignmentTarget') return { kind: 'allUsers', ...filter };
  return { kind: 'other', groupId };
}

/** Every ESP of the tenant with its priority and assignments (one list; other enrollment configurations are skipped). */
export async function readEsps(graph: GraphGateway): Promise<EspConfig[]> {
  const esps: EspConfig[] = [];
  const walked = await graph.forEachPage({ op: 'listEnrollmentConfigurations', query: { expand: ['assignments'] } }, (items) => {
    for (const item of items) {
      const parsed = EnrollmentConfig.safeParse(item);
      if (!parsed.success)
        throw new GraphContractError('deviceEnrollmentConfiguration: unexpected shape', { operation: 'listEnrollmentConfigurations' });
      const c = parsed.data;
      const type = c.deviceEnrollmentConfigurationType ?? (c['@odata.type'] ?? '').replace(/^#microsoft\.graph\./, '');
      const isDefault = isDefaultEsp({ id: c.id, priority: c.priority, type });
      if (!isDefault && type !== ESP_TYPE) continue;
      esps.push({
        id: c.id,
        displayName: c.displayName ?? c.id,
        priority: c.priority ?? 0,
        isDefault,
        assignments: (c.assignments ?? []).map((a) => toAssignment(a.target)),
      });
    }
  });
  if (!walked.ok)
    throw new GraphContractError(`deviceEnrollmentConfigurations: ${walked.status} ${walked.code}`, {
      operation: 'listEnrollmentConfigurations',
      status: walked.status,
      code: walked.code,
    });
  return esps;
}
