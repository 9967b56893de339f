/**
 * Internal records of the emulated tenant. They hold facts, not wire shapes: the serializers in
 * serialize/ decide per API version which properties go on the wire.
 */
export type ImportStatus = 'unknown' | 'pending' | 'partial' | 'complete' | 'error';

export interface ImportRecord {
  id: string;
  serialNumber: string | null;
  groupTag: string | null;
  productKey: string | null;
  importId: string | null;
  hardwareIdentifier: string | null;
  assignedUserPrincipalName: string | null;
  status: ImportStatus;
  deviceRegistrationId: string;
  deviceErrorCode: number;
  deviceErrorName: string;
  /** Records created by one call are processed together; a duplicate hash inside a call fails. */
  callId: string;
}

export type ProfileStatus = 'notAssigned' | 'pending' | 'assignedInSync' | 'assignedOutOfSync' | 'failed' | 'unknown';

/** `windowsAutopilotProfileAssignmentDetailedStatus` (beta type mappings; vendored schema). */
export const PROFILE_DETAILED_STATUSES = [
  'none',
  'hardwareRequirementsNotMet',
  'surfaceHubProfileNotSupported',
  'holoLensProfileNotSupported',
  'windowsPcProfileNotSupported',
  'surfaceHub2SProfileNotSupported',
  'unknownFutureValue',
] as const;
export type ProfileDetailedStatus = (typeof PROFILE_DETAILED_STATUSES)[number];

/** `enrollmentState` (beta type mappings; v1.0 lacks `blocked`). A fresh registration is
 * `notContacted` ("Device is imported but not enrolled."). */
export const ENROLLMENT_STATES = ['unknown', 'enrolled', 'pendingReset', 'failed', 'notContacted', 'blocked'] as const;
export type EnrollmentState = (typeof ENROLLMENT_STATES)[number];

export interface AutopilotDevice {
  id: string;
  serialNumber: string;
  /** Upper-cased serial: the identity DDS uses for 806/808 (docs/GRAPH-EMULATOR.md, "Device identity"). */
  serialKey: string;
  manufacturer: string;
  model: string;
  groupTag: string;
  purchaseOrderIdentifier: string;
  productKey: string;
  displayName: string;
  userPrincipalName: string;
  addressableUserName: string;
  skuNumber: string;
  systemFamily: string;
  resourceName: string;
  /** Entra device id (`deviceId`, not the object id). */
  azureAdDeviceId: string;
  /** Entra object id of the device DDS pre-created. */
  deviceObjectId: string;
  registeredAt: number;
  /** False until a sync or the automatic sync delay has published the registration. */
  visible: boolean;
  profileStatus: ProfileStatus;
  profileDetailedStatus: ProfileDetailedStatus;
  /** Set by the drift control API: the assignment lifecycle leaves status and profile as they are. */
  profilePinned: boolean;
  profileAssignedAt: number | undefined;
  /** The profile the device has (navigation `deploymentProfile`). */
  profileId: string | undefined;
  /** The profile group targeting says it should have (navigation `intendedDeploymentProfile`). */
  intendedProfileId: string | undefined;
  /** Bumped whenever the intended profile changes, so stale assignment events are ignored. */
  profileGeneration: number;
  /** Nothing enrolls in the emulator; seeds and the drift control API set it. */
  enrollmentState: EnrollmentState;
  /** `lastContactedDateTime`; undefined until the device has contacted the service. */
  lastContactedAt: number | undefined;
  /** The Intune managed device once enrolled; undefined serializes as the zero GUID. */
  managedDeviceId: string | undefined;
}

export interface EntraDevice {
  id: string;
  deviceId: string;
  displayName: string;
  physicalIds: string[];
  accountEnabled: boolean;
  operatingSystem: string;
  operatingSystemVersion: string;
  manufacturer: string | null;
  model: string | null;
  enrollmentProfileName: string | null;
  registrationDateTime: number;
  /** Group ids this device is a direct member of. */
  memberOf: Set<string>;
  /** The registration DDS pre-created this object for. It stays when the object loses its
   * `[ZTDID]` (drift): the registration still names the object through azureAdDeviceId. */
  autopilotId: string | undefined;
}

export interface MembershipProcessing {
  status: 'NotStarted' | 'Running' | 'Failed' | 'Succeeded';
  lastMembershipUpdated: number | undefined;
  errorMessage: string | null;
}

