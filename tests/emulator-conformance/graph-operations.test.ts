/**
 * Issue 12, finding F14: the product's Graph requests were validated only by the team's emulator.
 * Here every entry of GRAPH_OPERATIONS (shared/graph/operations.ts) is checked against Microsoft's
 * own descriptions, as vendored (graph-schema.vendored.json, so this runs in a bare clone):
 *   - its path exists in its version with its method (operation-paths.ts: an OpenAPI template,
 *     bound actions written bare; or, for GET, CSDL navigation);
 *   - the properties the product's readers read from its response exist on the response type
 *     (READS below), and so do the properties it writes into request bodies (WRITES).
 * The operations are read from the catalog, so one added later is checked without touching this
 * file, except that it fails until READS says what the product reads from it.
 */
import { describe, expect, it } from 'vitest';
import type { OpenApiPathItem } from '../../local/graph-emulator/conformance/openapi-paths';
import { describePath } from '../../local/graph-emulator/conformance/operation-paths';
import { propertyPathProblems } from '../../local/graph-emulator/conformance/property-paths';
import { resolveResponseTarget } from '../../local/graph-emulator/conformance/resolve-target';
import { operationKey } from '../../local/graph-emulator/conformance/vendored-format';
import { vendoredPaths, vendoredSchema } from '../../local/graph-emulator/conformance/vendored-schema';
import { GRAPH_OPERATIONS, type GraphOperation } from '../../shared/graph/operations';
import { ESP_SETTING_NAMES } from '../../shared/baseline/observed';

const OPERATIONS: Array<[string, GraphOperation]> = Object.entries(GRAPH_OPERATIONS);

/**
 * What the product's zod readers (shared/graph/autopilot-api.ts, shared/run/confirm/sync-gate.ts,
 * shared/preflight/reads.ts) and query
 * options ($select, $expand, $filter) read from each operation's response, as property paths from
 * the response type (syntax in property-paths.ts: `a.b`, `<cast>`, `=member|member` for enum
 * values the code compares with). A table, not derived from the readers, because those are being
 * refactored: keep it in step.
 */
const IMPORT_RECORD = [
  'id',
  'serialNumber',
  'importId',
  'hardwareIdentifier',
  'state.deviceImportStatus=unknown|pending|partial|complete',
  'state.deviceRegistrationId',
  'state.deviceErrorCode',
  'state.deviceErrorName',
];
const AUTOPILOT_DEVICE = [
  'id',
  'serialNumber',
  'groupTag',
  'azureActiveDirectoryDeviceId',
  'azureAdDeviceId',
  'deploymentProfileAssignmentStatus',
  'deploymentProfileAssignmentDetailedStatus',
  'enrollmentState',
  'deploymentProfile.id',
];
/** The ESP settings the baseline reads from listEnrollmentConfigurations (beta). */
const ESP_SETTINGS = [...ESP_SETTING_NAMES];

