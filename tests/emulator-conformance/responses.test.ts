/**
 * Drives the Graph emulator through every endpoint it serves, in both versions where both exist,
 * and checks EVERY response body (successes and errors, inner $batch responses included) against
 * the schema derived from Microsoft's descriptions, as vendored in
 * local/graph-emulator/conformance/graph-schema.vendored.json. Each test fails listing every
 * violation its calls produced.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { readSeedFile, startGraphEmulator, TUTORIAL_TENANT, type GraphEmulator } from '../../local/graph-emulator';
import { checkGraphResponse, loadGraphSchema, type GraphVersion } from '../../local/graph-emulator/conformance/check';
import type { Route } from '../../local/graph-emulator/handlers/types';
import { normalizeSegments, route, ROUTES } from '../../local/graph-emulator/router';
import { generateHardwareHash } from '../../local/fixtures/hardware-hash-generator';

const DM = '/deviceManagement';
const IMPORTS = `${DM}/importedWindowsAutopilotDeviceIdentities`;
const AUTOPILOT = `${DM}/windowsAutopilotDeviceIdentities`;
const PROFILES = `${DM}/windowsAutopilotDeploymentProfiles`;
const CONFIGS = `${DM}/deviceEnrollmentConfigurations`;
const VERSIONS: GraphVersion[] = ['v1.0', 'beta'];

const WithId = z.looseObject({ id: z.string().min(1) });
const Collection = z.looseObject({ value: z.array(WithId) });
const ImportState = z.looseObject({
  state: z.looseObject({ deviceImportStatus: z.string(), deviceRegistrationId: z.string().nullable() }),
});
const AutopilotDevice = z.looseObject({ id: z.string(), azureActiveDirectoryDeviceId: z.string() });

let emulator: GraphEmulator;
let violations: string[] = [];
/** Emulator routes answered with a 2xx, per version (inner $batch requests included). */
const covered = new Map<Route, Set<GraphVersion>>();

function cover(version: GraphVersion, method: string, path: string, status: number): void {
  if (path === '/$batch') return;
  try {
    const match = route(method.toUpperCase(), version, normalizeSegments(path.split('?')[0] as string), path);
    // A retired route is covered by the refusal the real service gives (403), never by a 2xx.
    const answered = match.route.retired ? status === 403 : status >= 200 && status < 300;
    if (answered) covered.set(match.route, (covered.get(match.route) ?? new Set()).add(version));
  } catch {
    // Not a route (the emulator answered it anyway); nothing to cover.
  }
}

interface Reply {
  status: number;
  body: unknown;
}

