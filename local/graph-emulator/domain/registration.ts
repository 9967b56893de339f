import type { AutopilotDevice, EntraDevice, ImportRecord } from '../state/types';
import { scaled, type TenantContext } from './context';
import { digitsOf, newId } from './ids';
import { devicesChanged } from './membership';
import { readOa3Identity } from './oa3';
import { reconcileProfile } from './profiles';

export interface ImportInput {
  serialNumber?: string | null | undefined;
  groupTag?: string | null | undefined;
  productKey?: string | null | undefined;
  importId?: string | null | undefined;
  hardwareIdentifier?: string | null | undefined;
  assignedUserPrincipalName?: string | null | undefined;
}

/** The identity DDS matches registrations on (docs/GRAPH-EMULATOR.md, "Device identity"). */
export const serialKey = (serial: string): string => serial.trim().toUpperCase();

/** Creates import records as `unknown` and queues their processing; returns them in input order. */
export function createImports(ctx: TenantContext, inputs: ImportInput[]): ImportRecord[] {
  const callId = newId();
  const records = inputs.map<ImportRecord>((input) => ({
    id: newId(),
    serialNumber: input.serialNumber ?? null,
    groupTag: input.groupTag ?? null,
    productKey: input.productKey ?? null,
    importId: input.importId ?? null,
    hardwareIdentifier: input.hardwareIdentifier ?? null,
    assignedUserPrincipalName: input.assignedUserPrincipalName ?? null,
    status: 'unknown',
    deviceRegistrationId: '',
    deviceErrorCode: 0,
    deviceErrorName: '',
    callId,
  }));
  for (const r of records) ctx.store.imports.set(r.id, r);
  const now = ctx.now();
  const recordIds = records.map((r) => r.id);
  const { importPendingMs, importProcessMs } = ctx.settings().delays;
  ctx.scheduler.schedule(now + scaled(ctx, importPendingMs), { kind: 'importPending', recordIds });
  ctx.scheduler.schedule(now + scaled(ctx, Math.max(importPendingMs, importProcessMs)), { kind: 'importProcess', recordIds });
  return records;
}

export function markPending(ctx: TenantContext, recordIds: string[]): void {
  for (const id of recordIds) {
    const r = ctx.store.imports.get(id);
    if (r && r.status === 'unknown') r.status = 'pending';
  }
}

function fail(r: ImportRecord, code: number, name: string): void {
  r.status = 'error';
  r.deviceErrorCode = code;
  r.deviceErrorName = name;
}

/**
 * DDS processing of one import call: 802 for a hash that does not decode or lacks serial or
 * manufacturer, 803 without hash, serial and product key, ZtdDeviceDuplicated for the second copy
 * of a hash in the call, 808 for a device another tenant owns, 806 for one this tenant has.
 */
export function processImports(ctx: TenantContext, recordIds: string[], at: number): void {
  const seenInCall = new Set<string>();
  const registered: AutopilotDevice[] = [];
  for (const id of recordIds) {
    const r = ctx.store.imports.get(id);
    if (!r || (r.status !== 'unknown' && r.status !== 'pending')) continue;
    if (!r.hardwareIdentifier) {
      if (!r.serialNumber && !r.productKey) fail(r, 803, 'MissingZtdSerialNumberAndProductKey');
      else fail(r, 802, 'InvalidZtdHardwareHash');
      continue;
    }
    // The emulator's own OA3 reading (./oa3.ts), never the product's decoder.
    const reading = readOa3Identity(r.hardwareIdentifier);
    if (!reading.ok) {
      fail(r, 802, 'InvalidZtdHardwareHash');
      continue;
    }
    const { identity } = reading;
    const key = serialKey(identity.serialNumber);
    if (seenInCall.has(key)) {
      // No public numeric code exists for this one; 0 with the name (docs/GRAPH-EMULATOR.md).
      fail(r, 0, 'ZtdDeviceDuplicated');
      continue;
    }
    seenInCall.add(key);
    if (ctx.store.foreignSerials.has(key)) {
      fail(r, 808, 'ZtdDeviceAssignedToOtherTenant');
      continue;
    }
    if (ctx.store.registeredBySerial.has(key)) {
      fail(r, 806, 'ZtdDeviceAlreadyAssigned');
      continue;
    }
    const ap = registerDevice(ctx, {
      serialNumber: identity.serialNumber,
      manufacturer: identity.manufacturer,
      model: identity.model,
      groupTag: r.groupTag ?? '',
      purchaseOrderIdentifier: '',
      productKey: r.productKey ?? '',
      userPrincipalName: r.assignedUserPrincipalName ?? '',
      hardwareIdentifier: r.hardwareIdentifier,
      at,
    });
    registered.push(ap);
    r.status = 'complete';
    r.deviceRegistrationId = ap.id;
    r.deviceErrorCode = 0;
    r.deviceErrorName = 'None';
  }
  if (registered.length > 0) {
    for (const ap of registered) ctx.unpublished.add(ap.id);
    ctx.scheduler.schedule(at + scaled(ctx, ctx.settings().delays.autoSyncMs), {
      kind: 'autopilotVisible',
      autopilotIds: registered.map((a) => a.id),
    });
    devicesChanged(
      ctx,
      registered.map((a) => a.deviceObjectId),
    );
  }
}

