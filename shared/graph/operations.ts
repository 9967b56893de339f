/**
 * Every Microsoft Graph call the app makes, in one catalog. The gateway builds each request from an
 * entry here (so a call cannot be made without being listed), and infra tests derive the app-role
 * grants from `requiredGraphPermissions()` (so the granted set cannot drift from the code).
 *
 * Permissions are application permissions, least privilege per call (graph-api reference §11) —
 * except for the operations marked `identity: 'admin'`: those are made only by `npm run baseline`
 * under an administrator's delegated sign-in, their permissions are delegated ones, and they are
 * never granted to the Function App (requiredGraphPermissions leaves them out).
 */

export type GraphVersion = 'v1.0' | 'beta';
export type GraphMethod = 'GET' | 'POST' | 'DELETE' | 'PATCH';

export type GraphPermission =
  | 'DeviceManagementServiceConfig.Read.All'
  | 'DeviceManagementServiceConfig.ReadWrite.All'
  | 'Device.Read.All'
  | 'GroupMember.Read.All'
  | 'Group.ReadWrite.All'
  | 'Policy.Read.DeviceConfiguration'
  | 'Policy.Read.All'
  | 'LicenseAssignment.Read.All';

export interface GraphOperation {
  method: GraphMethod;
  version: GraphVersion;
  /** Path template relative to the version root; `{name}` segments are URL-encoded parameters. */
  path: string;
  permissions: readonly GraphPermission[];
  /** Why the pipeline makes this call (docs/PERMISSIONS.md is generated from these). */
  purpose: string;
  /**
   * A directory "advanced query": sent with `ConsistencyLevel: eventual` and `$count=true` on every
   * page, which the service requires for it (and answers 400 Request_UnsupportedQuery without).
   */
  advancedQuery?: boolean;
  /** Made by an administrator's delegated sign-in (`npm run baseline`), never by the Function App; `permissions` are delegated. */
  identity?: 'admin';
}

const BASELINE = 'Baseline (npm run baseline, as an administrator):';

