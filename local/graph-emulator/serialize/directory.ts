import type { EntraDevice, Group } from '../state/types';
import { iso, type ApiVersion, type Json, type JsonObject } from './common';

/**
 * Wire shapes of Entra groups and devices. Properties the emulator has no facts for are present
 * with the service's empty values, as a real GET returns them; every name is in Microsoft's type
 * mapping for the version.
 */
export function device(d: EntraDevice, version: ApiVersion): JsonObject {
  const out: JsonObject = {
    id: d.id,
    deletedDateTime: null,
    accountEnabled: d.accountEnabled,
    approximateLastSignInDateTime: null,
    complianceExpirationDateTime: null,
    deviceCategory: null,
    deviceId: d.deviceId,
    deviceMetadata: null,
    deviceOwnership: null,
    deviceVersion: null,
    displayName: d.displayName,
    enrollmentProfileName: d.enrollmentProfileName,
    enrollmentType: null,
    isCompliant: null,
    isManaged: null,
    isManagementRestricted: null,
    isRooted: false,
    managementType: null,
    manufacturer: d.manufacturer,
    mdmAppId: null,
    model: d.model,
    onPremisesLastSyncDateTime: null,
    onPremisesSecurityIdentifier: null,
    onPremisesSyncEnabled: null,
    operatingSystem: d.operatingSystem,
    operatingSystemVersion: d.operatingSystemVersion,
    physicalIds: d.physicalIds,
    profileType: 'RegisteredDevice',
    registrationDateTime: iso(d.registrationDateTime),
    systemLabels: [],
    trustType: null,
    alternativeSecurityIds: [],
  };
  if (version === 'beta') {
    out.extensionAttributes = Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`extensionAttribute${i + 1}`, null]));
  }
  return out;
}

export function group(g: Group, version: ApiVersion, withProcessingStatus: boolean): JsonObject {
  const out: JsonObject = {
    id: g.id,
    deletedDateTime: null,
    classification: null,
    createdDateTime: iso(g.createdDateTime),
    description: g.description,
    displayName: g.displayName,
    expirationDateTime: null,
    groupTypes: g.groupTypes,
    isAssignableToRole: g.isAssignableToRole,
    mail: null,
    mailEnabled: g.mailEnabled,
    mailNickname: g.mailNickname,
    membershipRule: g.membershipRule,
    membershipRuleProcessingState: g.membershipRuleProcessingState,
    onPremisesDomainName: null,
    onPremisesLastSyncDateTime: null,
    onPremisesNetBiosName: null,
    onPremisesSamAccountName: null,
    onPremisesSecurityIdentifier: null,
    onPremisesSyncEnabled: null,
    preferredDataLocation: null,
    preferredLanguage: null,
    proxyAddresses: [],
    renewedDateTime: iso(g.createdDateTime),
    resourceBehaviorOptions: [],
    resourceProvisioningOptions: [],
    securityEnabled: g.securityEnabled,
    securityIdentifier: `S-1-12-1-${g.id.replace(/-/g, '').slice(0, 8)}`,
    theme: null,
    visibility: null,
    onPremisesProvisioningErrors: [],
    serviceProvisioningErrors: [],
  };
  // beta returns membershipRuleProcessingStatus only when selected explicitly.
  if (version === 'beta' && withProcessingStatus) {
    const dynamic = g.membershipRule !== null && g.membershipRuleProcessingState === 'On';
    out.membershipRuleProcessingStatus = dynamic
      ? {
          status: g.processing.status,
          lastMembershipUpdated: iso(g.processing.lastMembershipUpdated),
          errorMessage: g.processing.errorMessage,
        }
      : null;
  }
  return out;
}

/** The device properties pages are usually narrowed to, read directly (a 999-device page with
 * `$select=id,deviceId` should not build 999 full devices). Same values as `device()`. */
const DEVICE_FAST: Record<string, (d: EntraDevice) => Json> = {
  id: (d) => d.id,
  deviceId: (d) => d.deviceId,
  displayName: (d) => d.displayName,
  physicalIds: (d) => d.physicalIds,
  accountEnabled: (d) => d.accountEnabled,
  operatingSystem: (d) => d.operatingSystem,
  enrollmentProfileName: (d) => d.enrollmentProfileName,
};

/** `$select` of a device when every name is a fast property (exact spelling); else undefined. */
export function selectedDevice(d: EntraDevice, select: string[], typed: boolean): JsonObject | undefined {
  const out: JsonObject = typed ? { '@odata.type': '#microsoft.graph.device' } : {};
  for (const name of select) {
    const read = DEVICE_FAST[name];
    if (!read) return undefined;
    out[name] = read(d);
  }
  return out;
}

/** Members of directory-object collections carry their concrete type. */
export function directoryObject(
  value: { kind: 'device'; value: EntraDevice } | { kind: 'group'; value: Group },
  version: ApiVersion,
): JsonObject {
  return value.kind === 'device'
    ? { '@odata.type': '#microsoft.graph.device', ...device(value.value, version) }
    : { '@odata.type': '#microsoft.graph.group', ...group(value.value, version, false) };
}
