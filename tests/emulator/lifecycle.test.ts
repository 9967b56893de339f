import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSeedFile, TUTORIAL_TENANT } from '../../local/graph-emulator';
import { getImport, hashFor, importDevices, raw, startHarness, type Harness } from './support';

interface ApDevice {
  id: string;
  serialNumber: string;
  manufacturer: string;
  model: string;
  groupTag: string;
  azureActiveDirectoryDeviceId: string;
  deploymentProfileAssignmentStatus?: string;
  deploymentProfileAssignedDateTime?: string;
  deploymentProfile?: { id: string } | null;
  intendedDeploymentProfile?: { id: string } | null;
}
interface EntraDevice {
  id: string;
  deviceId: string;
  displayName: string;
  physicalIds: string[];
}

describe('import → complete → sync → Autopilot device → dynamic group → profile → ESP (time scale 0)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ timeScale: 0, seed: readSeedFile(TUTORIAL_TENANT.seedFile) });
  });
  afterAll(async () => h.emu.stop());

  it('walks the whole lifecycle against the tutorial tenant', async () => {
    const [record] = await importDevices(h.client, [
      { serialNumber: 'LIFE0001', hardwareIdentifier: hashFor('LIFE0001', 'Fabrikam', 'Model X'), groupTag: 'Sales' },
    ]);
    expect(record!.state.deviceImportStatus).toBe('unknown');

    const done = await getImport(h.client, record!.id);
    expect(done.state).toMatchObject({ deviceImportStatus: 'complete', deviceErrorCode: 0, deviceErrorName: 'None' });
    const ztdId = done.state.deviceRegistrationId;
    expect(ztdId).toMatch(/^[0-9a-f-]{36}$/);

    expect((await raw(h.client, 'POST', 'beta', '/deviceManagement/windowsAutopilotSettings/sync')).status).toBe(204);

    const ap = (await h.client
      .api(`/deviceManagement/windowsAutopilotDeviceIdentities/${ztdId}`)
      .version('beta')
      .expand(['deploymentProfile', 'intendedDeploymentProfile'])
      .get()) as ApDevice;
    expect(ap).toMatchObject({
      id: ztdId,
      serialNumber: 'LIFE0001',
      manufacturer: 'Fabrikam',
      model: 'Model X',
      groupTag: 'Sales',
      deploymentProfileAssignmentStatus: 'assignedInSync',
    });
    expect(ap.deploymentProfile?.id).toBe(TUTORIAL_TENANT.deploymentProfileId);
    expect(ap.intendedDeploymentProfile?.id).toBe(TUTORIAL_TENANT.deploymentProfileId);
    expect(ap.deploymentProfileAssignedDateTime).not.toBe('0001-01-01T00:00:00Z');

    const devices = (await h.client.api('/devices').filter(`deviceId eq '${ap.azureActiveDirectoryDeviceId}'`).get()) as {
      value: EntraDevice[];
    };
    expect(devices.value).toHaveLength(1);
    const device = devices.value[0]!;
    expect(device.displayName).toBe('LIFE0001');
    expect(device.physicalIds).toContain(`[ZTDID]:${ztdId}`);
    expect(device.physicalIds).toContain('[OrderID]:Sales');
    expect(device.physicalIds.some((p) => /^\[HWID\]:h:\d{16}$/.test(p))).toBe(true);

    const check = (await h.client
      .api(`/devices/${device.id}/checkMemberGroups`)
      .post({ groupIds: [TUTORIAL_TENANT.autopilotGroupId, '00000000-0000-0000-0000-000000000000'] })) as { value: string[] };
    expect(check.value).toEqual([TUTORIAL_TENANT.autopilotGroupId]);

    const members = (await h.client
      .api(`/groups/${TUTORIAL_TENANT.autopilotGroupId}/transitiveMembers/microsoft.graph.device`)
      .header('ConsistencyLevel', 'eventual')
      .query({ $count: 'true' })
      .select(['id', 'deviceId', 'displayName'])
      .get()) as { value: EntraDevice[] };
    expect(members.value.map((m) => m.id)).toContain(device.id);
    const groups = (await h.client.api(`/devices/${device.id}/transitiveMemberOf/microsoft.graph.group`).get()) as {
      value: { id: string; '@odata.type': string }[];
    };
    expect(groups.value).toEqual([
      expect.objectContaining({ id: TUTORIAL_TENANT.autopilotGroupId, '@odata.type': '#microsoft.graph.group' }),
    ]);

    const assigned = (await h.client
      .api(`/deviceManagement/windowsAutopilotDeploymentProfiles/${TUTORIAL_TENANT.deploymentProfileId}/assignedDevices`)
      .version('beta')
      .get()) as { value: ApDevice[] };
    expect(assigned.value.map((d) => d.id)).toEqual([ztdId]);

    const esps = (await h.client.api('/deviceManagement/deviceEnrollmentConfigurations').version('beta').expand('assignments').get()) as {
      value: { id: string; priority: number; deviceEnrollmentConfigurationType: string; assignments: { target: { groupId?: string } }[] }[];
    };
    const custom = esps.value.find((c) => c.id === TUTORIAL_TENANT.espId)!;
    expect(custom).toMatchObject({ priority: 1, deviceEnrollmentConfigurationType: 'windows10EnrollmentCompletionPageConfiguration' });
    expect(custom.assignments[0]!.target.groupId).toBe(TUTORIAL_TENANT.autopilotGroupId);
    // The built-in ESP as real tenants return it: the ordinary type, priority 0, the id suffix, All devices.
    const builtIn = esps.value.find((c) => c.id === TUTORIAL_TENANT.defaultEspId)!;
    expect(builtIn).toMatchObject({ priority: 0, deviceEnrollmentConfigurationType: 'windows10EnrollmentCompletionPageConfiguration' });
    expect(builtIn.id).toMatch(/_DefaultWindows10EnrollmentCompletionPageConfiguration$/);
    expect(builtIn.assignments.map((a) => (a.target as { '@odata.type'?: string })['@odata.type'])).toEqual([
      '#microsoft.graph.allDevicesAssignmentTarget',
    ]);
    expect(JSON.stringify(esps.value)).not.toMatch(/"deviceEnrollmentConfigurationType":"default/);
    const resolved = (await (await fetch(`${h.emu.url}/_emulator/esp/${device.id}`)).json()) as { id: string };
    expect(resolved.id).toBe(TUTORIAL_TENANT.espId);

    expect((await raw(h.client, 'DELETE', 'v1.0', `/deviceManagement/importedWindowsAutopilotDeviceIdentities/${record!.id}`)).status).toBe(
      200,
    );
    expect((await raw(h.client, 'GET', 'v1.0', `/deviceManagement/importedWindowsAutopilotDeviceIdentities/${record!.id}`)).status).toBe(
      404,
    );
  });
});