async function call(
  version: GraphVersion,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Reply> {
  const response = await fetch(`${emulator.url}/${version}${path}`, {
    method,
    headers: { Authorization: 'Bearer local-test', ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  let parsed: unknown = undefined;
  if (text !== '') {
    try {
      parsed = JSON.parse(text) as unknown;
    } catch {
      parsed = text;
    }
  }
  for (const v of checkGraphResponse({ version, method, url: path, status: response.status, body: parsed, requestBody: body })) {
    violations.push(`${method} /${version}${path} -> ${response.status}: ${v.at}: ${v.problem}`);
  }
  cover(version, method, path, response.status);
  if (path === '/$batch') coverBatch(version, body, parsed);
  return { status: response.status, body: parsed };
}

const BatchRequests = z.object({ requests: z.array(z.object({ id: z.string(), method: z.string(), url: z.string() })) });
const BatchResponses = z.object({ responses: z.array(z.object({ id: z.string(), status: z.number() })) });

function coverBatch(version: GraphVersion, requestBody: unknown, responseBody: unknown): void {
  const requests = BatchRequests.safeParse(requestBody);
  const responses = BatchResponses.safeParse(responseBody);
  if (!requests.success || !responses.success) return;
  for (const r of responses.data.responses) {
    const request = requests.data.requests.find((q) => q.id === r.id);
    if (request) cover(version, request.method, request.url.startsWith('/') ? request.url : `/${request.url}`, r.status);
  }
}

/** Follows an @odata.nextLink (absolute, on the emulator) and checks that page too. */
async function nextPage(version: GraphVersion, page: unknown): Promise<unknown> {
  const link = z.object({ '@odata.nextLink': z.string() }).parse(page)['@odata.nextLink'];
  const url = new URL(link);
  const prefix = `/${version}`;
  if (!url.pathname.startsWith(prefix)) throw new Error(`nextLink ${link} leaves ${prefix}`);
  return expectStatus(200, version, 'GET', `${url.pathname.slice(prefix.length)}${url.search}`);
}

/** Calls and insists on the status, so a test cannot pass by checking only error bodies. */
async function expectStatus(
  status: number,
  version: GraphVersion,
  method: string,
  path: string,
  body?: unknown,
  headers?: Record<string, string>,
): Promise<unknown> {
  const reply = await call(version, method, path, body, headers);
  if (reply.status !== status)
    throw new Error(`${method} /${version}${path}: expected ${status}, got ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body;
}

/** Polls with a bounded number of attempts (the emulator runs at time scale 0, so this is short). */
async function eventually<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  for (let attempt = 0; attempt < 250; attempt++) {
    const found = await probe();
    if (found !== undefined) return found;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function expectConformant(): void {
  const found = violations;
  violations = [];
  expect(found, `schema violations:\n${found.join('\n')}`).toEqual([]);
}

const hash = (serialNumber: string): string => generateHardwareHash({ serialNumber, manufacturer: 'Contoso', model: 'Laptop 7' });
const importBody = (serialNumber: string, groupTag = 'Sales') => ({
  '@odata.type': '#microsoft.graph.importedWindowsAutopilotDeviceIdentity',
  serialNumber,
  groupTag,
  productKey: '',
  importId: 'conformance-run',
  hardwareIdentifier: hash(serialNumber),
  assignedUserPrincipalName: '',
  state: {
    '@odata.type': 'microsoft.graph.importedWindowsAutopilotDeviceIdentityState',
    deviceImportStatus: 'unknown',
    deviceRegistrationId: '',
    deviceErrorCode: 0,
    deviceErrorName: '',
  },
});

// Filled in as the scenario proceeds.
const ids = {
  importOk: '',
  importBeta: '',
  autopilot: '',
  deviceObject: '',
  entraDeviceId: '',
  dynamicGroup: '',
  assignedGroup: '',
  profile: '',
  esp: '',
};

beforeAll(async () => {
  // Read both schemas up front so no scenario step pays for it.
  for (const version of VERSIONS) loadGraphSchema(version);
  const seed = readSeedFile(TUTORIAL_TENANT.seedFile);
  emulator = await startGraphEmulator({ timeScale: 0, seed: { ...seed, otherTenantDevices: [{ serialNumber: 'SNOTHER1' }] } });
});

afterAll(async () => {
  await emulator?.stop();
});

describe('every emulator response conforms to the derived schema', () => {
  it('imports: create, import action (with each error), get, list, $count, paging, $select', async () => {
    const created = WithId.parse(await expectStatus(201, 'v1.0', 'POST', IMPORTS, importBody('SNCONF1')));
    ids.importOk = created.id;
    const imported = Collection.parse(
      await expectStatus(200, 'v1.0', 'POST', `${IMPORTS}/import`, {
        importedWindowsAutopilotDeviceIdentities: [
          importBody('SNCONF2', 'HR'),
          { ...importBody('SNBAD'), hardwareIdentifier: Buffer.from('not a hardware hash').toString('base64') },
          importBody('SNOTHER1'),
          importBody('SNDUP'),
          importBody('SNDUP'),
        ],
      }),
    );
    expect(imported.value).toHaveLength(5);
    await expectStatus(200, 'beta', 'POST', `${IMPORTS}/microsoft.graph.import`, {
      importedWindowsAutopilotDeviceIdentities: [importBody('SNCONF3')],
    });
    ids.importBeta = WithId.parse(await expectStatus(201, 'beta', 'POST', IMPORTS, importBody('SNCONF1'))).id;

    for (const version of VERSIONS) {
      await eventually('every import to finish', async () => {
        const list = z.object({ value: z.array(ImportState) }).parse(await expectStatus(200, version, 'GET', IMPORTS));
        return list.value.every((r) => r.state.deviceImportStatus === 'complete' || r.state.deviceImportStatus === 'error')
          ? true
          : undefined;
      });
      await expectStatus(200, version, 'GET', `${IMPORTS}/${ids.importOk}`);
      await nextPage(version, await expectStatus(200, version, 'GET', `${IMPORTS}?$top=2`));
      await expectStatus(200, version, 'GET', `${IMPORTS}?$select=id,serialNumber,state`);
      await expectStatus(200, version, 'GET', `${IMPORTS}/$count`);
      await expectStatus(404, version, 'GET', `${IMPORTS}/00000000-0000-0000-0000-00000000dead`);
    }
    const done = ImportState.parse(await expectStatus(200, 'v1.0', 'GET', `${IMPORTS}/${ids.importOk}`));
    expect(done.state.deviceImportStatus).toBe('complete');
    expectConformant();
  });

  it('sync and windowsAutopilotSettings (beta), and the v1.0 error for the beta-only path', async () => {
    // The Intune root, whose subscriptionState the preflight reads.
    for (const version of ['v1.0', 'beta'] as const) {
      const dm = await expectStatus(200, version, 'GET', `${DM}?$select=subscriptionState`);
      expect(dm).toMatchObject({ subscriptionState: 'active' });
      await expectStatus(200, version, 'GET', DM);
    }
    await expectStatus(200, 'beta', 'GET', `${DM}/windowsAutopilotSettings`);
    await expectStatus(204, 'beta', 'POST', `${DM}/windowsAutopilotSettings/sync`);
    const again = await call('beta', 'POST', `${DM}/windowsAutopilotSettings/microsoft.graph.sync`);
    expect([409, 429]).toContain(again.status);
    await expectStatus(200, 'beta', 'GET', `${DM}/windowsAutopilotSettings`);
    const v1 = await call('v1.0', 'GET', `${DM}/windowsAutopilotSettings`);
    expect(v1.status).toBeGreaterThanOrEqual(400);
    expectConformant();
  });

  it('Autopilot devices: list, filter, get, beta $expand, navigation, actions, $count', async () => {
    const device = await eventually('the imported device to be published', async () => {
      const list = z
        .object({ value: z.array(AutopilotDevice) })
        .parse(await expectStatus(200, 'v1.0', 'GET', `${AUTOPILOT}?$filter=${encodeURIComponent("contains(serialNumber,'SNCONF1')")}`));
      return list.value[0];
    });
    ids.autopilot = device.id;
    ids.entraDeviceId = device.azureActiveDirectoryDeviceId;
    for (const version of VERSIONS) {
      await expectStatus(200, version, 'GET', AUTOPILOT);
      await nextPage(version, await expectStatus(200, version, 'GET', `${AUTOPILOT}?$top=1`));
      await expectStatus(200, version, 'GET', `${AUTOPILOT}/${ids.autopilot}`);
      await expectStatus(200, version, 'GET', `${AUTOPILOT}/$count`);
      // The real list answers any $select with 500 (microsoft-graph-docs-contrib#2756, DeviceOffboardingManager#65).
      const selected = await call(version, 'GET', `${AUTOPILOT}?$select=id,serialNumber,groupTag`);
      expect(selected.status).toBe(500);
      expect(z.object({ error: z.object({ code: z.string() }) }).parse(selected.body).error.code).toBe('InternalServerError');
      await expectStatus(200, version, 'GET', `${AUTOPILOT}/${ids.autopilot}?$select=id,serialNumber`);
      const rejected = await call(version, 'GET', `${AUTOPILOT}?$filter=${encodeURIComponent("serialNumber eq 'SNCONF1'")}`);
      expect(rejected.status).toBe(400);
      await expectStatus(204, version, 'POST', `${AUTOPILOT}/${ids.autopilot}/updateDeviceProperties`, {
        groupTag: 'Sales',
        displayName: 'CONF-1',
      });
      await expectStatus(204, version, 'POST', `${AUTOPILOT}/${ids.autopilot}/assignUserToDevice`, {
        userPrincipalName: 'someone@contoso.example',
        addressableUserName: 'Someone',
      });
      await expectStatus(204, version, 'POST', `${AUTOPILOT}/${ids.autopilot}/microsoft.graph.unassignUserFromDevice`);
    }
    await expectStatus(200, 'beta', 'GET', `${AUTOPILOT}?$expand=deploymentProfile,intendedDeploymentProfile`);
    await expectStatus(200, 'beta', 'GET', `${AUTOPILOT}/${ids.autopilot}?$expand=deploymentProfile,intendedDeploymentProfile`);
    await call('beta', 'GET', `${AUTOPILOT}/${ids.autopilot}/deploymentProfile`);
    await call('beta', 'GET', `${AUTOPILOT}/${ids.autopilot}/intendedDeploymentProfile`);
    const v1Expand = await call('v1.0', 'GET', `${AUTOPILOT}?$expand=deploymentProfile`);
    expect(v1Expand.status).toBe(400);
    expectConformant();
  });

  it('deployment profiles (beta): CRUD, assignments, assignedDevices, assign', async () => {
    await expectStatus(200, 'beta', 'GET', PROFILES);
    await expectStatus(200, 'beta', 'GET', `${PROFILES}/${TUTORIAL_TENANT.deploymentProfileId}`);
    await expectStatus(200, 'beta', 'GET', `${PROFILES}/${TUTORIAL_TENANT.deploymentProfileId}/assignments`);
    await expectStatus(200, 'beta', 'GET', `${PROFILES}/${TUTORIAL_TENANT.deploymentProfileId}/assignedDevices`);
    const profile = WithId.parse(
      await expectStatus(201, 'beta', 'POST', PROFILES, {
        '@odata.type': '#microsoft.graph.azureADWindowsAutopilotDeploymentProfile',
        displayName: 'Conformance profile',
        description: 'created by the conformance test',
        deviceNameTemplate: 'CONF-%SERIAL%',
        deviceType: 'windowsPc',
        locale: 'en-US',
        preprovisioningAllowed: false,
        hardwareHashExtractionEnabled: false,
        outOfBoxExperienceSetting: {
          '@odata.type': 'microsoft.graph.outOfBoxExperienceSetting',
          privacySettingsHidden: true,
          eulaHidden: true,
          userType: 'standard',
          deviceUsageType: 'singleUser',
          keyboardSelectionPageSkipped: true,
          escapeLinkHidden: true,
        },
      }),
    );
    ids.profile = profile.id;
    await expectStatus(200, 'beta', 'GET', `${PROFILES}/${ids.profile}`);
    const patched = await call('beta', 'PATCH', `${PROFILES}/${ids.profile}`, {
      '@odata.type': '#microsoft.graph.azureADWindowsAutopilotDeploymentProfile',
      description: 'patched',
    });
    expect([200, 204]).toContain(patched.status);
    const assignment = WithId.parse(
      await expectStatus(201, 'beta', 'POST', `${PROFILES}/${ids.profile}/assignments`, {
        target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId: TUTORIAL_TENANT.autopilotGroupId },
      }),
    );
    await expectStatus(200, 'beta', 'GET', `${PROFILES}/${ids.profile}/assignments/${assignment.id}`);
    await expectStatus(200, 'beta', 'GET', `${PROFILES}/${ids.profile}/assignments`);
    // The profile's assign action is dead on the real service (403 FeatureNotEnabled; docs/GRAPH-EMULATOR.md).
    await expectStatus(403, 'beta', 'POST', `${PROFILES}/${ids.profile}/assign`, { deviceIds: [ids.autopilot] });
    await expectStatus(204, 'beta', 'DELETE', `${PROFILES}/${ids.profile}/assignments/${assignment.id}`);
    await expectStatus(204, 'beta', 'DELETE', `${PROFILES}/${ids.profile}`);
    const v1 = await call('v1.0', 'GET', PROFILES);
    expect(v1.status).toBeGreaterThanOrEqual(400);
    expectConformant();
  });

  it('enrollment configurations: list with $expand=assignments, default ESP, CRUD, assign, setPriority, assignments', async () => {
    for (const version of VERSIONS) {
      await expectStatus(200, version, 'GET', CONFIGS);
      await expectStatus(200, version, 'GET', `${CONFIGS}?$expand=assignments`);
      await expectStatus(200, version, 'GET', `${CONFIGS}/${TUTORIAL_TENANT.defaultEspId}`);
      await expectStatus(200, version, 'GET', `${CONFIGS}/${TUTORIAL_TENANT.espId}?$expand=assignments`);
      await expectStatus(200, version, 'GET', `${CONFIGS}/${TUTORIAL_TENANT.espId}/assignments`);
      const settings =
        version === 'beta'
          ? {
              showInstallationProgress: true,
              installProgressTimeoutInMinutes: 45,
              trackInstallProgressForAutopilotOnly: true,
              allowLogCollectionOnInstallFailure: true,
            }
          : { allowNonBlockingAppInstallation: false };
      const esp = WithId.parse(
        await expectStatus(201, version, 'POST', CONFIGS, {
          '@odata.type': '#microsoft.graph.windows10EnrollmentCompletionPageConfiguration',
          displayName: `Conformance ESP ${version}`,
          description: 'created by the conformance test',
          ...settings,
        }),
      );
      ids.esp = esp.id;
      await expectStatus(200, version, 'GET', `${CONFIGS}/${ids.esp}`);
      const patched = await call(version, 'PATCH', `${CONFIGS}/${ids.esp}`, {
        '@odata.type': '#microsoft.graph.windows10EnrollmentCompletionPageConfiguration',
        description: 'patched',
      });
      expect([200, 204]).toContain(patched.status);
      await expectStatus(204, version, 'POST', `${CONFIGS}/${ids.esp}/assign`, {
        enrollmentConfigurationAssignments: [
          { target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId: TUTORIAL_TENANT.autopilotGroupId } },
        ],
      });
      await expectStatus(204, version, 'POST', `${CONFIGS}/${ids.esp}/setPriority`, { priority: 1 });
      const assignments = Collection.parse(await expectStatus(200, version, 'GET', `${CONFIGS}/${ids.esp}/assignments`));
      const first = assignments.value[0];
      if (!first) throw new Error('assign left no assignment');
      await expectStatus(200, version, 'GET', `${CONFIGS}/${ids.esp}/assignments/${first.id}`);
      const extra = WithId.parse(
        await expectStatus(201, version, 'POST', `${CONFIGS}/${ids.esp}/assignments`, {
          target: { '@odata.type': '#microsoft.graph.exclusionGroupAssignmentTarget', groupId: '0b7e5c1d-0000-4000-8000-00000000e5c1' },
        }),
      );
      await expectStatus(204, version, 'DELETE', `${CONFIGS}/${ids.esp}/assignments/${extra.id}`);
      await expectStatus(200, version, 'GET', `${CONFIGS}?$expand=assignments`);
      await expectStatus(204, version, 'DELETE', `${CONFIGS}/${ids.esp}`);
    }
    expectConformant();
  });

  it('groups: dynamic and assigned groups, invalid rule, members, transitiveMembers, $ref, checkMemberGroups', async () => {
    for (const version of VERSIONS) {
      const dynamic = WithId.parse(
        await expectStatus(201, version, 'POST', '/groups', {
          displayName: `Sales Autopilot ${version}`,
          description: 'group tag Sales',
          mailEnabled: false,
          mailNickname: `sales-autopilot-${version.replace('.', '')}`,
          securityEnabled: true,
          groupTypes: ['DynamicMembership'],
          membershipRule: '(device.devicePhysicalIds -any _ -eq "[OrderID]:Sales")',
          membershipRuleProcessingState: 'On',
        }),
      );
      ids.dynamicGroup = dynamic.id;
      const invalid = await call(version, 'POST', '/groups', {
        displayName: 'Broken rule',
        mailEnabled: false,
        mailNickname: 'broken-rule',
        securityEnabled: true,
        groupTypes: ['DynamicMembership'],
        membershipRule: '(device.devicePhysicalIds -any (_ -contains "[ZTDID]")',
        membershipRuleProcessingState: 'On',
      });
      expect(invalid.status).toBe(400);
      const assigned = WithId.parse(
        await expectStatus(201, version, 'POST', '/groups', {
          displayName: `Assigned ${version}`,
          mailEnabled: false,
          mailNickname: `assigned-${version.replace('.', '')}`,
          securityEnabled: true,
        }),
      );
      ids.assignedGroup = assigned.id;
      await expectStatus(200, version, 'GET', `/groups/${ids.dynamicGroup}`);
      await expectStatus(200, version, 'GET', '/groups');
      await expectStatus(200, version, 'GET', `/groups?$filter=${encodeURIComponent(`displayName eq 'Sales Autopilot ${version}'`)}`);
      await expectStatus(200, version, 'GET', '/groups/$count', undefined, { ConsistencyLevel: 'eventual' });
      await expectStatus(200, version, 'GET', `/groups/${TUTORIAL_TENANT.autopilotGroupId}/members`);
      await expectStatus(
        200,
        version,
        'GET',
        `/groups/${TUTORIAL_TENANT.autopilotGroupId}/members/microsoft.graph.device?$select=id,deviceId,displayName`,
      );
      await expectStatus(200, version, 'GET', `/groups/${TUTORIAL_TENANT.autopilotGroupId}/transitiveMembers`);
      // A cast on transitiveMembers is an advanced query: refused without ConsistencyLevel and $count=true.
      await expectStatus(400, version, 'GET', `/groups/${TUTORIAL_TENANT.autopilotGroupId}/transitiveMembers/microsoft.graph.device`);
      await expectStatus(
        200,
        version,
        'GET',
        `/groups/${TUTORIAL_TENANT.autopilotGroupId}/transitiveMembers/microsoft.graph.device?$count=true`,
        undefined,
        { ConsistencyLevel: 'eventual' },
      );
      await expectStatus(200, version, 'GET', `/groups/${TUTORIAL_TENANT.autopilotGroupId}/members/$count`, undefined, {
        ConsistencyLevel: 'eventual',
      });
      await expectStatus(200, version, 'POST', `/groups/${TUTORIAL_TENANT.autopilotGroupId}/checkMemberGroups`, {
        groupIds: [ids.dynamicGroup],
      });
      await expectStatus(200, version, 'POST', `/groups/${ids.assignedGroup}/getMemberGroups`, { securityEnabledOnly: false });
      await expectStatus(204, version, 'PATCH', `/groups/${ids.dynamicGroup}`, { description: `patched in ${version}` });
      const eventual = { ConsistencyLevel: 'eventual' };
      for (const kind of ['members', 'transitiveMembers']) {
        const base = `/groups/${TUTORIAL_TENANT.autopilotGroupId}/${kind}`;
        await expectStatus(
          200,
          version,
          'GET',
          kind === 'members' ? `${base}/microsoft.graph.group` : `${base}/microsoft.graph.group?$count=true`,
          undefined,
          kind === 'members' ? undefined : eventual,
        );
        for (const suffix of ['', '/microsoft.graph.device', '/microsoft.graph.group']) {
          await expectStatus(200, version, 'GET', `${base}${suffix}/$count`, undefined, eventual);
        }
      }
      const throwaway = WithId.parse(
        await expectStatus(201, version, 'POST', '/groups', {
          displayName: 'Throwaway',
          mailEnabled: false,
          mailNickname: 'throwaway',
          securityEnabled: true,
        }),
      );
      await expectStatus(204, version, 'DELETE', `/groups/${throwaway.id}`);
      await expectStatus(404, version, 'GET', '/groups/00000000-0000-0000-0000-00000000dead');
    }
    await expectStatus(200, 'beta', 'GET', `/groups/${ids.dynamicGroup}?$select=id,membershipRule,membershipRuleProcessingStatus`);
    expectConformant();
  });

  it('devices: list, filter, get, alternate key, memberOf, transitiveMemberOf, checkMemberGroups, directoryObjects', async () => {
    const found = await eventually('the Entra device of the import', async () => {
      const list = Collection.parse(
        await expectStatus(200, 'v1.0', 'GET', `/devices?$filter=${encodeURIComponent(`deviceId eq '${ids.entraDeviceId}'`)}`),
      );
      return list.value[0];
    });
    ids.deviceObject = found.id;
    await eventually('the device to join the Sales group', async () => {
      const reply = z
        .object({ value: z.array(z.string()) })
        .parse(await expectStatus(200, 'v1.0', 'POST', `/devices/${ids.deviceObject}/checkMemberGroups`, { groupIds: [ids.dynamicGroup] }));
      return reply.value.length === 1 ? true : undefined;
    });
    await expectStatus(204, 'v1.0', 'POST', `/groups/${ids.assignedGroup}/members/$ref`, {
      '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${ids.deviceObject}`,
    });
    await expectStatus(204, 'beta', 'DELETE', `/groups/${ids.assignedGroup}/members/${ids.deviceObject}/$ref`);
    await expectStatus(204, 'beta', 'POST', `/groups/${ids.assignedGroup}/members/$ref`, {
      '@odata.id': `https://graph.microsoft.com/beta/directoryObjects/${ids.deviceObject}`,
    });
    for (const version of VERSIONS) {
      await expectStatus(200, version, 'GET', '/devices');
      await nextPage(version, await expectStatus(200, version, 'GET', '/devices?$top=1'));
      await expectStatus(
        200,
        version,
        'GET',
        `/devices?$filter=${encodeURIComponent(`deviceId eq '${ids.entraDeviceId}'`)}&$select=id,deviceId,displayName,physicalIds`,
      );
      await expectStatus(200, version, 'GET', `/devices/${ids.deviceObject}`);
      await expectStatus(200, version, 'GET', `/devices(deviceId='${ids.entraDeviceId}')`);
      await expectStatus(200, version, 'GET', '/devices/$count', undefined, { ConsistencyLevel: 'eventual' });
      await expectStatus(200, version, 'GET', `/devices/${ids.deviceObject}/memberOf`);
      await expectStatus(200, version, 'GET', `/devices/${ids.deviceObject}/memberOf/microsoft.graph.group?$select=id,displayName`);
      await expectStatus(200, version, 'GET', `/devices/${ids.deviceObject}/transitiveMemberOf`);
      await expectStatus(200, version, 'GET', `/devices/${ids.deviceObject}/transitiveMemberOf/microsoft.graph.group`);
      await expectStatus(200, version, 'POST', `/devices/${ids.deviceObject}/checkMemberGroups`, {
        groupIds: [ids.dynamicGroup, TUTORIAL_TENANT.autopilotGroupId],
      });
      await expectStatus(200, version, 'POST', `/devices/${ids.deviceObject}/microsoft.graph.getMemberGroups`, {
        securityEnabledOnly: true,
      });
      await expectStatus(200, version, 'POST', `/directoryObjects/${ids.deviceObject}/checkMemberGroups`, {
        groupIds: [ids.assignedGroup],
      });
      await expectStatus(200, version, 'POST', `/directoryObjects/${ids.deviceObject}/getMemberGroups`, { securityEnabledOnly: true });
      for (const kind of ['memberOf', 'transitiveMemberOf']) {
        for (const suffix of ['', '/microsoft.graph.group']) {
          await expectStatus(200, version, 'GET', `/devices/${ids.deviceObject}/${kind}${suffix}/$count`, undefined, {
            ConsistencyLevel: 'eventual',
          });
        }
      }
      await expectStatus(200, version, 'GET', `/groups/${ids.assignedGroup}/members`);
      await expectStatus(200, version, 'GET', `/groups/${ids.dynamicGroup}/members/microsoft.graph.device`);
      await expectStatus(404, version, 'GET', '/devices/00000000-0000-0000-0000-00000000dead');
    }
    await expectStatus(204, 'v1.0', 'DELETE', `/groups/${ids.assignedGroup}/members/${ids.deviceObject}/$ref`);
    expectConformant();
  });

  it('tenant policies the baseline checks before apply: device registration policy, MDM user scope (beta), subscribed SKUs', async () => {
    for (const version of VERSIONS) {
      await expectStatus(200, version, 'GET', '/policies/deviceRegistrationPolicy');
      await expectStatus(200, version, 'GET', '/subscribedSkus');
    }
    await expectStatus(200, 'beta', 'GET', '/policies/mobileDeviceManagementPolicies');
    expect((await call('v1.0', 'GET', '/policies/mobileDeviceManagementPolicies')).status).toBe(400);
    expectConformant();
  });

  it('$batch: inner responses, dependsOn and a failed dependency (424)', async () => {
    for (const version of VERSIONS) {
      const batch = {
        requests: [
          { id: '1', method: 'GET', url: `${AUTOPILOT}/${ids.autopilot}` },
          { id: '2', method: 'GET', url: `/devices/${ids.deviceObject}/memberOf`, dependsOn: ['1'] },
          {
            id: '3',
            method: 'POST',
            url: `/devices/${ids.deviceObject}/checkMemberGroups`,
            headers: { 'Content-Type': 'application/json' },
            body: { groupIds: [ids.dynamicGroup] },
          },
          { id: '4', method: 'GET', url: `${IMPORTS}/00000000-0000-0000-0000-00000000dead` },
          { id: '5', method: 'GET', url: `/groups/${ids.dynamicGroup}`, dependsOn: ['4'] },
          { id: '6', method: 'GET', url: `${CONFIGS}?$expand=assignments` },
        ],
      };
      const reply = z
        .object({ responses: z.array(z.looseObject({ id: z.string(), status: z.number() })) })
        .parse(await expectStatus(200, version, 'POST', '/$batch', batch));
      const status = Object.fromEntries(reply.responses.map((r) => [r.id, r.status]));
      expect(status).toEqual({ '1': 200, '2': 200, '3': 200, '4': 404, '5': 424, '6': 200 });
    }
    expectConformant();
  });

  it('deletes: Autopilot devices, import records and Entra devices', async () => {
    const others = z
      .object({ value: z.array(AutopilotDevice.extend({ serialNumber: z.string() })) })
      .parse(await expectStatus(200, 'beta', 'GET', AUTOPILOT));
    const third = others.value.find((d) => d.serialNumber === 'SNCONF3');
    if (!third) throw new Error('SNCONF3 was never published');
    await expectStatus(204, 'v1.0', 'DELETE', `${AUTOPILOT}/${ids.autopilot}`);
    await expectStatus(204, 'beta', 'DELETE', `${AUTOPILOT}/${third.id}`);
    await expectStatus(404, 'v1.0', 'GET', `${AUTOPILOT}/${ids.autopilot}`);
    // DELETE of an import record answers 200 (microsoft-graph-docs #7129); only the GET's 404 shows it went.
    await expectStatus(200, 'v1.0', 'DELETE', `${IMPORTS}/${ids.importOk}`);
    await expectStatus(200, 'beta', 'DELETE', `${IMPORTS}/${ids.importBeta}`);
    await expectStatus(404, 'v1.0', 'GET', `${IMPORTS}/${ids.importOk}`);
    const devices = Collection.parse(
      await expectStatus(
        200,
        'v1.0',
        'GET',
        `/devices?$filter=${encodeURIComponent(`deviceId eq '${third.azureActiveDirectoryDeviceId}'`)}`,
      ),
    );
    const thirdObject = devices.value[0];
    if (!thirdObject) throw new Error('the Entra device of SNCONF3 is missing');
    await expectStatus(204, 'v1.0', 'DELETE', `/devices/${ids.deviceObject}`);
    await expectStatus(204, 'beta', 'DELETE', `/devices/${thirdObject.id}`);
    expectConformant();
  });

  it('error bodies: 401, unknown body property, wrong method, unknown path, injected 5xx and timeout', async () => {
    for (const version of VERSIONS) {
      const unauthenticated = await fetch(`${emulator.url}/${version}/groups`);
      const body = (await unauthenticated.json()) as unknown;
      expect(unauthenticated.status).toBe(401);
      for (const v of checkGraphResponse({ version, method: 'GET', url: '/groups', status: 401, body }))
        violations.push(`GET /${version}/groups (no token): ${v.at}: ${v.problem}`);
      await expectStatus(400, version, 'POST', '/groups', {
        displayName: 'x',
        mailEnabled: false,
        mailNickname: 'x',
        securityEnabled: true,
        colour: 'blue',
      });
      await expectStatus(400, version, 'POST', IMPORTS, { ...importBody('SNCONF9'), colour: 'blue' });
      await expectStatus(405, version, 'PUT', `/groups/${TUTORIAL_TENANT.autopilotGroupId}`, {});
      const unknown = await call(version, 'GET', '/deviceManagement/managedDevices');
      expect(unknown.status).toBeGreaterThanOrEqual(400);
    }
    emulator.updateSettings({ faults: { errorRate: 1 } });
    try {
      for (const version of VERSIONS) {
        const failed = await call(version, 'GET', '/groups');
        expect(failed.status).toBeGreaterThanOrEqual(500);
      }
    } finally {
      emulator.updateSettings({ faults: { errorRate: 0 } });
    }
    emulator.updateSettings({ faults: { timeoutRate: 1, timeoutMs: 10 } });
    try {
      const timedOut = await call('v1.0', 'GET', '/groups');
      expect(timedOut.status).toBe(504);
    } finally {
      emulator.updateSettings({ faults: { timeoutRate: 0 } });
    }
    expectConformant();
  });

  it('covered every route the emulator serves, in every version it serves it', () => {
    const missing = ROUTES.flatMap((r) =>
      (r.versions ?? VERSIONS).filter((v) => !covered.get(r)?.has(v)).map((v) => `${r.method} /${v}/${r.path}`),
    );
    expect(missing, `routes never answered with a 2xx (a retired one: with its 403):\n${missing.join('\n')}`).toEqual([]);
  });
});