export const GRAPH_OPERATIONS = {
  importDevices: {
    method: 'POST',
    version: 'v1.0',
    path: '/deviceManagement/importedWindowsAutopilotDeviceIdentities/import',
    permissions: ['DeviceManagementServiceConfig.ReadWrite.All'],
    purpose: 'Import a chunk of hardware hashes in one call, tagged with the run’s importId.',
  },
  getImportedDevice: {
    method: 'GET',
    version: 'v1.0',
    path: '/deviceManagement/importedWindowsAutopilotDeviceIdentities/{id}',
    permissions: ['DeviceManagementServiceConfig.Read.All'],
    purpose: 'Poll the run’s own import records by id; check that a deleted record is gone.',
  },
  listImportedDevices: {
    method: 'GET',
    version: 'v1.0',
    path: '/deviceManagement/importedWindowsAutopilotDeviceIdentities',
    permissions: ['DeviceManagementServiceConfig.Read.All'],
    purpose:
      'Only after an import call whose answer was lost (crash, broken connection, 5xx): find that call’s records by the chunk’s importId (matched here; the service documents no importId filter) so they are polled and deleted, not orphaned.',
  },
  deleteImportedDevice: {
    method: 'DELETE',
    version: 'v1.0',
    path: '/deviceManagement/importedWindowsAutopilotDeviceIdentities/{id}',
    permissions: ['DeviceManagementServiceConfig.ReadWrite.All'],
    purpose: 'Delete the run’s own import records once their outcome is known.',
  },
  getAutopilotSettings: {
    method: 'GET',
    version: 'beta',
    path: '/deviceManagement/windowsAutopilotSettings',
    permissions: ['DeviceManagementServiceConfig.Read.All'],
    purpose: 'Read lastSyncDateTime / syncStatus for the tenant-wide sync gate.',
  },
  syncAutopilot: {
    method: 'POST',
    version: 'beta',
    path: '/deviceManagement/windowsAutopilotSettings/sync',
    permissions: ['DeviceManagementServiceConfig.ReadWrite.All'],
    purpose: 'Trigger the Autopilot sync (at most once per ten minutes, gated across runs).',
  },
  getAutopilotDevice: {
    method: 'GET',
    version: 'beta',
    path: '/deviceManagement/windowsAutopilotDeviceIdentities/{id}',
    permissions: ['DeviceManagementServiceConfig.Read.All'],
    purpose: 'Confirm the device is registered; read its Entra device id and deployment-profile assignment status.',
  },
  listAutopilotDevices: {
    method: 'GET',
    version: 'beta',
    path: '/deviceManagement/windowsAutopilotDeviceIdentities',
    permissions: ['DeviceManagementServiceConfig.Read.All'],
    purpose: 'Find a device already registered in this tenant (806) by serial number; read registrations in bulk for large runs.',
  },
  listProfileAssignedDevices: {
    method: 'GET',
    version: 'beta',
    path: '/deviceManagement/windowsAutopilotDeploymentProfiles/{id}/assignedDevices',
    permissions: ['DeviceManagementServiceConfig.Read.All'],
    purpose: 'Confirm in bulk that large runs got the expected deployment profile.',
  },
  listGroupDeviceMembers: {
    method: 'GET',
    version: 'v1.0',
    path: '/groups/{id}/transitiveMembers/microsoft.graph.device',
    // An OData cast on transitiveMembers is an advanced query (learn.microsoft.com/graph/aad-advanced-queries).
    advancedQuery: true,
    // Without a permission that reads devices, device members come back with every property but
    // id null ("limited information"), deviceId included (learn.microsoft.com/graph/permissions-overview).
    permissions: ['GroupMember.Read.All', 'Device.Read.All'],
    purpose: 'Confirm dynamic-group membership in bulk (one paged read per expected group), by the members’ Entra deviceId.',
  },
  checkDeviceMemberGroups: {
    method: 'POST',
    version: 'v1.0',
    path: '/devices/{id}/checkMemberGroups',
    // learn.microsoft.com/graph/api/directoryobject-checkmembergroups lists Application.Read.All as
    // least privileged for a device, which looks like a generator artefact; the membership and
    // device reads cover it (as they cover the same question asked of the group's member list).
    permissions: ['GroupMember.Read.All', 'Device.Read.All'],
    purpose:
      'Confirm dynamic-group membership of a run with few devices in flight: asked per device (up to 20 groups a call) instead of walking groups as large as the tenant.',
  },
  listEnrollmentConfigurations: {
    method: 'GET',
    version: 'beta',
    path: '/deviceManagement/deviceEnrollmentConfigurations',
    permissions: ['DeviceManagementServiceConfig.Read.All'],
    purpose: 'Read the ESPs, their priorities and assignments to resolve the ESP that applies.',
  },
  listDevices: {
    method: 'GET',
    version: 'v1.0',
    path: '/devices',
    permissions: ['Device.Read.All'],
    purpose:
      'Reconciliation: the Entra devices of the tenant’s registrations and their physical ids ([ZTDID], [OrderID]), in one paged read. Confirm: the directory object of a device by its deviceId, to ask its group membership.',
  },
  updateAutopilotDeviceProperties: {
    method: 'POST',
    version: 'v1.0',
    path: '/deviceManagement/windowsAutopilotDeviceIdentities/{id}/updateDeviceProperties',
    permissions: ['DeviceManagementServiceConfig.ReadWrite.All'],
    purpose:
      'Reconciliation: put the ledger’s group tag back on the pipeline’s own registrations not yet enrolled (and on enrolled ones once an admin approves).',
  },
  deleteAutopilotDevice: {
    method: 'DELETE',
    version: 'v1.0',
    path: '/deviceManagement/windowsAutopilotDeviceIdentities/{id}',
    permissions: ['DeviceManagementServiceConfig.ReadWrite.All'],
    purpose:
      'Reconciliation, only after an admin approves it: delete a registration whose Entra object is gone, to import the device again from its archived hash.',
  },
  getGroup: {
    method: 'GET',
    version: 'v1.0',
    path: '/groups/{id}',
    permissions: ['GroupMember.Read.All'],
    purpose:
      'Preflight (doctor, /api/health) and reconciliation: the expected group exists, is dynamic, its rule matches Autopilot devices and processing is on. Confirm: the group exists, when membership is asked per device.',
  },
  getDeploymentProfile: {
    method: 'GET',
    version: 'beta',
    path: '/deviceManagement/windowsAutopilotDeploymentProfiles/{id}',
    permissions: ['DeviceManagementServiceConfig.Read.All'],
    purpose: 'Preflight: the expected deployment profile exists.',
  },
  listProfileAssignments: {
    method: 'GET',
    version: 'beta',
    path: '/deviceManagement/windowsAutopilotDeploymentProfiles/{id}/assignments',
    permissions: ['DeviceManagementServiceConfig.Read.All'],
    purpose: 'Preflight and reconciliation: the groups the expected deployment profile targets and excludes.',
  },
  getDeviceManagement: {
    method: 'GET',
    version: 'v1.0',
    path: '/deviceManagement',
    permissions: ['DeviceManagementServiceConfig.Read.All'],
    purpose: 'Preflight: the tenant’s Intune subscription state (an active Intune licence is needed for every Intune call).',
  },
  listGroups: {
    method: 'GET',
    version: 'v1.0',
    path: '/groups',
    // Filtering on description is an advanced query (learn.microsoft.com/graph/aad-advanced-queries).
    advancedQuery: true,
    permissions: ['GroupMember.Read.All'],
    purpose:
      'With BASELINE_FILE, at start: find the baseline’s groups by the marker at the start of their description (npm run baseline also looks them up by name, to adopt).',
  },
  createGroup: {
    method: 'POST',
    version: 'v1.0',
    path: '/groups',
    identity: 'admin',
    // group-post-groups: Group.Create is application-only; a delegated caller needs Group.ReadWrite.All.
    permissions: ['Group.ReadWrite.All'],
    purpose: `${BASELINE} create a dynamic device group.`,
  },
  updateGroup: {
    method: 'PATCH',
    version: 'v1.0',
    path: '/groups/{id}',
    identity: 'admin',
    permissions: ['Group.ReadWrite.All'],
    purpose: `${BASELINE} set a group's name, description, rule or processing state back to the baseline.`,
  },
  listDeploymentProfiles: {
    method: 'GET',
    version: 'beta',
    path: '/deviceManagement/windowsAutopilotDeploymentProfiles',
    permissions: ['DeviceManagementServiceConfig.Read.All'],
    purpose: 'With BASELINE_FILE, at start (and npm run baseline): the deployment profiles with their baseline markers and assignments.',
  },
  createDeploymentProfile: {
    method: 'POST',
    version: 'beta',
    path: '/deviceManagement/windowsAutopilotDeploymentProfiles',
    identity: 'admin',
    permissions: ['DeviceManagementServiceConfig.ReadWrite.All'],
    purpose: `${BASELINE} create a deployment profile.`,
  },
  updateDeploymentProfile: {
    method: 'PATCH',
    version: 'beta',
    path: '/deviceManagement/windowsAutopilotDeploymentProfiles/{id}',
    identity: 'admin',
    permissions: ['DeviceManagementServiceConfig.ReadWrite.All'],
    purpose: `${BASELINE} set changed deployment-profile properties back.`,
  },
  deleteDeploymentProfile: {
    method: 'DELETE',
    version: 'beta',
    path: '/deviceManagement/windowsAutopilotDeploymentProfiles/{id}',
    identity: 'admin',
    permissions: ['DeviceManagementServiceConfig.ReadWrite.All'],
    purpose: `${BASELINE} only with --allow-replace: delete a profile whose create-only fields differ, to create it again.`,
  },
  createProfileAssignment: {
    method: 'POST',
    version: 'beta',
    path: '/deviceManagement/windowsAutopilotDeploymentProfiles/{id}/assignments',
    identity: 'admin',
    permissions: ['DeviceManagementServiceConfig.ReadWrite.All'],
    purpose: `${BASELINE} add one group target to a deployment profile (the profile's assign action no longer works).`,
  },
  deleteProfileAssignment: {
    method: 'DELETE',
    version: 'beta',
    path: '/deviceManagement/windowsAutopilotDeploymentProfiles/{id}/assignments/{assignmentId}',
    identity: 'admin',
    permissions: ['DeviceManagementServiceConfig.ReadWrite.All'],
    purpose: `${BASELINE} remove one target the baseline does not declare.`,
  },
  createEnrollmentConfiguration: {
    method: 'POST',
    version: 'beta',
    path: '/deviceManagement/deviceEnrollmentConfigurations',
    identity: 'admin',
    permissions: ['DeviceManagementServiceConfig.ReadWrite.All'],
    purpose: `${BASELINE} create an Enrollment Status Page.`,
  },
  updateEnrollmentConfiguration: {
    method: 'PATCH',
    version: 'beta',
    path: '/deviceManagement/deviceEnrollmentConfigurations/{id}',
    identity: 'admin',
    permissions: ['DeviceManagementServiceConfig.ReadWrite.All'],
    purpose: `${BASELINE} set changed ESP settings back (never the default ESP).`,
  },
  createEnrollmentConfigurationAssignment: {
    method: 'POST',
    version: 'beta',
    path: '/deviceManagement/deviceEnrollmentConfigurations/{id}/assignments',
    identity: 'admin',
    permissions: ['DeviceManagementServiceConfig.ReadWrite.All'],
    purpose: `${BASELINE} add one group target to an ESP (not the assign action, which replaces the whole set).`,
  },
  deleteEnrollmentConfigurationAssignment: {
    method: 'DELETE',
    version: 'beta',
    path: '/deviceManagement/deviceEnrollmentConfigurations/{id}/assignments/{assignmentId}',
    identity: 'admin',
    permissions: ['DeviceManagementServiceConfig.ReadWrite.All'],
    purpose: `${BASELINE} remove one ESP target the baseline does not declare.`,
  },
  setEnrollmentConfigurationPriority: {
    method: 'POST',
    version: 'beta',
    path: '/deviceManagement/deviceEnrollmentConfigurations/{id}/setPriority',
    identity: 'admin',
    permissions: ['DeviceManagementServiceConfig.ReadWrite.All'],
    purpose: `${BASELINE} put an ESP at its place in the priority order.`,
  },
  getDeviceRegistrationPolicy: {
    method: 'GET',
    version: 'v1.0',
    path: '/policies/deviceRegistrationPolicy',
    identity: 'admin',
    permissions: ['Policy.Read.DeviceConfiguration'],
    purpose: `${BASELINE} precondition, read only: users may Microsoft Entra join devices (azureADJoin.allowedToJoin).`,
  },
  listMobileDeviceManagementPolicies: {
    method: 'GET',
    version: 'beta',
    path: '/policies/mobileDeviceManagementPolicies',
    identity: 'admin',
    permissions: ['Policy.Read.All'],
    purpose: `${BASELINE} precondition, read only: Intune's MDM user scope (appliesTo; delegated only, no application permission opens it).`,
  },
  listSubscribedSkus: {
    method: 'GET',
    version: 'v1.0',
    path: '/subscribedSkus',
    identity: 'admin',
    permissions: ['LicenseAssignment.Read.All'],
    purpose: `${BASELINE} precondition, read only: Microsoft Entra ID P1 (service plan AAD_PREMIUM), which dynamic groups need.`,
  },
} as const satisfies Record<string, GraphOperation>;