describe('the stages take the service delays at time scale 1, in causal order', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ timeScale: 1, seed: readSeedFile(TUTORIAL_TENANT.seedFile) });
  });
  afterAll(async () => h.emu.stop());

  const apStatus = async (id: string): Promise<number> =>
    (await raw(h.client, 'GET', 'beta', `/deviceManagement/windowsAutopilotDeviceIdentities/${id}`)).status;

  it('moves unknown → pending → complete, publishes on sync, then joins the group and gets the profile', async () => {
    const { importPendingMs, importProcessMs, syncRunMs, membershipMs, profileAssignmentMs } = h.emu.settings().delays;
    const [record] = await importDevices(h.client, [{ serialNumber: 'SLOW1', hardwareIdentifier: hashFor('SLOW1') }]);
    expect((await getImport(h.client, record!.id)).state.deviceImportStatus).toBe('unknown');
    await h.emu.advanceClock(importPendingMs);
    expect((await getImport(h.client, record!.id)).state.deviceImportStatus).toBe('pending');
    await h.emu.advanceClock(importProcessMs - importPendingMs);
    const complete = await getImport(h.client, record!.id);
    expect(complete.state.deviceImportStatus).toBe('complete');
    const ztdId = complete.state.deviceRegistrationId;

    // Registered in DDS but not yet published: the identity is not readable before a sync.
    expect(await apStatus(ztdId)).toBe(404);
    expect((await raw(h.client, 'POST', 'beta', '/deviceManagement/windowsAutopilotSettings/sync')).status).toBe(204);
    const running = (await raw(h.client, 'GET', 'beta', '/deviceManagement/windowsAutopilotSettings')).body as {
      syncStatus: string;
      lastManualSyncTriggerDateTime: string;
    };
    expect(running.syncStatus).toBe('inProgress');
    expect(running.lastManualSyncTriggerDateTime).not.toBe('0001-01-01T00:00:00Z');
    expect((await raw(h.client, 'POST', 'beta', '/deviceManagement/windowsAutopilotSettings/sync')).status).toBe(409);
    expect(await apStatus(ztdId)).toBe(404);
    await h.emu.advanceClock(syncRunMs);
    expect(await apStatus(ztdId)).toBe(200);
    const settings = (await raw(h.client, 'GET', 'beta', '/deviceManagement/windowsAutopilotSettings')).body as {
      syncStatus: string;
      lastSyncDateTime: string;
    };
    expect(settings.syncStatus).toBe('completed');
    expect(settings.lastSyncDateTime).not.toBe('0001-01-01T00:00:00Z');

    const ap = (
      await raw(
        h.client,
        'GET',
        'beta',
        `/deviceManagement/windowsAutopilotDeviceIdentities/${ztdId}?$expand=deploymentProfile,intendedDeploymentProfile`,
      )
    ).body as ApDevice;
    expect(ap.deploymentProfileAssignmentStatus).toBe('notAssigned');
    const deviceId = (
      (await h.client.api('/devices').filter(`deviceId eq '${ap.azureActiveDirectoryDeviceId}'`).get()) as { value: EntraDevice[] }
    ).value[0]!.id;
    const member = async (): Promise<string[]> =>
      (
        (await h.client.api(`/devices/${deviceId}/checkMemberGroups`).post({ groupIds: [TUTORIAL_TENANT.autopilotGroupId] })) as {
          value: string[];
        }
      ).value;
    expect(await member()).toEqual([]);

    // Membership processing runs membershipMs after registration (which was importProcessMs in).
    await h.emu.advanceClock(membershipMs - syncRunMs);
    expect(await member()).toEqual([TUTORIAL_TENANT.autopilotGroupId]);
    const pending = (
      await raw(
        h.client,
        'GET',
        'beta',
        `/deviceManagement/windowsAutopilotDeviceIdentities/${ztdId}?$expand=deploymentProfile,intendedDeploymentProfile`,
      )
    ).body as ApDevice;
    expect(pending.deploymentProfileAssignmentStatus).toBe('pending');
    expect(pending.intendedDeploymentProfile?.id).toBe(TUTORIAL_TENANT.deploymentProfileId);
    expect(pending.deploymentProfile).toBeNull();

    await h.emu.advanceClock(profileAssignmentMs);
    const assigned = (
      await raw(h.client, 'GET', 'beta', `/deviceManagement/windowsAutopilotDeviceIdentities/${ztdId}?$expand=deploymentProfile`)
    ).body as ApDevice;
    expect(assigned.deploymentProfileAssignmentStatus).toBe('assignedInSync');
    expect(assigned.deploymentProfile?.id).toBe(TUTORIAL_TENANT.deploymentProfileId);

    const group = (
      await raw(h.client, 'GET', 'beta', `/groups/${TUTORIAL_TENANT.autopilotGroupId}?$select=id,membershipRuleProcessingStatus`)
    ).body as { membershipRuleProcessingStatus: { status: string } };
    expect(group.membershipRuleProcessingStatus.status).toBe('Succeeded');
  });

  it('publishes a registration without a sync after the automatic sync delay', async () => {
    const { importProcessMs, autoSyncMs } = h.emu.settings().delays;
    const [record] = await importDevices(h.client, [{ serialNumber: 'AUTO1', hardwareIdentifier: hashFor('AUTO1') }]);
    await h.emu.advanceClock(importProcessMs);
    const ztdId = (await getImport(h.client, record!.id)).state.deviceRegistrationId;
    expect(await apStatus(ztdId)).toBe(404);
    await h.emu.advanceClock(autoSyncMs - 1000);
    expect(await apStatus(ztdId)).toBe(404);
    await h.emu.advanceClock(1000);
    expect(await apStatus(ztdId)).toBe(200);
  });
});