const READS: Record<string, readonly string[]> = {
  // autopilot-api.ts ImportRecord; import-settle.ts compares deviceImportStatus.
  importDevices: IMPORT_RECORD,
  getImportedDevice: IMPORT_RECORD,
  listImportedDevices: IMPORT_RECORD,
  deleteImportedDevice: [],
  // shared/run/confirm/sync-gate.ts Settings.
  getAutopilotSettings: ['lastSyncDateTime', 'lastManualSyncTriggerDateTime', 'syncStatus=inProgress'],
  syncAutopilot: [],
  // autopilot-api.ts AutopilotDevice; the GET asks for $expand=deploymentProfile, the list filters
  // on contains(serialNumber, ...).
  getAutopilotDevice: AUTOPILOT_DEVICE,
  listAutopilotDevices: AUTOPILOT_DEVICE,
  // autopilot-api.ts IdOnly.
  listProfileAssignedDevices: ['id'],
  // autopilot-api.ts Member, with $select=id,deviceId.
  listGroupDeviceMembers: ['id', 'deviceId'],
  // membership-checks.ts Checked: the group ids of the answer (a collection of strings).
  checkDeviceMemberGroups: [],
  // autopilot-api.ts EnrollmentConfig, Target, isDefaultEsp and toAssignment, with $expand=assignments.
  listEnrollmentConfigurations: [
    'id',
    'displayName',
    'priority',
    'deviceEnrollmentConfigurationType=windows10EnrollmentCompletionPageConfiguration|defaultWindows10EnrollmentCompletionPageConfiguration',
    '<windows10EnrollmentCompletionPageConfiguration>',
    'assignments.target<groupAssignmentTarget>.groupId',
    'assignments.target<exclusionGroupAssignmentTarget>.groupId',
    'assignments.target<allDevicesAssignmentTarget>',
    'assignments.target<allLicensedUsersAssignmentTarget>',
    'assignments.target.deviceAndAppManagementAssignmentFilterId',
    'assignments.target.deviceAndAppManagementAssignmentFilterType=include|exclude',
    // shared/baseline/observed.ts GraphEnrollmentConfiguration.
    'description',
    'assignments.id',
    'assignments.source=direct|policySets',
    ...ESP_SETTINGS.map((name) => `<windows10EnrollmentCompletionPageConfiguration>.${name}`),
  ],
  // shared/preflight/reads.ts (with preflight.ts comparing subscriptionState with 'active').
  getGroup: ['id', 'displayName', 'groupTypes', 'membershipRule', 'membershipRuleProcessingState'],
  getDeploymentProfile: ['id', 'displayName'],
  listProfileAssignments: [
    'target<groupAssignmentTarget>.groupId',
    'target<exclusionGroupAssignmentTarget>.groupId',
    'target<allDevicesAssignmentTarget>',
  ],
  getDeviceManagement: ['subscriptionState=active'],
  // shared/reconcile/tenant-view.ts, with $select=id,deviceId,physicalIds; membership-checks.ts Page (id, deviceId).
  listDevices: ['id', 'deviceId', 'physicalIds'],
  updateAutopilotDeviceProperties: [],
  deleteAutopilotDevice: [],
  // shared/baseline/observed.ts GraphGroup (the baseline's groups, $filter on description / displayName).
  listGroups: ['id', 'displayName', 'description', 'mailNickname', 'groupTypes', 'membershipRule', 'membershipRuleProcessingState'],
  // shared/baseline/apply.ts reads the id of what it created (and an ESP's priority).
  createGroup: ['id'],
  updateGroup: [],
  // shared/baseline/observed.ts GraphDeploymentProfile, Oobe, OldOobe and toAssignment, with $expand=assignments.
  listDeploymentProfiles: [
    'id',
    'createdDateTime',
    '<azureADWindowsAutopilotDeploymentProfile>',
    '<activeDirectoryWindowsAutopilotDeploymentProfile>',
    'displayName',
    'description',
    'deviceType',
    'deviceNameTemplate',
    'locale',
    'language',
    'preprovisioningAllowed',
    'enableWhiteGlove',
    'hardwareHashExtractionEnabled',
    'extractHardwareHash',
    'outOfBoxExperienceSetting.deviceUsageType',
    'outOfBoxExperienceSetting.userType',
    'outOfBoxExperienceSetting.eulaHidden',
    'outOfBoxExperienceSetting.privacySettingsHidden',
    'outOfBoxExperienceSetting.escapeLinkHidden',
    'outOfBoxExperienceSetting.keyboardSelectionPageSkipped',
    'outOfBoxExperienceSettings.deviceUsageType',
    'outOfBoxExperienceSettings.userType',
    'outOfBoxExperienceSettings.hideEULA',
    'outOfBoxExperienceSettings.hidePrivacySettings',
    'outOfBoxExperienceSettings.hideEscapeLink',
    'outOfBoxExperienceSettings.skipKeyboardSelectionPage',
    'assignments.id',
    'assignments.source=direct|policySets',
    'assignments.target<groupAssignmentTarget>.groupId',
    'assignments.target<exclusionGroupAssignmentTarget>.groupId',
    'assignments.target<allDevicesAssignmentTarget>',
    'assignments.target<allLicensedUsersAssignmentTarget>',
  ],
  createDeploymentProfile: ['id'],
  updateDeploymentProfile: [],
  deleteDeploymentProfile: [],
  createProfileAssignment: [],
  deleteProfileAssignment: [],
  createEnrollmentConfiguration: ['id', 'priority'],
  updateEnrollmentConfiguration: [],
  createEnrollmentConfigurationAssignment: [],
  deleteEnrollmentConfigurationAssignment: [],
  setEnrollmentConfigurationPriority: [],
  // shared/baseline/preconditions.ts: the membership's @odata.type, Intune's entry and its scope, the P1 plans.
  getDeviceRegistrationPolicy: [
    'azureADJoin.allowedToJoin<allDeviceRegistrationMembership>',
    'azureADJoin.allowedToJoin<enumeratedDeviceRegistrationMembership>',
    'azureADJoin.allowedToJoin<noDeviceRegistrationMembership>',
  ],
  listMobileDeviceManagementPolicies: ['id', 'displayName', 'appliesTo'], // the beta type mappings give no property types: policyScope's members go unchecked
  listSubscribedSkus: ['skuPartNumber', 'capabilityStatus', 'servicePlans.servicePlanName', 'servicePlans.provisioningStatus'],
};

