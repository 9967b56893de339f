import type {
  Assignment,
  AutopilotDevice,
  EnrollmentState,
  AutopilotSettings,
  DeploymentProfile,
  EnrollmentConfiguration,
  ImportRecord,
} from '../state/types';
import { iso, isoOrNever, NEVER, type ApiVersion, type JsonObject } from './common';

/**
 * Wire shapes of the Intune entities, per API version. Property names are exactly those of
 * Microsoft's type mappings for that version (graph-openapi/type-mappings); beta-only properties
 * never appear on v1.0.
 */
export function importedIdentity(r: ImportRecord): JsonObject {
  return {
    '@odata.type': '#microsoft.graph.importedWindowsAutopilotDeviceIdentity',
    id: r.id,
    groupTag: r.groupTag,
    serialNumber: r.serialNumber,
    productKey: r.productKey,
    importId: r.importId,
    hardwareIdentifier: r.hardwareIdentifier,
    assignedUserPrincipalName: r.assignedUserPrincipalName,
    state: {
      '@odata.type': 'microsoft.graph.importedWindowsAutopilotDeviceIdentityState',
      deviceImportStatus: r.status,
      deviceRegistrationId: r.deviceRegistrationId,
      deviceErrorCode: r.deviceErrorCode,
      deviceErrorName: r.deviceErrorName,
    },
  };
}

const ZERO_GUID = '00000000-0000-0000-0000-000000000000';

/** v1.0's `enrollmentState` has no `blocked` (beta added it) and no `unknownFutureValue`; what the
 * service sends a v1.0 caller for a blocked device is not published, so the emulator says `unknown`. */
function enrollmentState(state: EnrollmentState, version: ApiVersion): EnrollmentState {
  return version === 'v1.0' && state === 'blocked' ? 'unknown' : state;
}

export function autopilotDevice(ap: AutopilotDevice, version: ApiVersion): JsonObject {
  const common: JsonObject = {
    '@odata.type': '#microsoft.graph.windowsAutopilotDeviceIdentity',
    id: ap.id,
    groupTag: ap.groupTag,
    purchaseOrderIdentifier: ap.purchaseOrderIdentifier,
    serialNumber: ap.serialNumber,
    productKey: ap.productKey,
    manufacturer: ap.manufacturer,
    model: ap.model,
    enrollmentState: enrollmentState(ap.enrollmentState, version),
    lastContactedDateTime: isoOrNever(ap.lastContactedAt),
    addressableUserName: ap.addressableUserName,
    userPrincipalName: ap.userPrincipalName,
    resourceName: ap.resourceName,
    skuNumber: ap.skuNumber,
    systemFamily: ap.systemFamily,
    azureActiveDirectoryDeviceId: ap.azureAdDeviceId,
    managedDeviceId: ap.managedDeviceId ?? ZERO_GUID,
    displayName: ap.displayName,
  };
  if (version === 'v1.0') return common;
  // Added property by property: V8 builds `{ ...common, ten more }` some hundred times slower (≈40 µs
  // an object), which made a 20,000-device beta walk take a second (docs/PERFORMANCE.md).
  common.deploymentProfileAssignmentStatus = ap.profileStatus;
  common.deploymentProfileAssignmentDetailedStatus = ap.profileDetailedStatus;
  common.deploymentProfileAssignedDateTime = isoOrNever(ap.profileAssignedAt);
  common.azureAdDeviceId = ap.azureAdDeviceId;
  common.remediationState = 'noRemediationRequired';
  common.remediationStateLastModifiedDateTime = NEVER;
  common.userlessEnrollmentStatus = 'unknown';
  common.deviceAccountUpn = '';
  common.deviceAccountPassword = null;
  common.deviceFriendlyName = '';
  return common;
}

export function autopilotSettings(s: AutopilotSettings): JsonObject {
  return {
    '@odata.type': '#microsoft.graph.windowsAutopilotSettings',
    id: s.id,
    lastSyncDateTime: isoOrNever(s.lastSyncDateTime),
    lastManualSyncTriggerDateTime: isoOrNever(s.lastManualSyncTriggerDateTime),
    syncStatus: s.syncStatus,
  };
}

function target(a: Assignment, version: ApiVersion): JsonObject {
  const t = a.target;
  const type =
    t.kind === 'group'
      ? 'groupAssignmentTarget'
      : t.kind === 'exclusionGroup'
        ? 'exclusionGroupAssignmentTarget'
        : t.kind === 'allDevices'
          ? 'allDevicesAssignmentTarget'
          : 'allLicensedUsersAssignmentTarget';
  const out: JsonObject = { '@odata.type': `#microsoft.graph.${type}` };
  if (version === 'beta') {
    out.deviceAndAppManagementAssignmentFilterId = t.filterId;
    out.deviceAndAppManagementAssignmentFilterType = t.filterType;
  }
  if (t.kind === 'group' || t.kind === 'exclusionGroup') out.groupId = t.groupId;
  return out;
}

