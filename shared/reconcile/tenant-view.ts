/**
 * The tenant as a reconciliation sees it, read in bulk: the whole Autopilot list (pages of 1,000),
 * the Entra devices those registrations link to (one paged read of /devices, keeping only theirs),
 * each expected group's state and device members, each expected profile's assigned devices and
 * targets, and the tenant's import records. A handful of round trips per thousand devices, whatever
 * the number of ledger devices. Only the ledger's registrations are kept (a few fields each); the
 * others are handed over as the walk meets them, so memory follows the ledger, not the tenant.
 */
import { z } from 'zod';
import {
  AutopilotDevice,
  entraDeviceIdOf,
  ImportRecord,
  RECORD_FIELDS_WITHOUT_HASH,
  readGroupDeviceIds,
  readProfileDeviceIds,
} from '../graph/autopilot-api';
import { GraphContractError } from '../graph/errors';
import type { GraphGateway, IdSet } from '../graph/gateway';
import { serialKey } from '../ledger/entry';
import { readGroup, readProfileAssignments } from '../preflight/reads';
import type { Registration, TenantView } from './classify';

const EntraDevice = z.object({ id: z.string(), deviceId: z.string().nullish(), physicalIds: z.array(z.string()).nullish() }).passthrough();
/** The most devices one page of a directory collection returns. */
const DIRECTORY_PAGE = 999;

export interface ImportRecordView {
  id: string;
  serialNumber: string;
  importId: string;
  status: string;
}

export interface ReadTenantOptions {
  groupIds: ReadonlySet<string>;
  profileIds: ReadonlySet<string>;
  now: string;
  stuckMinutes: number;
  /** The ledger's serial keys: only their registrations are kept (memory follows the ledger, not the tenant). */
  ours: ReadonlySet<string>;
  /** Every other registration, handed over as the walk meets it (and not kept). */
  foreign: (registration: Registration) => Promise<void>;
}

export interface TenantSnapshot extends TenantView {
  importRecords: ImportRecordView[];
  /** Round trips' worth of reads made (for the report). */
  pages: number;
}

function failed(op: string, walked: { status: number; code: string }): never {
  throw new GraphContractError(`${op}: ${walked.status} ${walked.code}`, { operation: op, status: walked.status, code: walked.code });
}

export async function readTenant(graph: GraphGateway, options: ReadTenantOptions): Promise<TenantSnapshot> {
  let pages = 0;
  const bySerial = new Map<string, Registration[]>();
  // Whole entities: the service answers any $select on this list with a 500 (graph-fidelity audit
  // §3.3; microsoft-graph-docs-contrib#2756, ugurkocde/DeviceOffboardingManager#65).
  const walked = await graph.forEachPage({ op: 'listAutopilotDevices' }, async (items) => {
    for (const item of items) {
      const d = AutopilotDevice.safeParse(item);
      if (!d.success)
        throw new GraphContractError('windowsAutopilotDeviceIdentity: unexpected shape', { operation: 'listAutopilotDevices' });
      const r: Registration = {
        id: d.data.id,
        serialNumber: d.data.serialNumber ?? '',
        groupTag: d.data.groupTag ?? '',
        aadDeviceId: (entraDeviceIdOf(d.data) ?? '').toLowerCase(),
        profileStatus: d.data.deploymentProfileAssignmentStatus ?? '',
        detailedStatus: d.data.deploymentProfileAssignmentDetailedStatus ?? '',
        enrollmentState: d.data.enrollmentState ?? '',
      };
      const key = serialKey(r.serialNumber);
      if (options.ours.has(key)) bySerial.set(key, [...(bySerial.get(key) ?? []), r]);
      else await options.foreign(r);
    }
  });
  if (!walked.ok) failed('listAutopilotDevices', walked);
  pages += walked.pages;

  // The Entra devices the registrations link to, with only the physical ids the rules read.
  const linked = new Set<string>();
  for (const regs of bySerial.values()) for (const r of regs) if (r.aadDeviceId) linked.add(r.aadDeviceId);
  const entra = new Map<string, string[]>();
  const devices = await graph.forEachPage(
    { op: 'listDevices', query: { select: ['id', 'deviceId', 'physicalIds'], top: DIRECTORY_PAGE } },
    (items) => {
      for (const item of items) {
        const d = EntraDevice.safeParse(item);
        if (!d.success) throw new GraphContractError('device: unexpected shape', { operation: 'listDevices' });
        const id = (d.data.deviceId ?? '').toLowerCase();
        if (linked.has(id))
          entra.set(
            id,
            (d.data.physicalIds ?? []).filter((p) => /^\[(ztdid|orderid)\]/i.test(p)),
          );
      }
    },
  );
  if (!devices.ok) failed('listDevices', devices);
  pages += devices.pages;

  const groups = new Map<string, { exists: boolean; processing: string; members: IdSet }>();
  for (const groupId of options.groupIds) {
    const g = await readGroup(graph, groupId);
    const members = g ? await readGroupDeviceIds(graph, groupId, linked) : undefined;
    groups.set(groupId, {
      exists: g !== undefined,
      processing: g?.membershipRuleProcessingState ?? 'Unknown',
      members: members?.deviceIds ?? new Set(),
    });
    pages += 2;
  }

  const allIds = new Set<string>();
  for (const regs of bySerial.values()) for (const r of regs) allIds.add(r.id);
  const profiles = new Map<string, { devices: IdSet; targets: ReadonlySet<string>; excludes: ReadonlySet<string> }>();
  for (const profileId of options.profileIds) {
    const devicesOf = await readProfileDeviceIds(graph, profileId, allIds);
    if (!devicesOf) continue;
    const assignments = await readProfileAssignments(graph, profileId);
    profiles.set(profileId, {
      devices: devicesOf,
      targets: new Set(assignments.filter((a) => a.kind === 'group' && a.groupId).map((a) => a.groupId!)),
      excludes: new Set(assignments.filter((a) => a.kind === 'exclusion' && a.groupId).map((a) => a.groupId!)),
    });
    pages += 2;
  }

  const importRecords: ImportRecordView[] = [];
  const records = await graph.forEachPage({ op: 'listImportedDevices', query: { select: [...RECORD_FIELDS_WITHOUT_HASH] } }, (items) => {
    for (const item of items) {
      const r = ImportRecord.safeParse(item);
      if (!r.success) throw new GraphContractError('imported record: unexpected shape', { operation: 'listImportedDevices' });
      importRecords.push({
        id: r.data.id,
        serialNumber: r.data.serialNumber ?? '',
        importId: r.data.importId ?? '',
        status: r.data.state?.deviceImportStatus ?? 'unknown',
      });
    }
  });
  if (!records.ok) failed('listImportedDevices', records);
  pages += records.pages;

  return {
    now: options.now,
    stuckMinutes: options.stuckMinutes,
    registrations: (serial) => bySerial.get(serialKey(serial)) ?? [],
    entraDevice: (deviceId) => {
      const physicalIds = entra.get(deviceId.toLowerCase());
      return physicalIds ? { physicalIds } : undefined;
    },
    group: (groupId) => groups.get(groupId),
    profile: (profileId) => profiles.get(profileId),
    importRecords,
    pages,
  };
}