/** Request bodies the product sends, by operation: the body's element type and the properties it writes. */
const WRITES: Record<string, { type: string; properties: readonly string[] }> = {
  // autopilot-api.ts importBody: importedWindowsAutopilotDeviceIdentities: [{...}].
  importDevices: {
    type: 'microsoft.graph.importedWindowsAutopilotDeviceIdentity',
    properties: ['serialNumber', 'hardwareIdentifier', 'productKey', 'groupTag', 'assignedUserPrincipalName', 'importId'],
  },
  // shared/baseline/bodies.ts (PATCHes send subsets of the same bodies).
  createGroup: {
    type: 'microsoft.graph.group',
    properties: [
      'displayName',
      'description',
      'mailEnabled',
      'mailNickname',
      'securityEnabled',
      'groupTypes',
      'membershipRule',
      'membershipRuleProcessingState',
    ],
  },
  createEnrollmentConfiguration: {
    type: 'microsoft.graph.windows10EnrollmentCompletionPageConfiguration',
    properties: ['displayName', 'description', ...ESP_SETTINGS],
  },
  createDeploymentProfile: {
    type: 'microsoft.graph.azureADWindowsAutopilotDeploymentProfile',
    properties: [
      'displayName',
      'description',
      'deviceType',
      'deviceNameTemplate',
      'locale',
      'preprovisioningAllowed',
      'hardwareHashExtractionEnabled',
      'outOfBoxExperienceSetting.userType',
      'outOfBoxExperienceSetting.deviceUsageType',
      'outOfBoxExperienceSetting.eulaHidden',
      'outOfBoxExperienceSetting.privacySettingsHidden',
      'outOfBoxExperienceSetting.escapeLinkHidden',
      'outOfBoxExperienceSetting.keyboardSelectionPageSkipped',
    ],
  },
  createProfileAssignment: {
    type: 'microsoft.graph.windowsAutopilotDeploymentProfileAssignment',
    properties: ['target<groupAssignmentTarget>.groupId', 'target<exclusionGroupAssignmentTarget>.groupId'],
  },
  createEnrollmentConfigurationAssignment: {
    type: 'microsoft.graph.enrollmentConfigurationAssignment',
    properties: ['target<groupAssignmentTarget>.groupId', 'target<exclusionGroupAssignmentTarget>.groupId'],
  },
};

describe('F14: every Graph operation the product makes is described by Microsoft', () => {
  it.each(OPERATIONS)('%s: the path exists in its version with its method', (name, op) => {
    const vendored = vendoredPaths(op.version);
    expect(
      vendored.operations.has(operationKey(op.method, op.path)),
      `${name} (${op.method} /${op.version}${op.path}) is newer than the vendored Graph schema: run npm run graph-schema:vendor -- --descriptions <graph-openapi dir> and commit the result`,
    ).toBe(true);
    const verdict = describePath({ ...vendored, schema: vendoredSchema(op.version) }, op.method, op.path);
    expect(verdict, `${name}: ${op.method} /${op.version}${op.path}: ${verdict.described ? '' : verdict.reason}`).toMatchObject({
      described: true,
    });
  });

  it.each(OPERATIONS)('%s: the properties the product reads exist on the response type', (name, op) => {
    const reads = READS[name];
    expect(reads, `${name} has no row in READS: list the properties the product reads from its response ([] for none)`).toBeDefined();
    const schema = vendoredSchema(op.version);
    const target = resolveResponseTarget(schema, op.method, op.path);
    if (target.kind === 'unresolved')
      throw new Error(`${name}: the response type of ${op.method} /${op.version}${op.path} is unknown: ${target.reason}`);
    if (target.kind !== 'entity' && target.kind !== 'collection') {
      expect(reads, `${name} returns no entity (${target.kind}), so it reads nothing`).toEqual([]);
      return;
    }
    expect((reads ?? []).flatMap((path) => propertyPathProblems(schema, target.type, path))).toEqual([]);
  });

  it('the properties the product writes exist on the request body types', () => {
    for (const [name, { type, properties }] of Object.entries(WRITES)) {
      const op = OPERATIONS.find(([n]) => n === name)?.[1];
      if (!op) throw new Error(`WRITES names ${name}, which GRAPH_OPERATIONS does not have`);
      const schema = vendoredSchema(op.version);
      expect(
        properties.flatMap((p) => propertyPathProblems(schema, type, p)),
        name,
      ).toEqual([]);
    }
  });

  it('READS names only operations that exist', () => {
    expect(
      Object.keys(READS).filter((name) => !(name in GRAPH_OPERATIONS)),
      'rows for operations GRAPH_OPERATIONS no longer has',
    ).toEqual([]);
  });
});

