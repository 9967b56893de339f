import { describe, expect, it } from 'vitest';
import { checkGraphResponse, loadGraphSchema, type ResponseToCheck } from '../../local/graph-emulator/conformance/check';

const DM = '/deviceManagement';
const AT = '2026-11-28T01:02:03Z';

function problems(response: ResponseToCheck): string[] {
  return checkGraphResponse(response).map((v) => `${v.at}: ${v.problem}`);
}

const importedRecord = {
  id: '7d1a2b3c-0000-4000-8000-000000000001',
  groupTag: 'Sales',
  serialNumber: 'SN-001',
  productKey: '',
  importId: 'run-1',
  hardwareIdentifier: 'VDBBQUFB',
  assignedUserPrincipalName: '',
  state: { deviceImportStatus: 'pending', deviceRegistrationId: '', deviceErrorCode: 0, deviceErrorName: '' },
};

const autopilotDeviceV1 = {
  id: 'b8e1a7c2-0000-4000-8000-000000000002',
  groupTag: 'Sales',
  purchaseOrderIdentifier: '',
  serialNumber: 'SN-001',
  productKey: '',
  manufacturer: 'Contoso',
  model: 'Laptop 7',
  enrollmentState: 'notContacted',
  lastContactedDateTime: '0001-01-01T00:00:00Z',
  addressableUserName: '',
  userPrincipalName: '',
  resourceName: '',
  skuNumber: '',
  systemFamily: '',
  azureActiveDirectoryDeviceId: 'f1c0e2d3-0000-4000-8000-000000000003',
  managedDeviceId: '00000000-0000-0000-0000-000000000000',
  displayName: '',
};

describe('derived schema (as vendored)', () => {
  it('includes inherited properties and version differences', () => {
    const v1 = loadGraphSchema('v1.0');
    const beta = loadGraphSchema('beta');
    const v1Device = v1.types.get('microsoft.graph.windowsAutopilotDeviceIdentity');
    const betaDevice = beta.types.get('microsoft.graph.windowsAutopilotDeviceIdentity');
    expect(v1Device?.properties.has('id')).toBe(true); // from microsoft.graph.entity
    expect(v1Device?.properties.has('deploymentProfileAssignmentStatus')).toBe(false);
    expect(betaDevice?.properties.get('deploymentProfileAssignmentStatus')?.type).toBe(
      'microsoft.graph.windowsAutopilotProfileAssignmentStatus',
    );
    expect(betaDevice?.properties.get('deploymentProfile')).toMatchObject({
      navigation: true,
      type: 'microsoft.graph.windowsAutopilotDeploymentProfile',
    });
    expect(v1.types.has('microsoft.graph.windowsAutopilotSettings')).toBe(false);
    expect([...(beta.enums.get('microsoft.graph.windowsAutopilotSyncStatus') ?? [])].sort()).toEqual([
      'completed',
      'failed',
      'inProgress',
      'unknown',
    ]);
    // The v1.0 ESP inherits displayName/priority from deviceEnrollmentConfiguration (CSDL base type).
    const esp = v1.types.get('microsoft.graph.windows10EnrollmentCompletionPageConfiguration');
    expect(esp?.baseType).toBe('microsoft.graph.deviceEnrollmentConfiguration');
    expect(esp?.properties.has('priority')).toBe(true);
    expect(esp?.properties.has('showInstallationProgress')).toBe(false);
    // A beta-only derived type absent from the module YAML gets its base by name suffix.
    const azureAd = beta.types.get('microsoft.graph.azureADWindowsAutopilotDeploymentProfile');
    expect(azureAd).toMatchObject({ baseType: 'microsoft.graph.windowsAutopilotDeploymentProfile', baseTypeSource: 'assumed' });
    expect(azureAd?.properties.has('displayName')).toBe(true);
  });
});

