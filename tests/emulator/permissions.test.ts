import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSeedFile, TUTORIAL_TENANT } from '../../local/graph-emulator';
import { appToken } from '../../local/app-token';
import { getImport, hashFor, importDevices, pollUntil, raw, startHarness, type Harness } from './support';

const MEMBERS = `/groups/${TUTORIAL_TENANT.autopilotGroupId}/transitiveMembers/microsoft.graph.device?$count=true&$select=id,deviceId`;
const EVENTUAL = { ConsistencyLevel: 'eventual' };

/**
 * The emulator decides what a caller may do from the app roles in its token, as the service does:
 * 403 for a call none of whose permissions the token holds, and device members without their
 * properties for a caller that can read group members but not devices.
 */
describe('app roles per caller', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ timeScale: 0, seed: readSeedFile(TUTORIAL_TENANT.seedFile) });
    // One device in the Autopilot group, imported by an unrestricted (opaque-token) caller.
    const [record] = await importDevices(h.client, [{ serialNumber: 'PERM0001', hardwareIdentifier: hashFor('PERM0001') }]);
    await getImport(h.client, record!.id);
    await raw(h.client, 'POST', 'beta', '/deviceManagement/windowsAutopilotSettings/sync');
    await pollUntil(
      'the device to join the group',
      async () => (await raw(h.client, 'GET', 'v1.0', MEMBERS, undefined, EVENTUAL)).body as { value: unknown[] },
      (page) => page.value.length > 0,
    );
  });
  afterAll(async () => h.emu.stop());

  const as = (roles: string[]) => h.clientFor(appToken(roles, `app-${roles.join('+') || 'none'}`));

  it('device members come back with deviceId only to a caller that can read devices', async () => {
    const full = await raw(as(['GroupMember.Read.All', 'Device.Read.All']), 'GET', 'v1.0', MEMBERS, undefined, EVENTUAL);
    expect(full.status).toBe(200);
    const [member] = (full.body as { value: { id: string; deviceId: string | null }[] }).value;
    expect(member!.deviceId).toMatch(/^[0-9a-f-]{36}$/);

    const limited = await raw(as(['GroupMember.Read.All']), 'GET', 'v1.0', MEMBERS, undefined, EVENTUAL);
    expect(limited.status).toBe(200);
    expect((limited.body as { value: unknown[] }).value).toEqual([
      { '@odata.type': '#microsoft.graph.device', id: member!.id, deviceId: null },
    ]);
  });

  it('a directory call without any permission that grants it is 403 Authorization_RequestDenied', async () => {
    const denied = await raw(
      as(['DeviceManagementServiceConfig.ReadWrite.All', 'Device.Read.All']),
      'GET',
      'v1.0',
      MEMBERS,
      undefined,
      EVENTUAL,
    );
    expect(denied.status).toBe(403);
    expect((denied.body as { error: { code: string; message: string } }).error).toMatchObject({
      code: 'Authorization_RequestDenied',
      message: 'Insufficient privileges to complete the operation.',
    });
  });

  it('an Intune call without the service-configuration permission is 403 Forbidden naming the scopes, also inside a $batch', async () => {
    const client = as(['GroupMember.Read.All', 'Device.Read.All']);
    const single = await raw(client, 'GET', 'beta', '/deviceManagement/windowsAutopilotSettings');
    expect(single.status).toBe(403);
    const error = (single.body as { error: { code: string; message: string } }).error;
    expect(error.code).toBe('Forbidden');
    expect(JSON.parse(error.message).Message).toMatch(
      /^Application is not authorized to perform this operation\. Application must have one of the following scopes: DeviceManagementServiceConfig\.Read\.All, DeviceManagementServiceConfig\.ReadWrite\.All/,
    );
    const batch = await raw(client, 'POST', 'beta', '/$batch', {
      requests: [{ id: '1', method: 'GET', url: '/deviceManagement/windowsAutopilotDeviceIdentities' }],
    });
    expect((batch.body as { responses: { status: number }[] }).responses[0]!.status).toBe(403);
    // Reading is not writing: a read-only grant may list but not sync.
    const reader = as(['DeviceManagementServiceConfig.Read.All']);
    expect((await raw(reader, 'GET', 'beta', '/deviceManagement/windowsAutopilotSettings')).status).toBe(200);
    expect((await raw(reader, 'POST', 'beta', '/deviceManagement/windowsAutopilotSettings/sync')).status).toBe(403);
  });

  it('the app the local stack runs as holds exactly what infra grants, which covers every call the pipeline makes', async () => {
    const granted = as(['Device.Read.All', 'DeviceManagementServiceConfig.ReadWrite.All', 'GroupMember.Read.All']);
    for (const [version, path, headers] of [
      ['beta', '/deviceManagement/windowsAutopilotSettings', {}],
      ['beta', '/deviceManagement/windowsAutopilotDeviceIdentities', {}],
      ['beta', '/deviceManagement/deviceEnrollmentConfigurations?$expand=assignments', {}],
      ['v1.0', '/deviceManagement/importedWindowsAutopilotDeviceIdentities', {}],
      ['v1.0', MEMBERS, EVENTUAL],
    ] as const) {
      expect((await raw(granted, 'GET', version, path, undefined, headers)).status, path).toBe(200);
    }
  });
});
