/**
 * The plan's blast radius on the emulated tenant: registered Autopilot devices whose effective ESP
 * (the product's resolution) or targeting deployment profiles would change, over live membership.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN_APPLY_SCOPES, delegatedToken } from '../../local/admin-token';
import { createEmulatorGraphClient, startGraphEmulator, type GraphEmulator } from '../../local/graph-emulator';
import { blastRadius, renderBlastRadius, winningProfile } from '../../shared/baseline/blast';
import { converge } from '../../shared/baseline/converge';
import { defaultBaseline } from '../../shared/baseline/default';
import { diff } from '../../shared/baseline/diff';
import { readFleet } from '../../shared/baseline/fleet';
import { readTenant } from '../../shared/baseline/tenant-graph';
import { createClientGateway } from '../../shared/graph/client-gateway';
import { raw } from '../emulator/support';

let emulator: GraphEmulator | undefined;
afterEach(async () => {
  await emulator?.stop();
  emulator = undefined;
});

const baseline = defaultBaseline();

async function radius(emu: GraphEmulator) {
  const token = delegatedToken(ADMIN_APPLY_SCOPES);
  const graph = createClientGateway({ endpoint: emu.url, tokens: { getToken: async () => token } });
  const read = await readTenant(graph, baseline);
  const plan = diff(baseline, read.tenant);
  return { graph, plan, blast: blastRadius(baseline, plan, read.tenant, await readFleet(graph, baseline, read.tenant, plan)) };
}

describe('blast radius', () => {
  it('on a tenant with 30 registered devices: all would get the new ESP and profile; after apply none; a hand-made ESP put first is 30 again', async () => {
    emulator = await startGraphEmulator({ timeScale: 0, seed: { generatedDevices: { count: 30, serialPrefix: 'BR', groupTag: '' } } });
    const first = await radius(emulator);
    expect(first.blast).toEqual({
      devices: 30,
      espChanges: 30,
      profileChanges: 30,
      userTargetedEsps: [],
      espUndetermined: 0,
      estimated: ['autopilot-devices'],
    });
    expect(renderBlastRadius(first.blast)).toBe(
      'Blast radius: of 30 registered Autopilot device(s), 30 would change the ESP that applies and 30 the deployment profile they get (the oldest-created profile targeting a device wins) (membership of autopilot-devices estimated from the rule: the service evaluates it after apply).\n',
    );
    await converge(first.graph, baseline);
    const clean = await radius(emulator);
    expect(clean.plan.steps).toEqual([]);
    expect(clean.blast).toEqual({ devices: 30, espChanges: 0, profileChanges: 0, userTargetedEsps: [], espUndetermined: 0, estimated: [] });

    // By hand: another ESP on the same group, put first — the baseline's would win again after apply.
    const hand = createEmulatorGraphClient({ url: emulator.url, token: delegatedToken(ADMIN_APPLY_SCOPES) });
    const kiosk = await raw(hand, 'POST', 'beta', '/deviceManagement/deviceEnrollmentConfigurations', {
      '@odata.type': '#microsoft.graph.windows10EnrollmentCompletionPageConfiguration',
      displayName: 'Kiosk ESP',
      showInstallationProgress: true,
    });
    const kioskId = (kiosk.body as { id: string }).id;
    await raw(hand, 'POST', 'beta', `/deviceManagement/deviceEnrollmentConfigurations/${kioskId}/assignments`, {
      target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId: clean.plan.ids['autopilot-devices'] },
    });
    await raw(hand, 'POST', 'beta', `/deviceManagement/deviceEnrollmentConfigurations/${kioskId}/setPriority`, { priority: 1 });
    const moved = await radius(emulator);
    expect(moved.plan.steps).toEqual([{ kind: 'setPriority', key: 'autopilot-esp', id: clean.plan.ids['autopilot-esp'], from: 2, to: 1 }]);
    expect(moved.blast).toEqual({
      devices: 30,
      espChanges: 30,
      profileChanges: 0,
      userTargetedEsps: [],
      espUndetermined: 0,
      estimated: [],
    });
  });

  it('without Device.Read.All the members come back without deviceId: plan says so rather than count wrong', async () => {
    emulator = await startGraphEmulator({ timeScale: 0, seed: { generatedDevices: { count: 3, serialPrefix: 'LI', groupTag: '' } } });
    const token = delegatedToken(ADMIN_APPLY_SCOPES);
    await converge(createClientGateway({ endpoint: emulator.url, tokens: { getToken: async () => token } }), baseline);
    const narrow = delegatedToken(['DeviceManagementServiceConfig.Read.All', 'GroupMember.Read.All']);
    const graph = createClientGateway({ endpoint: emulator.url, tokens: { getToken: async () => narrow } });
    const read = await readTenant(graph, baseline);
    const plan = diff(baseline, read.tenant);
    await expect(readFleet(graph, baseline, read.tenant, plan)).rejects.toThrow(
      /the blast radius needs the delegated permission Device\.Read\.All/,
    );
  });

  it('a group-tag rule is estimated by tag: only the tagged devices would join', async () => {
    emulator = await startGraphEmulator({ timeScale: 0, seed: { generatedDevices: { count: 12, serialPrefix: 'GT', groupTag: 'Sales' } } });
    const tagged = defaultBaseline();
    tagged.groups[0]!.membershipRule = '(device.devicePhysicalIds -any (_ -eq "[OrderID]:Marketing"))';
    const token = delegatedToken(ADMIN_APPLY_SCOPES);
    const graph = createClientGateway({ endpoint: emulator.url, tokens: { getToken: async () => token } });
    const read = await readTenant(graph, tagged);
    const plan = diff(tagged, read.tenant);
    expect(blastRadius(tagged, plan, read.tenant, await readFleet(graph, tagged, read.tenant, plan))).toMatchObject({
      devices: 12,
      espChanges: 0,
      profileChanges: 0,
    });
  });
  it('a device targeted by several profiles gets the oldest created: an older hand-made profile on its group keeps it, one on All devices does not', async () => {
    // Seeded profiles are created before the ones apply makes (memdocs "Autopilot profile priority").
    emulator = await startGraphEmulator({
      timeScale: 0,
      seed: {
        groups: [{ id: 'legacy-all-ap', displayName: 'Legacy', membershipRule: '(device.devicePhysicalIDs -any (_ -contains "[ZTDID]"))' }],
        deploymentProfiles: [
          { id: 'older-on-group', displayName: 'Older, on a group', assignments: [{ groupId: 'legacy-all-ap' }] },
          { id: 'default-all', displayName: 'Default', assignments: [{ allDevices: true }] },
        ],
        generatedDevices: { count: 20, serialPrefix: 'WP', groupTag: '' },
      },
    });
    const before = await radius(emulator);
    // Every device is in "Legacy" and the new ZTDID group alike: the older profile on a group still wins.
    expect(before.blast).toMatchObject({ devices: 20, profileChanges: 0 });
    await converge(before.graph, baseline);
    const identities = (
      await raw(
        createEmulatorGraphClient({ url: emulator.url, token: 't' }),
        'GET',
        'beta',
        '/deviceManagement/windowsAutopilotDeviceIdentities?$expand=deploymentProfile',
      )
    ).body as { value: { deploymentProfile?: { id: string } | null }[] };
    // The emulated service agrees on its own: each device has the older profile.
    expect(new Set(identities.value.map((d) => d.deploymentProfile?.id))).toEqual(new Set(['older-on-group']));

    // Without the older profile on a group, the baseline's group assignment beats the All-devices default.
    const hand = createEmulatorGraphClient({ url: emulator.url, token: 't' });
    const listed = (await raw(hand, 'GET', 'beta', '/deviceManagement/windowsAutopilotDeploymentProfiles/older-on-group/assignments'))
      .body as {
      value: { id: string }[];
    };
    await raw(
      hand,
      'DELETE',
      'beta',
      `/deviceManagement/windowsAutopilotDeploymentProfiles/older-on-group/assignments/${listed.value[0]!.id}`,
    );
    const ids = (await radius(emulator)).plan.ids;
    const groups = new Set([ids['autopilot-devices']!]);
    const targeting = [
      { id: 'default-all', created: 1, assignments: [{ id: 'a', kind: 'allDevices' as const, viaPolicySet: false }] },
      {
        id: ids['autopilot-user-driven']!,
        created: 2,
        assignments: [{ id: 'b', kind: 'include' as const, groupId: ids['autopilot-devices']!, viaPolicySet: false }],
      },
    ];
    expect(winningProfile(targeting, groups)).toBe(ids['autopilot-user-driven']);
    expect(winningProfile(targeting, new Set())).toBe('default-all');
    expect(
      winningProfile(
        [
          {
            ...targeting[1]!,
            assignments: [
              ...targeting[1]!.assignments,
              { id: 'c', kind: 'exclude', groupId: ids['autopilot-devices']!, viaPolicySet: false },
            ],
          },
        ],
        groups,
      ),
    ).toBe('');
  });

  it('a user-targeted ESP is counted apart: the devices it outranks cannot be resolved before enrollment', async () => {
    emulator = await startGraphEmulator({ timeScale: 0, seed: { generatedDevices: { count: 10, serialPrefix: 'UT', groupTag: '' } } });
    const token = delegatedToken(ADMIN_APPLY_SCOPES);
    await converge(createClientGateway({ endpoint: emulator.url, tokens: { getToken: async () => token } }), baseline);
    const hand = createEmulatorGraphClient({ url: emulator.url, token: 't' });
    const created = await raw(hand, 'POST', 'beta', '/deviceManagement/deviceEnrollmentConfigurations', {
      '@odata.type': '#microsoft.graph.windows10EnrollmentCompletionPageConfiguration',
      displayName: 'Users ESP',
      showInstallationProgress: true,
    });
    const usersEsp = (created.body as { id: string }).id;
    await raw(hand, 'POST', 'beta', `/deviceManagement/deviceEnrollmentConfigurations/${usersEsp}/assignments`, {
      target: { '@odata.type': '#microsoft.graph.allLicensedUsersAssignmentTarget' },
    });
    // Priority 2, behind the baseline's ESP: known, but it outranks no device's ESP.
    const behind = await radius(emulator);
    expect(behind.plan.steps).toEqual([]);
    expect(behind.blast).toMatchObject({ userTargetedEsps: ['Users ESP'], espUndetermined: 0 });

    // A baseline that puts its ESP second: the users' ESP would come first for every device.
    const second = defaultBaseline();
    second.enrollmentStatusPages[0]!.priority = 2;
    const graph = behind.graph;
    const read = await readTenant(graph, second);
    const plan = diff(second, read.tenant);
    const blast = blastRadius(second, plan, read.tenant, await readFleet(graph, second, read.tenant, plan));
    expect(blast).toMatchObject({ devices: 10, espChanges: 0, userTargetedEsps: ['Users ESP'], espUndetermined: 10 });
    expect(renderBlastRadius(blast)).toContain(
      '1 ESP(s) may target users (Users ESP): for 10 device(s) the ESP depends on who signs in, which cannot be resolved before enrollment.',
    );
  });
});