describe('checkGraphResponse', () => {
  it('accepts a well-formed import response and flags a non-member import status', () => {
    const url = `/v1.0${DM}/importedWindowsAutopilotDeviceIdentities/import`;
    const good = {
      '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#Collection(microsoft.graph.importedWindowsAutopilotDeviceIdentity)',
      value: [importedRecord],
    };
    expect(problems({ version: 'v1.0', method: 'POST', url, body: good })).toEqual([]);
    const bad = { value: [{ ...importedRecord, state: { ...importedRecord.state, deviceImportStatus: 'done' } }] };
    expect(problems({ version: 'v1.0', method: 'POST', url, body: bad })).toEqual([
      "$.value[0].state.deviceImportStatus: 'done' is not a member of microsoft.graph.importedWindowsAutopilotDeviceIdentityImportStatus in v1.0 (members: complete, error, partial, pending, unknown)",
    ]);
  });

  it('flags a beta-only property in a v1.0 response and accepts it in beta', () => {
    const body = { value: [{ ...autopilotDeviceV1, deploymentProfileAssignmentStatus: 'assignedInSync' }] };
    expect(
      problems({
        version: 'v1.0',
        method: 'GET',
        url: `https://graph.microsoft.com/v1.0${DM}/windowsAutopilotDeviceIdentities?$top=2`,
        body,
      }),
    ).toEqual([
      "$.value[0].deploymentProfileAssignmentStatus: property 'deploymentProfileAssignmentStatus' does not exist on microsoft.graph.windowsAutopilotDeviceIdentity in v1.0",
    ]);
    expect(problems({ version: 'beta', method: 'GET', url: `${DM}/windowsAutopilotDeviceIdentities`, body })).toEqual([]);
  });

  it('recurses into $expand-ed navigation properties, enums and unknown keys on a single entity', () => {
    const body = {
      '@odata.context': 'x',
      ...autopilotDeviceV1,
      deploymentProfileAssignmentStatus: 'assigned',
      deploymentProfile: {
        '@odata.type': '#microsoft.graph.azureADWindowsAutopilotDeploymentProfile',
        id: 'p1',
        displayName: 'Profile',
        colour: 'blue',
      },
      intendedDeploymentProfile: null,
    };
    expect(
      problems({
        version: 'beta',
        method: 'GET',
        url: `/beta${DM}/windowsAutopilotDeviceIdentities/abc?$expand=deploymentProfile,intendedDeploymentProfile`,
        body,
      }),
    ).toEqual([
      expect.stringMatching(
        /^\$\.deploymentProfileAssignmentStatus: 'assigned' is not a member of microsoft\.graph\.windowsAutopilotProfileAssignmentStatus in beta/,
      ),
      "$.deploymentProfile.colour: property 'colour' does not exist on microsoft.graph.azureADWindowsAutopilotDeploymentProfile in beta",
    ]);
  });

  it('checks windowsAutopilotSettings syncStatus (beta) and rejects the path in v1.0', () => {
    const settings = { id: 'settings', syncStatus: 'completed', lastSyncDateTime: AT, lastManualSyncTriggerDateTime: AT };
    expect(problems({ version: 'beta', method: 'GET', url: `${DM}/windowsAutopilotSettings`, body: settings })).toEqual([]);
    expect(
      problems({ version: 'beta', method: 'GET', url: `${DM}/windowsAutopilotSettings`, body: { ...settings, syncStatus: 'running' } }),
    ).toHaveLength(1);
    expect(
      problems({
        version: 'beta',
        method: 'GET',
        url: `${DM}/windowsAutopilotSettings`,
        body: { ...settings, lastSyncDateTime: 'yesterday' },
      }),
    ).toEqual(['$.lastSyncDateTime: expected an ISO 8601 date-time string for Edm.DateTimeOffset, got "yesterday"']);
    expect(problems({ version: 'v1.0', method: 'GET', url: `${DM}/windowsAutopilotSettings`, body: settings })[0]).toMatch(
      /cannot infer the response type/,
    );
  });

  it('uses @odata.type for derived ESP types and checks $expand=assignments targets', () => {
    const esp = {
      '@odata.type': '#microsoft.graph.windows10EnrollmentCompletionPageConfiguration',
      id: 'esp-1',
      displayName: 'ESP',
      description: '',
      priority: 1,
      createdDateTime: AT,
      lastModifiedDateTime: AT,
      version: 1,
      allowNonBlockingAppInstallation: false,
      showInstallationProgress: true,
      'assignments@odata.context': 'x',
      assignments: [{ id: 'a1', target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId: 'g1' } }],
    };
    const url = `${DM}/deviceEnrollmentConfigurations?$expand=assignments`;
    expect(problems({ version: 'beta', method: 'GET', url, body: { value: [esp] } })).toEqual([]);
    expect(problems({ version: 'v1.0', method: 'GET', url, body: { value: [esp] } })).toEqual([
      "$.value[0].showInstallationProgress: property 'showInstallationProgress' does not exist on microsoft.graph.windows10EnrollmentCompletionPageConfiguration in v1.0",
    ]);
    const { showInstallationProgress: _betaOnly, ...v1Esp } = esp;
    const wrongTarget = { ...v1Esp, assignments: [{ id: 'a1', target: { '@odata.type': '#microsoft.graph.group', groupId: 'g1' } }] };
    expect(problems({ version: 'v1.0', method: 'GET', url, body: { value: [wrongTarget] } })).toEqual([
      '$.value[0].assignments[0].target.@odata.type: microsoft.graph.group is not microsoft.graph.deviceAndAppManagementAssignmentTarget or derived from it',
    ]);
  });

  it('checks directory objects by their @odata.type under memberOf and members casts', () => {
    const group = { '@odata.type': '#microsoft.graph.group', id: 'g1', displayName: 'Autopilot', securityEnabled: true, deviceId: 'x' };
    expect(problems({ version: 'v1.0', method: 'GET', url: '/devices/d1/memberOf', body: { value: [group] } })).toEqual([
      "$.value[0].deviceId: property 'deviceId' does not exist on microsoft.graph.group in v1.0",
    ]);
    const device = { id: 'd1', deviceId: 'x', displayName: 'SN-1', physicalIds: ['[ZTDID]:z'], accountEnabled: true };
    expect(
      problems({ version: 'v1.0', method: 'GET', url: '/groups/g1/members/microsoft.graph.device?$select=id', body: { value: [device] } }),
    ).toEqual([]);
    expect(
      problems({ version: 'v1.0', method: 'GET', url: "/devices(deviceId='x')", body: { ...device, physicalIds: '[ZTDID]:z' } }),
    ).toEqual(['$.physicalIds: expected an array of Edm.String']);
  });

  it('checks action results: strings for checkMemberGroups, nothing for sync', () => {
    expect(problems({ version: 'v1.0', method: 'POST', url: '/devices/d1/checkMemberGroups', body: { value: ['g1'] } })).toEqual([]);
    expect(
      problems({ version: 'v1.0', method: 'POST', url: '/directoryObjects/d1/microsoft.graph.checkMemberGroups', body: { value: [1] } }),
    ).toEqual(['$.value[0]: expected a string']);
    expect(problems({ version: 'beta', method: 'POST', url: `${DM}/windowsAutopilotSettings/sync`, body: undefined })).toEqual([]);
    expect(problems({ version: 'beta', method: 'POST', url: `${DM}/windowsAutopilotSettings/sync`, body: { ok: true } })[0]).toMatch(
      /expected no body/,
    );
  });

  it('requires OData error bodies with innerError request-id and date', () => {
    const good = {
      error: {
        code: 'Request_BadRequest',
        message: 'bad',
        innerError: { 'request-id': 'r', date: '2026-11-28T01:02:03', 'client-request-id': 'c' },
      },
    };
    expect(problems({ version: 'v1.0', method: 'POST', url: '/groups', status: 400, body: good })).toEqual([]);
    expect(
      problems({ version: 'v1.0', method: 'POST', url: '/groups', status: 400, body: { error: { code: 'x', message: 'y' }, extra: 1 } }),
    ).toEqual(["$.extra: 'extra' is not allowed beside error", '$.error.innerError: error.innerError with request-id and date is missing']);
  });

  it('checks each inner $batch response against its own request', () => {
    const requestBody = {
      requests: [
        { id: '1', method: 'GET', url: '/devices/d1' },
        { id: '2', method: 'GET', url: '/groups/g1', dependsOn: ['1'] },
      ],
    };
    const body = {
      responses: [
        { id: '1', status: 200, headers: {}, body: { id: 'd1', mailNickname: 'nope' } },
        {
          id: '2',
          status: 424,
          body: { error: { code: 'failedDependency', message: 'dep', innerError: { 'request-id': 'r', date: AT } } },
        },
      ],
    };
    expect(problems({ version: 'v1.0', method: 'POST', url: '/$batch', body, requestBody })).toEqual([
      "$.responses[0].body.mailNickname: property 'mailNickname' does not exist on microsoft.graph.device in v1.0",
    ]);
  });

  it('flags unknown top-level keys, foreign annotations and unresolvable paths', () => {
    expect(problems({ version: 'v1.0', method: 'GET', url: '/groups', body: { value: [], total: 0 } })).toEqual([
      "$.total: 'total' is not allowed at the top of a collection response",
    ]);
    expect(problems({ version: 'v1.0', method: 'GET', url: '/groups/g1', body: { id: 'g1', '@emulator.note': 'x' } })).toEqual([
      "$.@emulator.note: '@emulator.note' is not an OData annotation",
    ]);
    expect(problems({ version: 'v1.0', method: 'GET', url: '/widgets', body: { value: [] } })[0]).toMatch(/unknown root segment 'widgets'/);
  });
});
