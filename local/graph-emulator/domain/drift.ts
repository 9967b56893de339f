import type { AutopilotDevice, EntraDevice, ImportRecord, ImportStatus } from '../state/types';
import type { TenantContext } from './context';
import { newId } from './ids';
import { devicesChanged } from './membership';
import { publish, registerDevice, serialKey } from './registration';

/**
 * Drift: states a tenant reaches after an intake run through other hands (scripts, the portal,
 * other import tools, repairs), put in place by the drift control API (docs/GRAPH-EMULATOR.md,
 * "Drift"). Each function changes only what that cause changes; what follows from it (dynamic
 * membership, profile assignment) is left to the service's ordinary processing, with its delays.
 * The callers (../drift.ts) check that the objects exist.
 */

/**
 * A stale-device cleanup deletes the Entra object of an Autopilot device: `Remove-AzureADDevice`
 * did not refuse, "leaving the Autopilot device with no associated Azure AD device"
 * (MicrosoftDocs/azure-docs#85593). The registration keeps its `azureActiveDirectoryDeviceId` /
 * `azureAdDeviceId`, now pointing at nothing. Deleting an object removes it from every group at once
 * (store.removeDevice), as DELETE /devices/{id} does. The profile assignment is left as it was: after
 * such a deletion a user-driven deployment still runs and self-deploying fails on the ZTDID check
 * (azure-docs#60324), so the service still hands the device its profile.
 */
export function deleteEntraDevice(ctx: TenantContext, device: EntraDevice): void {
  ctx.store.removeDevice(device.id);
}

/**
 * The Entra object of a registration without its `[ZTDID]:<id>` physical id: the object a device
 * joins with is not the one DDS tagged (a new untagged object after the tagged one was deleted, or a
 * ZTDID mismatch, azure-docs#60324). Rules on `[ZTDID]` drop it after the membership delay, and
 * profile targeting follows the membership as for any other change. Returns false when the object
 * had no ZTDID already.
 */
export function removeZtdid(ctx: TenantContext, device: EntraDevice): boolean {
  const kept = device.physicalIds.filter((p) => !/^\[ZTDID\]:/i.test(p));
  if (kept.length === device.physicalIds.length) return false;
  ctx.store.setPhysicalIds(device, kept);
  devicesChanged(ctx, [device.id]);
  return true;
}

/** Every published DDS error name by code (graph-api reference §2.5), for records given a code only. */
const ERROR_NAMES: ReadonlyMap<number, string> = new Map([
  [801, 'InvalidZtdRequestBody'],
  [802, 'InvalidZtdHardwareHash'],
  [803, 'MissingZtdSerialNumberAndProductKey'],
  [806, 'ZtdDeviceAlreadyAssigned'],
  [807, 'ZtdDeviceIsNotRegistered'],
  [808, 'ZtdDeviceAssignedToOtherTenant'],
  [809, 'ZtdProfileIsNotRegistered'],
  [810, 'ZtdProfileAssignedToOtherTenant'],
  [811, 'ZtdDeviceRegisteredByOtherTenant'],
  [812, 'ZtdDeviceNotFound'],
  [813, 'ZtdDeviceIsNotUnique'],
  [814, 'ZtdDeviceAlreadyAadRegistered'],
]);

export const errorNameFor = (code: number): string | undefined => ERROR_NAMES.get(code);

export interface LeftoverRecord {
  serialNumber: string;
  importId: string;
  status: ImportStatus;
  errorCode?: number | undefined;
  errorName?: string | undefined;
  groupTag?: string | undefined;
  hardwareIdentifier?: string | undefined;
}

/**
 * Import records left behind by other tools or crashed runs, in any state. Scripts are expected to
 * delete a record once its import finished, and many do not; Kieselbach's runbook refuses to run at
 * 175 or more leftovers (okieselbach/Azure-Automation `Import-AutoPilotInfo.ps1`). They are stored
 * like any record and listed, read and deleted through the ordinary endpoints, but no processing is
 * queued: an `unknown` or `pending` leftover stays so. A `complete` one names the registration of its
 * serial (when there is one) as `deviceRegistrationId`.
 */
export function addImportRecords(ctx: TenantContext, leftovers: LeftoverRecord[]): ImportRecord[] {
  const callId = newId();
  return leftovers.map((l) => {
    const complete = l.status === 'complete';
    const record: ImportRecord = {
      id: newId(),
      serialNumber: l.serialNumber,
      groupTag: l.groupTag ?? null,
      productKey: null,
      importId: l.importId,
      hardwareIdentifier: l.hardwareIdentifier ?? null,
      assignedUserPrincipalName: null,
      status: l.status,
      deviceRegistrationId: complete ? (ctx.store.registeredBySerial.get(serialKey(l.serialNumber)) ?? '') : '',
      deviceErrorCode: l.errorCode ?? 0,
      // The names DDS writes: `None` on success, the code's name on error, empty while unprocessed.
      deviceErrorName: l.status === 'error' ? (l.errorName ?? errorNameFor(l.errorCode ?? 0) ?? '') : complete ? 'None' : '',
      callId,
    };
    ctx.store.imports.set(record.id, record);
    return record;
  });
}

/**
 * A second registration with the serial of an existing one: a device re-captured after a
 * motherboard replacement and imported again without the old record being deregistered first (the
 * order memdocs `autopilot/autopilot-mbr.md` asks for); "Several Autopilot records can legitimately
 * carry one serial: a device re-registered under a new Autopilot ID keeps its serial"
 * (fleetdm/fleet#51109). It gets its own Autopilot id and its own pre-created Entra device, is
 * published at once, and then joins groups and gets its profile like any new registration.
 */
export function duplicateRegistration(ctx: TenantContext, original: AutopilotDevice, groupTag: string | undefined): AutopilotDevice {
  const duplicate = registerDevice(ctx, {
    serialNumber: original.serialNumber,
    manufacturer: original.manufacturer,
    model: original.model,
    groupTag: groupTag ?? original.groupTag,
    purchaseOrderIdentifier: original.purchaseOrderIdentifier,
    productKey: '',
    userPrincipalName: '',
    // Only the `[HWID]` digits come from it: a new board gives a new hash, so new digits.
    hardwareIdentifier: `${original.serialKey}|re-captured|${newId()}`,
    at: ctx.now(),
  });
  publish(ctx, [duplicate.id]);
  devicesChanged(ctx, [duplicate.deviceObjectId]);
  return duplicate;
}