export interface Group {
  id: string;
  displayName: string;
  description: string | null;
  mailEnabled: boolean;
  mailNickname: string;
  securityEnabled: boolean;
  groupTypes: string[];
  membershipRule: string | null;
  membershipRuleProcessingState: 'On' | 'Paused' | null;
  isAssignableToRole: boolean | null;
  createdDateTime: number;
  /** Direct members: device or group object ids, in the order they joined. */
  members: Set<string>;
  /** Groups this group is a direct member of. */
  memberOf: Set<string>;
  processing: MembershipProcessing;
  /** Bumped when the rule or processing state changes so stale evaluations are ignored. */
  ruleGeneration: number;
}

export type AssignmentTarget =
  | { kind: 'group'; groupId: string; filterId: string | null; filterType: 'none' | 'include' | 'exclude' }
  | { kind: 'exclusionGroup'; groupId: string; filterId: string | null; filterType: 'none' | 'include' | 'exclude' }
  | { kind: 'allDevices'; filterId: string | null; filterType: 'none' | 'include' | 'exclude' }
  | { kind: 'allLicensedUsers'; filterId: string | null; filterType: 'none' | 'include' | 'exclude' };

export interface Assignment {
  id: string;
  target: AssignmentTarget;
  source: 'direct' | 'policySets';
  sourceId: string | null;
}

export interface DeploymentProfile {
  id: string;
  odataType: 'azureADWindowsAutopilotDeploymentProfile' | 'activeDirectoryWindowsAutopilotDeploymentProfile';
  displayName: string;
  description: string | null;
  deviceNameTemplate: string | null;
  deviceType: string;
  locale: string | null;
  managementServiceAppId: string | null;
  preprovisioningAllowed: boolean;
  hardwareHashExtractionEnabled: boolean;
  roleScopeTagIds: string[];
  outOfBoxExperienceSetting: OobeSetting;
  enrollmentStatusScreenSettings: EnrollmentStatusScreenSettings | null;
  hybridAzureADJoinSkipConnectivityCheck: boolean;
  createdDateTime: number;
  lastModifiedDateTime: number;
  assignments: Map<string, Assignment>;
}

export interface OobeSetting {
  deviceUsageType: 'singleUser' | 'shared' | 'unknownFutureValue';
  escapeLinkHidden: boolean;
  eulaHidden: boolean;
  keyboardSelectionPageSkipped: boolean;
  privacySettingsHidden: boolean;
  userType: 'administrator' | 'standard' | 'unknownFutureValue';
}

export interface EnrollmentStatusScreenSettings {
  allowDeviceUseBeforeProfileAndAppInstallComplete: boolean;
  allowDeviceUseOnInstallFailure: boolean;
  allowLogCollectionOnInstallFailure: boolean;
  blockDeviceSetupRetryByUser: boolean;
  customErrorMessage: string | null;
  hideInstallationProgress: boolean;
  installProgressTimeoutInMinutes: number;
}

export interface EspSettings {
  allowDeviceResetOnInstallFailure: boolean;
  allowDeviceUseOnInstallFailure: boolean;
  allowLogCollectionOnInstallFailure: boolean;
  allowNonBlockingAppInstallation: boolean;
  blockDeviceSetupRetryByUser: boolean;
  customErrorMessage: string | null;
  disableUserStatusTrackingAfterFirstUser: boolean;
  installProgressTimeoutInMinutes: number;
  installQualityUpdates: boolean;
  selectedMobileAppIds: string[];
  showInstallationProgress: boolean;
  trackInstallProgressForAutopilotOnly: boolean;
}

export interface EnrollmentConfiguration {
  id: string;
  /** Only Enrollment Status Pages are emulated; the default one is flagged. */
  isDefault: boolean;
  displayName: string;
  description: string | null;
  priority: number;
  version: number;
  roleScopeTagIds: string[];
  createdDateTime: number;
  lastModifiedDateTime: number;
  settings: EspSettings;
  assignments: Map<string, Assignment>;
}

export interface AutopilotSettings {
  id: string;
  lastSyncDateTime: number | undefined;
  lastManualSyncTriggerDateTime: number | undefined;
  syncStatus: 'unknown' | 'inProgress' | 'completed' | 'failed';
  /** While now < runningUntil a sync is in progress (409). */
  runningUntil: number | undefined;
}