export type GraphOperationName = keyof typeof GRAPH_OPERATIONS;

const SUBSUMED_BY: Partial<Record<GraphPermission, GraphPermission>> = {
  'DeviceManagementServiceConfig.Read.All': 'DeviceManagementServiceConfig.ReadWrite.All',
};

/** The operations the Function App makes (all but the administrator's baseline calls). */
export function appOperations(): [GraphOperationName, GraphOperation][] {
  return (Object.entries(GRAPH_OPERATIONS) as [GraphOperationName, GraphOperation][]).filter(([, op]) => op.identity !== 'admin');
}

/** The administrator's baseline calls (delegated permissions). */
export function adminOperations(): [GraphOperationName, GraphOperation][] {
  return (Object.entries(GRAPH_OPERATIONS) as [GraphOperationName, GraphOperation][]).filter(([, op]) => op.identity === 'admin');
}

/** The least-privilege set the Function App needs: the union of its operations' permissions, with a
 * Read permission dropped when the matching ReadWrite one is needed anyway. */
export function requiredGraphPermissions(): GraphPermission[] {
  const all = new Set<GraphPermission>();
  for (const [, op] of appOperations()) for (const p of op.permissions) all.add(p);
  for (const p of [...all]) {
    const wider = SUBSUMED_BY[p];
    if (wider && all.has(wider)) all.delete(p);
  }
  return [...all].sort();
}