describe('the property-path check itself', () => {
  const beta = vendoredSchema('beta');
  const v1 = vendoredSchema('v1.0');
  const device = 'microsoft.graph.windowsAutopilotDeviceIdentity';

  it('fails on what Microsoft does not describe', () => {
    expect(propertyPathProblems(v1, device, 'deploymentProfileAssignmentStatus')).toEqual([
      "deploymentProfileAssignmentStatus: 'deploymentProfileAssignmentStatus' is not a property of microsoft.graph.windowsAutopilotDeviceIdentity in v1.0",
    ]);
    expect(propertyPathProblems(beta, device, 'deploymentProfile.colour')[0]).toMatch(
      /'colour' is not a property of microsoft\.graph\.windowsAutopilotDeploymentProfile in beta/,
    );
    expect(propertyPathProblems(beta, 'microsoft.graph.windowsAutopilotSettings', 'syncStatus=running|completed')).toEqual([
      'syncStatus=running|completed: running is not a member of microsoft.graph.windowsAutopilotSyncStatus in beta',
    ]);
    expect(propertyPathProblems(beta, 'microsoft.graph.deviceEnrollmentConfiguration', 'assignments.target<group>')[0]).toMatch(
      /microsoft\.graph\.group is not microsoft\.graph\.deviceAndAppManagementAssignmentTarget or derived from it/,
    );
  });

  it('fails on a path Microsoft does not describe, and on a method it does not list', () => {
    // Synthetic templates, so the cases do not move with the catalog; roots and types as vendored.
    const paths = new Map<string, OpenApiPathItem>([
      ['/devices', new Map([['get', 'operation']])],
      ['/deviceManagement/importedWindowsAutopilotDeviceIdentities/microsoft.graph.import', new Map([['post', 'action']])],
      [
        '/deviceManagement/importedWindowsAutopilotDeviceIdentities/{importedWindowsAutopilotDeviceIdentity-id}',
        new Map([
          ['get', 'operation'],
          ['delete', 'operation'],
        ]),
      ],
      ['/devices/{device-id}/transitiveMemberOf/microsoft.graph.group', new Map([['get', 'operation']])],
    ]);
    const verdict = (method: string, path: string) => describePath({ paths, roots: vendoredPaths('v1.0').roots, schema: v1 }, method, path);
    expect(verdict('GET', '/devices')).toMatchObject({ described: true, by: 'openapi', template: '/devices' });
    expect(verdict('POST', '/deviceManagement/importedWindowsAutopilotDeviceIdentities/import')).toMatchObject({
      described: true,
      by: 'openapi',
    });
    expect(verdict('POST', '/deviceManagement/importedWindowsAutopilotDeviceIdentities/microsoft.graph.import')).toMatchObject({
      described: true,
      by: 'openapi',
    });
    expect(verdict('GET', '/devices/{id}/transitiveMemberOf/microsoft.graph.group')).toMatchObject({ described: true, by: 'openapi' });
    // No template, but the CSDL root and navigation properties reach it: described for GET only.
    expect(verdict('GET', '/deviceManagement/importedWindowsAutopilotDeviceIdentities')).toMatchObject({
      described: true,
      by: 'navigation',
    });
    expect(verdict('GET', '/groups/{id}/transitiveMembers/microsoft.graph.device')).toMatchObject({
      described: true,
      by: 'navigation',
      type: 'microsoft.graph.device',
    });
    expect(verdict('DELETE', '/groups/{id}')).toMatchObject({
      described: false,
      reason: expect.stringMatching(/navigation reaches microsoft\.graph\.group, which proves only GET/),
    });
    expect(verdict('GET', '/deviceManagement/importedWindowsAutopilotDevices/{id}')).toMatchObject({ described: false });
    expect(verdict('POST', '/deviceManagement/importedWindowsAutopilotDeviceIdentities/{id}')).toMatchObject({
      described: false,
      reason: expect.stringMatching(/\(get, delete\) but not post/),
    });
    // A cast is not an action: it cannot be written bare.
    expect(verdict('GET', '/devices/{id}/transitiveMemberOf/group')).toMatchObject({ described: false });
  });
});