export interface RegistrationSpec {
  id?: string;
  serialNumber: string;
  manufacturer: string;
  model: string;
  groupTag: string;
  purchaseOrderIdentifier: string;
  productKey: string;
  userPrincipalName: string;
  hardwareIdentifier: string | undefined;
  deviceObjectId?: string;
  azureAdDeviceId?: string;
  at: number;
}

export function physicalIdsFor(ap: Pick<AutopilotDevice, 'id' | 'groupTag' | 'purchaseOrderIdentifier'>, hwid: string): string[] {
  const ids = [`[ZTDID]:${ap.id}`];
  if (ap.groupTag) ids.push(`[OrderID]:${ap.groupTag}`);
  if (ap.purchaseOrderIdentifier) ids.push(`[PurchaseOrderId]:${ap.purchaseOrderIdentifier}`);
  ids.push(`[HWID]:h:${hwid}`);
  return ids;
}

/** What a successful DDS registration creates: the Autopilot identity and its Entra device. */
export function registerDevice(ctx: TenantContext, spec: RegistrationSpec): AutopilotDevice {
  const ap: AutopilotDevice = {
    id: spec.id ?? newId(),
    serialNumber: spec.serialNumber,
    serialKey: serialKey(spec.serialNumber),
    manufacturer: spec.manufacturer,
    model: spec.model,
    groupTag: spec.groupTag,
    purchaseOrderIdentifier: spec.purchaseOrderIdentifier,
    productKey: spec.productKey,
    displayName: '',
    userPrincipalName: spec.userPrincipalName,
    addressableUserName: '',
    skuNumber: '',
    systemFamily: '',
    resourceName: '',
    azureAdDeviceId: spec.azureAdDeviceId ?? newId(),
    deviceObjectId: spec.deviceObjectId ?? newId(),
    registeredAt: spec.at,
    visible: false,
    profileStatus: 'notAssigned',
    profileDetailedStatus: 'none',
    profilePinned: false,
    profileAssignedAt: undefined,
    profileId: undefined,
    intendedProfileId: undefined,
    profileGeneration: 0,
    enrollmentState: 'notContacted',
    lastContactedAt: undefined,
    managedDeviceId: undefined,
  };
  const hwid = digitsOf(spec.hardwareIdentifier ?? `${ap.serialKey}|${spec.manufacturer}`);
  const device: EntraDevice = {
    id: ap.deviceObjectId,
    deviceId: ap.azureAdDeviceId,
    // Until enrollment, the pre-created object is named after the serial number.
    displayName: spec.serialNumber,
    physicalIds: physicalIdsFor(ap, hwid),
    accountEnabled: true,
    operatingSystem: 'Windows',
    operatingSystemVersion: '',
    manufacturer: null,
    model: null,
    enrollmentProfileName: null,
    registrationDateTime: spec.at,
    memberOf: new Set(),
    autopilotId: ap.id,
  };
  ctx.store.addAutopilot(ap);
  ctx.store.addDevice(device);
  return ap;
}

/** Publishes registrations to windowsAutopilotDeviceIdentities (sync or automatic delay). */
export function publish(ctx: TenantContext, autopilotIds: Iterable<string>): void {
  for (const id of autopilotIds) {
    ctx.unpublished.delete(id);
    const ap = ctx.store.autopilotAll.get(id);
    if (ap && ctx.store.publishAutopilot(ap)) reconcileProfile(ctx, ap);
  }
}

/**
 * groupTag/PO changes rewrite the Entra physical ids, which dynamic rules then see. A device that
 * lost its `[ZTDID]` (drift) does not get it back from a tag change: nothing documented restores it
 * short of deregistering and importing the hash again (azure-docs#60324).
 */
export function refreshPhysicalIds(ctx: TenantContext, ap: AutopilotDevice): void {
  const device = ctx.store.devices.get(ap.deviceObjectId);
  if (!device) return;
  const hwid = device.physicalIds.find((p) => p.startsWith('[HWID]:h:'))?.slice('[HWID]:h:'.length) ?? digitsOf(ap.serialKey);
  const hadZtdid = device.physicalIds.some((p) => /^\[ZTDID\]:/i.test(p));
  const others = device.physicalIds.filter((p) => !/^\[(ZTDID|OrderID|PurchaseOrderId|HWID)\]:/i.test(p));
  const owned = physicalIdsFor(ap, hwid)
    .slice(0, -1)
    .filter((p) => hadZtdid || !p.startsWith('[ZTDID]:'));
  ctx.store.setPhysicalIds(device, [...owned, ...others, `[HWID]:h:${hwid}`]);
  devicesChanged(ctx, [device.id]);
}

export interface DevicePropertiesUpdate {
  userPrincipalName?: string | null | undefined;
  addressableUserName?: string | null | undefined;
  groupTag?: string | null | undefined;
  displayName?: string | null | undefined;
}

/** The `updateDeviceProperties` action: null or absent leaves a property as it is; a new group tag
 * rewrites `[OrderID]` and the rules re-evaluate (graph-api reference §3.2). */
export function updateDeviceProperties(ctx: TenantContext, ap: AutopilotDevice, update: DevicePropertiesUpdate): void {
  if (update.userPrincipalName != null) ap.userPrincipalName = update.userPrincipalName;
  if (update.addressableUserName != null) ap.addressableUserName = update.addressableUserName;
  if (update.displayName != null) ap.displayName = update.displayName;
  if (update.groupTag != null && update.groupTag !== ap.groupTag) {
    ap.groupTag = update.groupTag;
    refreshPhysicalIds(ctx, ap);
  }
}
