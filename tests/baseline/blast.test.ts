/**
 * The plan's blast radius on the emulated tenant: registered Autopilot devices whose effective ESP
 * (the product's resolution) or targeting deployment profiles would change, over live membership.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN_APPLY_SCOPES, delegatedToken } from '../../local/admin-token';
import { createEmulatorGraphClient, startGraphEmulator, type GraphEmulator } from '../../local/graph-emulator';
import { blastRadius, renderBlastRadius } from '../../shared/baseline/blast';
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
    expect(first.blast).toEqual({ devices: 30, espChanges: 30, profileChanges: 30, estimated: ['autopilot-devices'] });
    expect(renderBlastRadius(first.blast)).toBe(
      'Blast radius: of 30 registered Autopilot device(s), 30 would change the ESP that applies and 30 the deployment profile(s) targeting them (membership of autopilot-devices estimated from the rule: the service evaluates it after apply).\n',
    );
    await converge(first.graph, baseline);
    const clean = await radius(emulator);
    expect(clean.plan.steps).toEqual([]);
    expect(clean.blast).toEqual({ devices: 30, espChanges: 0, profileChanges: 0, estimated: [] });

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
    expect(moved.blast).toEqual({ devices: 30, espChanges: 30, profileChanges: 0, estimated: [] });
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
});
