import { z } from 'zod';
import type { ControlResult } from './control';
import { addImportRecords, deleteEntraDevice, duplicateRegistration, errorNameFor, removeZtdid } from './domain/drift';
import { setEnrollmentState } from './domain/enrollment';
import { pinProfileStatus, releaseProfileStatus } from './domain/profiles';
import { serialKey, updateDeviceProperties } from './domain/registration';
import type { Tenant } from './domain/tenant';
import { ENROLLMENT_STATES, PROFILE_DETAILED_STATUSES, type AutopilotDevice } from './state/types';

/**
 * `POST /_emulator/drift/…`: puts the tenant into the states a reconciliation has to find, each
 * standing for a real-world cause (docs/GRAPH-EMULATOR.md, "Drift"; the causes are cited in
 * domain/drift.ts and domain/profiles.ts). Bodies are zod-checked (400); an unknown serial is a 404.
 * A serial names the registration DDS matches imports on, the oldest when there are duplicates.
 */
const Serial = z.string().trim().min(1);

const SerialBody = z.strictObject({ serialNumber: Serial });
const GroupTagBody = z.strictObject({ serialNumber: Serial, groupTag: z.string() });
const ProfileStatusBody = z.union([
  z.strictObject({
    serialNumber: Serial,
    status: z.enum(['pending', 'failed', 'notAssigned', 'unknown']),
    detailedStatus: z.enum(PROFILE_DETAILED_STATUSES).optional(),
  }),
  z.strictObject({ serialNumber: Serial, release: z.literal(true) }),
]);
const EnrollmentStateBody = z.strictObject({ serialNumber: Serial, enrollmentState: z.enum(ENROLLMENT_STATES) });
const DuplicateBody = z.strictObject({ serialNumber: Serial, groupTag: z.string().optional() });
const ImportRecordsBody = z.strictObject({
  records: z
    .array(
      z
        .strictObject({
          serialNumber: Serial,
          importId: z.string(),
          status: z.enum(['unknown', 'pending', 'partial', 'complete', 'error']),
          errorCode: z.number().int().optional(),
          errorName: z.string().min(1).optional(),
          groupTag: z.string().optional(),
          hardwareIdentifier: z.string().optional(),
        })
        .refine(
          (r) => r.status === 'error' || (r.errorCode === undefined && r.errorName === undefined),
          'errorCode and errorName belong to status error',
        )
        .refine((r) => r.status !== 'error' || r.errorCode !== undefined, 'a record in error needs an errorCode')
        .refine(
          (r) => r.status !== 'error' || r.errorName !== undefined || errorNameFor(r.errorCode ?? 0) !== undefined,
          'give an errorName for an unpublished errorCode',
        ),
    )
    .min(1)
    .max(100_000),
});

class NotFound extends Error {}

function registration(tenant: Tenant, serialNumber: string): AutopilotDevice {
  const id = tenant.store.registeredBySerial.get(serialKey(serialNumber));
  const ap = id === undefined ? undefined : tenant.store.autopilotAll.get(id);
  if (!ap) throw new NotFound(`no Autopilot registration with serial number ${serialNumber}`);
  return ap;
}

/** What the registration now looks like, as the answer to every per-device drift call. */
function summary(tenant: Tenant, ap: AutopilotDevice) {
  const device = tenant.store.devices.get(ap.deviceObjectId);
  return {
    id: ap.id,
    serialNumber: ap.serialNumber,
    groupTag: ap.groupTag,
    published: ap.visible,
    azureAdDeviceId: ap.azureAdDeviceId,
    deviceObjectId: ap.deviceObjectId,
    entraDevice: device ? { id: device.id, deviceId: device.deviceId, physicalIds: device.physicalIds } : null,
    enrollmentState: ap.enrollmentState,
    deploymentProfileAssignmentStatus: ap.profileStatus,
    deploymentProfileAssignmentDetailedStatus: ap.profileDetailedStatus,
    profilePinned: ap.profilePinned,
  };
}

function entraDeviceOf(tenant: Tenant, ap: AutopilotDevice) {
  const device = tenant.store.devices.get(ap.deviceObjectId);
  if (!device)
    throw new NotFound(
      `the registration with serial number ${ap.serialNumber} has no Entra device (object ${ap.deviceObjectId} was deleted)`,
    );
  return device;
}

type DriftHandler = (tenant: Tenant, body: unknown) => unknown;

const HANDLERS = new Map<string, DriftHandler>(
  Object.entries({
    'delete-entra-device': (tenant, body) => {
      const ap = registration(tenant, SerialBody.parse(body).serialNumber);
      deleteEntraDevice(tenant, entraDeviceOf(tenant, ap));
      return summary(tenant, ap);
    },
    'remove-ztdid': (tenant, body) => {
      const ap = registration(tenant, SerialBody.parse(body).serialNumber);
      removeZtdid(tenant, entraDeviceOf(tenant, ap));
      return summary(tenant, ap);
    },
    'group-tag': (tenant, body) => {
      const { serialNumber, groupTag } = GroupTagBody.parse(body);
      const ap = registration(tenant, serialNumber);
      // The code behind updateDeviceProperties: the portal's edit and the Graph action are one change.
      updateDeviceProperties(tenant, ap, { groupTag });
      return summary(tenant, ap);
    },
    'profile-status': (tenant, body) => {
      const parsed = ProfileStatusBody.parse(body);
      const ap = registration(tenant, parsed.serialNumber);
      if ('release' in parsed) releaseProfileStatus(tenant, ap);
      else pinProfileStatus(tenant, ap, parsed.status, parsed.detailedStatus ?? 'none');
      return summary(tenant, ap);
    },
    'enrollment-state': (tenant, body) => {
      const { serialNumber, enrollmentState } = EnrollmentStateBody.parse(body);
      const ap = registration(tenant, serialNumber);
      setEnrollmentState(tenant, ap, enrollmentState);
      return summary(tenant, ap);
    },
    'import-records': (tenant, body) => {
      const records = addImportRecords(tenant, ImportRecordsBody.parse(body).records);
      return {
        records: records.map((r) => ({
          id: r.id,
          serialNumber: r.serialNumber,
          importId: r.importId,
          deviceImportStatus: r.status,
          deviceErrorCode: r.deviceErrorCode,
          deviceErrorName: r.deviceErrorName,
        })),
      };
    },
    'duplicate-registration': (tenant, body) => {
      const { serialNumber, groupTag } = DuplicateBody.parse(body);
      const original = registration(tenant, serialNumber);
      const duplicate = duplicateRegistration(tenant, original, groupTag);
      return { original: summary(tenant, original), duplicate: summary(tenant, duplicate) };
    },
  } satisfies Record<string, DriftHandler>),
);

/** Handles `POST /_emulator/drift/<name>`; undefined for a path that is not a drift call. */
export function handleDrift(tenant: Tenant, method: string, path: string, body: unknown): ControlResult | undefined {
  const match = /^\/_emulator\/drift\/([^/]+)$/.exec(path);
  if (!match) return undefined;
  const handler = HANDLERS.get(match[1]!);
  if (!handler || method !== 'POST')
    return { status: 404, body: { error: `unknown drift call ${method} ${path}; POST one of ${[...HANDLERS.keys()].join(', ')}` } };
  // Due work first, so the drift lands on a tenant that matches the clock (as a Graph request does).
  tenant.runDue();
  try {
    return { status: 200, body: handler(tenant, body ?? {}) };
  } catch (error) {
    if (error instanceof NotFound) return { status: 404, body: { error: error.message } };
    throw error;
  }
}