export function profileAssignment(a: Assignment): JsonObject {
  return {
    '@odata.type': '#microsoft.graph.windowsAutopilotDeploymentProfileAssignment',
    id: a.id,
    source: a.source,
    sourceId: a.sourceId,
    target: target(a, 'beta'),
  };
}

export function enrollmentAssignment(a: Assignment, version: ApiVersion): JsonObject {
  const out: JsonObject = { '@odata.type': '#microsoft.graph.enrollmentConfigurationAssignment', id: a.id, target: target(a, version) };
  if (version === 'beta') {
    out.source = a.source;
    out.sourceId = a.sourceId;
  }
  return out;
}

/** Deployment profiles exist only on beta. Both the current and the deprecated OOBE shapes are
 * returned, as the service does today. */
export function deploymentProfile(p: DeploymentProfile): JsonObject {
  const o = p.outOfBoxExperienceSetting;
  const out: JsonObject = {
    '@odata.type': `#microsoft.graph.${p.odataType}`,
    id: p.id,
    displayName: p.displayName,
    description: p.description,
    locale: p.locale,
    language: p.locale,
    createdDateTime: iso(p.createdDateTime),
    lastModifiedDateTime: iso(p.lastModifiedDateTime),
    outOfBoxExperienceSetting: {
      '@odata.type': 'microsoft.graph.outOfBoxExperienceSetting',
      privacySettingsHidden: o.privacySettingsHidden,
      eulaHidden: o.eulaHidden,
      userType: o.userType,
      deviceUsageType: o.deviceUsageType,
      keyboardSelectionPageSkipped: o.keyboardSelectionPageSkipped,
      escapeLinkHidden: o.escapeLinkHidden,
    },
    outOfBoxExperienceSettings: {
      '@odata.type': 'microsoft.graph.outOfBoxExperienceSettings',
      hidePrivacySettings: o.privacySettingsHidden,
      hideEULA: o.eulaHidden,
      userType: o.userType,
      deviceUsageType: o.deviceUsageType,
      skipKeyboardSelectionPage: o.keyboardSelectionPageSkipped,
      hideEscapeLink: o.escapeLinkHidden,
    },
    enrollmentStatusScreenSettings: p.enrollmentStatusScreenSettings
      ? { '@odata.type': 'microsoft.graph.windowsEnrollmentStatusScreenSettings', ...p.enrollmentStatusScreenSettings }
      : null,
    extractHardwareHash: p.hardwareHashExtractionEnabled,
    hardwareHashExtractionEnabled: p.hardwareHashExtractionEnabled,
    deviceNameTemplate: p.deviceNameTemplate,
    deviceType: p.deviceType,
    enableWhiteGlove: p.preprovisioningAllowed,
    preprovisioningAllowed: p.preprovisioningAllowed,
    roleScopeTagIds: p.roleScopeTagIds,
    managementServiceAppId: p.managementServiceAppId,
  };
  if (p.odataType === 'activeDirectoryWindowsAutopilotDeploymentProfile')
    out.hybridAzureADJoinSkipConnectivityCheck = p.hybridAzureADJoinSkipConnectivityCheck;
  return out;
}

export function enrollmentConfiguration(c: EnrollmentConfiguration, version: ApiVersion): JsonObject {
  const base: JsonObject = {
    '@odata.type': '#microsoft.graph.windows10EnrollmentCompletionPageConfiguration',
    id: c.id,
    displayName: c.displayName,
    description: c.description,
    priority: c.priority,
    createdDateTime: iso(c.createdDateTime),
    lastModifiedDateTime: iso(c.lastModifiedDateTime),
    version: c.version,
  };
  if (version === 'v1.0') return { ...base, allowNonBlockingAppInstallation: c.settings.allowNonBlockingAppInstallation };
  return {
    ...base,
    roleScopeTagIds: c.roleScopeTagIds,
    // The built-in ESP too: real tenants return it with the ordinary type, priority 0 and an id
    // `<tenant>_DefaultWindows10EnrollmentCompletionPageConfiguration`; the `default…` member of the
    // enum is metadata only (real tenant exports; CIPP-API Invoke-CIPPStandardAutopilotStatusPage).
    deviceEnrollmentConfigurationType: 'windows10EnrollmentCompletionPageConfiguration',
    ...c.settings,
  };
}
