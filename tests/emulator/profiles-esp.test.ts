import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TUTORIAL_TENANT } from '../../local/graph-emulator';
import { raw, startHarness, type Harness } from './support';

interface Profile {
  id: string;
  displayName: string;
  assignments?: { id: string; target: { groupId?: string } }[];
}
interface Esp {
  id: string;
  displayName: string;
  priority: number;
  showInstallationProgress?: boolean;
}

describe('deployment profiles (beta) and Enrollment Status Pages', () => {
  let h: Harness;
  let groupA: string;
  let groupB: string;
  let device: string;
  let ztd: string;
  beforeAll(async () => {
    h = await startHarness({
      timeScale: 0,
      seed: {
        groups: [
          { id: 'grp-a', displayName: 'A', membershipRule: '(device.devicePhysicalIds -any (_ -eq "[OrderID]:A"))' },
          { id: 'grp-b', displayName: 'B', membershipRule: '(device.devicePhysicalIds -any (_ -contains "[ZTDID]"))' },
        ],
        devices: [{ serialNumber: 'PROF1', groupTag: 'A', manufacturer: 'Contoso', model: 'M' }],
      },
    });
    groupA = 'grp-a';
    groupB = 'grp-b';
    const ap = (
      (await h.client.api('/deviceManagement/windowsAutopilotDeviceIdentities').version('beta').get()) as {
        value: { id: string; azureActiveDirectoryDeviceId: string }[];
      }
    ).value[0]!;
    ztd = ap.id;
    device = (
      (await h.client.api('/devices').filter(`deviceId eq '${ap.azureActiveDirectoryDeviceId}'`).get()) as { value: { id: string }[] }
    ).value[0]!.id;
  });
  afterAll(async () => h.emu.stop());

  const profileOf = async () =>
    (
      await raw(
        h.client,
        'GET',
        'beta',
        `/deviceManagement/windowsAutopilotDeviceIdentities/${ztd}?$expand=deploymentProfile,intendedDeploymentProfile`,
      )
    ).body as {
      deploymentProfileAssignmentStatus: string;
      deploymentProfile: Profile | null;
    };

  it('creates, reads, updates and assigns a profile; the device follows its group', async () => {
    const created = await raw(h.client, 'POST', 'beta', '/deviceManagement/windowsAutopilotDeploymentProfiles', {
      '@odata.type': '#microsoft.graph.azureADWindowsAutopilotDeploymentProfile',
      displayName: 'Entra join',
      deviceNameTemplate: 'AP-%SERIAL%',
      outOfBoxExperienceSetting: {
        privacySettingsHidden: true,
        eulaHidden: true,
        userType: 'standard',
        deviceUsageType: 'singleUser',
        escapeLinkHidden: true,
        keyboardSelectionPageSkipped: true,
      },
    });
    expect(created.status).toBe(201);
    const profile = created.body as Profile & { '@odata.type': string; outOfBoxExperienceSettings: { hideEULA: boolean } };
    expect(profile['@odata.type']).toBe('#microsoft.graph.azureADWindowsAutopilotDeploymentProfile');
    expect(profile.outOfBoxExperienceSettings.hideEULA).toBe(true);
    expect((await profileOf()).deploymentProfileAssignmentStatus).toBe('notAssigned');

    const assignment = await raw(
      h.client,
      'POST',
      'beta',
      `/deviceManagement/windowsAutopilotDeploymentProfiles/${profile.id}/assignments`,
      {
        '@odata.type': '#microsoft.graph.windowsAutopilotDeploymentProfileAssignment',
        target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId: groupA },
      },
    );
    expect(assignment.status).toBe(201);
    const assigned = await profileOf();
    expect(assigned.deploymentProfileAssignmentStatus).toBe('assignedInSync');
    expect(assigned.deploymentProfile?.id).toBe(profile.id);

    const listed = (await h.client
      .api('/deviceManagement/windowsAutopilotDeploymentProfiles')
      .version('beta')
      .expand('assignments')
      .get()) as { value: Profile[] };
    expect(listed.value[0]!.assignments![0]!.target.groupId).toBe(groupA);
    expect(
      (
        await raw(h.client, 'PATCH', 'beta', `/deviceManagement/windowsAutopilotDeploymentProfiles/${profile.id}`, {
          displayName: 'Renamed',
        })
      ).status,
    ).toBe(200);
    expect(
      ((await raw(h.client, 'GET', 'beta', `/deviceManagement/windowsAutopilotDeploymentProfiles/${profile.id}`)).body as Profile)
        .displayName,
    ).toBe('Renamed');
    expect(
      (await raw(h.client, 'PATCH', 'beta', `/deviceManagement/windowsAutopilotDeploymentProfiles/${profile.id}`, { colour: 'x' })).status,
    ).toBe(400);

    // Assigned profiles cannot be deleted; after removing the assignment the device loses it.
    expect((await raw(h.client, 'DELETE', 'beta', `/deviceManagement/windowsAutopilotDeploymentProfiles/${profile.id}`)).status).toBe(400);
    const assignmentId = (assignment.body as { id: string }).id;
    expect(
      (
        await raw(
          h.client,
          'DELETE',
          'beta',
          `/deviceManagement/windowsAutopilotDeploymentProfiles/${profile.id}/assignments/${assignmentId}`,
        )
      ).status,
    ).toBe(204);
    expect((await profileOf()).deploymentProfileAssignmentStatus).toBe('notAssigned');
    expect((await raw(h.client, 'DELETE', 'beta', `/deviceManagement/windowsAutopilotDeploymentProfiles/${profile.id}`)).status).toBe(204);
    expect(
      (await raw(h.client, 'POST', 'beta', '/deviceManagement/windowsAutopilotDeploymentProfiles', { displayName: 'abstract' })).status,
    ).toBe(400);
  });

  it("answers the profile's dead assign action with 403 FeatureNotEnabled and changes nothing; POST …/assignments assigns", async () => {
    const p = (
      await raw(h.client, 'POST', 'beta', '/deviceManagement/windowsAutopilotDeploymentProfiles', {
        '@odata.type': '#microsoft.graph.azureADWindowsAutopilotDeploymentProfile',
        displayName: 'Direct',
      })
    ).body as Profile;
    const before = await profileOf();
    // The documented body (deviceIds) and the one backup tools send (a list of assignments) alike.
    for (const body of [{ deviceIds: [ztd] }, { winAutopilotDeploymentProfileAssignments: [{ target: { groupId: groupB } }] }]) {
      const dead = await raw(h.client, 'POST', 'beta', `/deviceManagement/windowsAutopilotDeploymentProfiles/${p.id}/assign`, body);
      expect(dead.status).toBe(403);
      expect((dead.body as { error: { code: string } }).error.code).toBe('FeatureNotEnabled');
    }
    expect(
      (
        await raw(h.client, 'POST', 'beta', '/deviceManagement/windowsAutopilotDeploymentProfiles/no-such-profile/assign', {
          deviceIds: [ztd],
        })
      ).status,
    ).toBe(404);
    const after = await profileOf();
    expect(after.deploymentProfileAssignmentStatus).toBe(before.deploymentProfileAssignmentStatus);
    expect(after.deploymentProfile?.id).not.toBe(p.id);
    const assignedDevices = async () =>
      (
        (await h.client.api(`/deviceManagement/windowsAutopilotDeploymentProfiles/${p.id}/assignedDevices`).version('beta').get()) as {
          value: { id: string }[];
        }
      ).value.map((d) => d.id);
    expect(await assignedDevices()).toEqual([]);

    const assignment = await raw(h.client, 'POST', 'beta', `/deviceManagement/windowsAutopilotDeploymentProfiles/${p.id}/assignments`, {
      target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId: groupB },
    });
    expect(assignment.status).toBe(201);
    expect((await profileOf()).deploymentProfile?.id).toBe(p.id);
    expect(await assignedDevices()).toEqual([ztd]);
    const assignmentId = (assignment.body as { id: string }).id;
    await raw(h.client, 'DELETE', 'beta', `/deviceManagement/windowsAutopilotDeploymentProfiles/${p.id}/assignments/${assignmentId}`);
    expect((await raw(h.client, 'DELETE', 'beta', `/deviceManagement/windowsAutopilotDeploymentProfiles/${p.id}`)).status).toBe(204);
  });

  const espFor = async (): Promise<string> => ((await (await fetch(`${h.emu.url}/_emulator/esp/${device}`)).json()) as { id: string }).id;

  it('creates ESPs with priorities, assigns them, and resolves the one that applies', async () => {
    expect(await espFor()).toMatch(/_DefaultWindows10EnrollmentCompletionPageConfiguration$/);
    const create = async (name: string) => {
      const r = await raw(h.client, 'POST', 'beta', '/deviceManagement/deviceEnrollmentConfigurations', {
        '@odata.type': '#microsoft.graph.windows10EnrollmentCompletionPageConfiguration',
        displayName: name,
        showInstallationProgress: true,
        installProgressTimeoutInMinutes: 90,
      });
      expect(r.status).toBe(201);
      return r.body as Esp;
    };
    const first = await create('ESP 1');
    const second = await create('ESP 2');
    expect([first.priority, second.priority]).toEqual([1, 2]);
    const assign = (id: string, targets: unknown[]) =>
      raw(h.client, 'POST', 'beta', `/deviceManagement/deviceEnrollmentConfigurations/${id}/assign`, {
        enrollmentConfigurationAssignments: targets.map((target) => ({ target })),
      });
    expect((await assign(first.id, [{ '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId: groupA }])).status).toBe(204);
    expect((await assign(second.id, [{ '@odata.type': 'microsoft.graph.groupAssignmentTarget', groupId: groupB }])).status).toBe(204);
    expect(await espFor()).toBe(first.id);

    expect(
      (await raw(h.client, 'POST', 'beta', `/deviceManagement/deviceEnrollmentConfigurations/${second.id}/setPriority`, { priority: 1 }))
        .status,
    ).toBe(204);
    const list = (await h.client
      .api('/deviceManagement/deviceEnrollmentConfigurations')
      .version('beta')
      .filter("deviceEnrollmentConfigurationType eq 'windows10EnrollmentCompletionPageConfiguration'")
      .expand('assignments')
      .get()) as { value: Esp[] };
    // The built-in ESP comes back with the ordinary type too (priority 0), as real tenants return it.
    expect(Object.fromEntries(list.value.map((c) => [c.displayName, c.priority]))).toEqual({
      'All users and all devices': 0,
      'ESP 1': 2,
      'ESP 2': 1,
    });
    expect(await espFor()).toBe(second.id);

    // An exclusion of a group the device is in removes that ESP from its scope.
    expect(
      (
        await assign(second.id, [
          { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId: groupB },
          { '@odata.type': '#microsoft.graph.exclusionGroupAssignmentTarget', groupId: groupA },
        ])
      ).status,
    ).toBe(204);
    expect(await espFor()).toBe(first.id);

    const v1 = (await raw(h.client, 'GET', 'v1.0', `/deviceManagement/deviceEnrollmentConfigurations/${first.id}?$expand=assignments`))
      .body as Record<string, unknown>;
    expect(Object.keys(v1)).not.toContain('showInstallationProgress');
    expect(v1).toHaveProperty('allowNonBlockingAppInstallation', false);
    expect(
      (
        await raw(h.client, 'POST', 'v1.0', '/deviceManagement/deviceEnrollmentConfigurations', {
          '@odata.type': '#microsoft.graph.windows10EnrollmentCompletionPageConfiguration',
          displayName: 'v1',
          showInstallationProgress: true,
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await raw(
          h.client,
          'GET',
          'v1.0',
          "/deviceManagement/deviceEnrollmentConfigurations?$filter=deviceEnrollmentConfigurationType eq 'windows10EnrollmentCompletionPageConfiguration'",
        )
      ).status,
    ).toBe(400);

    const defaultId = TUTORIAL_TENANT.defaultEspId;
    expect((await raw(h.client, 'DELETE', 'beta', `/deviceManagement/deviceEnrollmentConfigurations/${defaultId}`)).status).toBe(400);
    expect(
      (
        await raw(h.client, 'PATCH', 'beta', `/deviceManagement/deviceEnrollmentConfigurations/${defaultId}`, {
          showInstallationProgress: true,
        })
      ).status,
    ).toBe(200);
    expect((await raw(h.client, 'DELETE', 'beta', `/deviceManagement/deviceEnrollmentConfigurations/${first.id}`)).status).toBe(204);
    expect(
      ((await raw(h.client, 'GET', 'beta', `/deviceManagement/deviceEnrollmentConfigurations/${second.id}`)).body as Esp).priority,
    ).toBe(1);
  });
  it('refuses ESP settings that only go together (block retry with reset/use on failure or tracked apps), on create and PATCH', async () => {
    const esps = '/deviceManagement/deviceEnrollmentConfigurations';
    const count = async () => ((await raw(h.client, 'GET', 'beta', esps)).body as { value: unknown[] }).value.length;
    const before = await count();
    const base = {
      '@odata.type': '#microsoft.graph.windows10EnrollmentCompletionPageConfiguration',
      displayName: 'Dependent',
      showInstallationProgress: true,
      blockDeviceSetupRetryByUser: true,
    };
    for (const extra of [
      { allowDeviceUseOnInstallFailure: true },
      { allowDeviceResetOnInstallFailure: true },
      { selectedMobileAppIds: ['0f6a2d1e-1111-4c3b-9a55-000000000001'] },
    ]) {
      const r = await raw(h.client, 'POST', 'beta', esps, { ...base, ...extra });
      expect(r.status, JSON.stringify(extra)).toBe(400);
      const e = (r.body as { error: { code: string; message: string } }).error;
      expect(e.code).toBe('BadRequest');
      expect(e.message).toContain(Object.keys(extra)[0]!);
    }
    expect(await count()).toBe(before);

    // Each alone is accepted; turning the block on later while one is set is refused and changes nothing.
    const ok = await raw(h.client, 'POST', 'beta', esps, {
      ...base,
      blockDeviceSetupRetryByUser: false,
      allowDeviceUseOnInstallFailure: true,
    });
    expect(ok.status).toBe(201);
    const id = (ok.body as Esp).id;
    const patched = await raw(h.client, 'PATCH', 'beta', `${esps}/${id}`, { blockDeviceSetupRetryByUser: true });
    expect(patched.status).toBe(400);
    const now = (await raw(h.client, 'GET', 'beta', `${esps}/${id}`)).body as Record<string, unknown>;
    expect(now).toMatchObject({ blockDeviceSetupRetryByUser: false, allowDeviceUseOnInstallFailure: true });
    expect(
      (await raw(h.client, 'PATCH', 'beta', `${esps}/${id}`, { blockDeviceSetupRetryByUser: true, allowDeviceUseOnInstallFailure: false }))
        .status,
    ).toBe(200);
    expect((await raw(h.client, 'DELETE', 'beta', `${esps}/${id}`)).status).toBe(204);
  });

  it('takes ESP exclusions one at a time through POST …/assignments: an excluded group loses the ESP until the exclusion is deleted', async () => {
    const esps = '/deviceManagement/deviceEnrollmentConfigurations';
    const created = await raw(h.client, 'POST', 'beta', esps, {
      '@odata.type': '#microsoft.graph.windows10EnrollmentCompletionPageConfiguration',
      displayName: 'With exclusion',
      showInstallationProgress: true,
    });
    expect(created.status).toBe(201);
    const esp = created.body as Esp;
    expect((await raw(h.client, 'POST', 'beta', `${esps}/${esp.id}/setPriority`, { priority: 1 })).status).toBe(204);
    const add = (target: Record<string, string>) => raw(h.client, 'POST', 'beta', `${esps}/${esp.id}/assignments`, { target });
    expect((await add({ '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId: groupB })).status).toBe(201);
    expect(await espFor()).toBe(esp.id);

    const exclusion = await add({ '@odata.type': '#microsoft.graph.exclusionGroupAssignmentTarget', groupId: groupA });
    expect(exclusion.status).toBe(201);
    const listed = (
      (await raw(h.client, 'GET', 'beta', `${esps}/${esp.id}/assignments`)).body as {
        value: { id: string; target: { '@odata.type': string; groupId: string } }[];
      }
    ).value;
    expect(listed.map((a) => [a.target['@odata.type'], a.target.groupId]).sort()).toEqual([
      ['#microsoft.graph.exclusionGroupAssignmentTarget', groupA],
      ['#microsoft.graph.groupAssignmentTarget', groupB],
    ]);
    // The device is in both groups: the exclusion wins over the inclusion.
    expect(await espFor()).not.toBe(esp.id);

    const exclusionId = (exclusion.body as { id: string }).id;
    expect((await raw(h.client, 'DELETE', 'beta', `${esps}/${esp.id}/assignments/${exclusionId}`)).status).toBe(204);
    expect(await espFor()).toBe(esp.id);
  });
});
