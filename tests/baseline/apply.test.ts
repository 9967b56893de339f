/**
 * Plan and apply against the Graph emulator, as an administrator's delegated token: an empty tenant
 * is built from the default baseline, hand changes are found and undone one by one without touching
 * anything else, and an apply stopped after any number of writes converges when run again.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN_APPLY_SCOPES, ADMIN_PLAN_SCOPES, delegatedToken } from '../../local/admin-token';
import { createEmulatorGraphClient, startGraphEmulator, type GraphEmulator } from '../../local/graph-emulator';
import { applyPlan } from '../../shared/baseline/apply';
import { defaultBaseline } from '../../shared/baseline/default';
import { diff } from '../../shared/baseline/diff';
import { hasDrift, type Plan } from '../../shared/baseline/plan';
import { readTenant } from '../../shared/baseline/tenant-graph';
import { createClientGateway } from '../../shared/graph/client-gateway';
import { GraphPermissionError } from '../../shared/graph/errors';
import type { GraphGateway } from '../../shared/graph/gateway';
import { GRAPH_OPERATIONS } from '../../shared/graph/operations';
import { raw } from '../emulator/support';

const baseline = defaultBaseline();
let emulator: GraphEmulator | undefined;
afterEach(async () => {
  await emulator?.stop();
  emulator = undefined;
});

async function emptyTenant(): Promise<GraphEmulator> {
  emulator = await startGraphEmulator({ timeScale: 0 });
  return emulator;
}

function gateway(emu: GraphEmulator, scopes: readonly string[] = ADMIN_APPLY_SCOPES): GraphGateway {
  const token = delegatedToken(scopes);
  return createClientGateway({ endpoint: emu.url, tokens: { getToken: async () => token }, maxInnerRetries: 0 });
}

async function plan(graph: GraphGateway): Promise<{ plan: Plan; read: Awaited<ReturnType<typeof readTenant>> }> {
  const read = await readTenant(graph, baseline);
  return { plan: diff(baseline, read.tenant), read };
}

async function applyAll(graph: GraphGateway): Promise<Plan> {
  const { plan: p, read } = await plan(graph);
  await applyPlan(graph, baseline, p, read.tenant);
  return p;
}

/** A gateway that stops (as a killed process would) before its `n`-th write reaches the tenant. */
function dyingAfter(inner: GraphGateway, n: number): GraphGateway & { writes: number } {
  const g = {
    writes: 0,
    send: async (...args: Parameters<GraphGateway['send']>) => {
      if (GRAPH_OPERATIONS[args[0].op].method !== 'GET' && ++g.writes > n) throw new Error('killed');
      return inner.send(...args);
    },
    batch: inner.batch.bind(inner),
    listAll: inner.listAll.bind(inner),
    forEachPage: inner.forEachPage.bind(inner),
  };
  return g;
}

describe('npm run baseline on the emulated tenant', () => {
  it('empty tenant: plan shows everything to create, apply creates it, a second plan shows no drift', async () => {
    const emu = await emptyTenant();
    const graph = gateway(emu);
    const first = await applyAll(graph);
    expect(first.steps.map((s) => `${s.kind}:${'type' in s ? s.type : 'esp'}`)).toEqual([
      'create:group',
      'create:esp',
      'setPriority:esp',
      'assign:esp',
      'create:profile',
      'assign:profile',
    ]);
    const second = await plan(graph);
    expect(second.plan.steps).toEqual([]);
    expect(hasDrift(second.plan)).toBe(false);

    // What the tenant now holds, read back as the service returns it.
    const admin = createEmulatorGraphClient({ url: emu.url, token: delegatedToken(ADMIN_PLAN_SCOPES) });
    const ids = second.plan.ids;
    const group = await raw(admin, 'GET', 'v1.0', `/groups/${ids['autopilot-devices']}`);
    expect(group.body).toMatchObject({
      displayName: 'Autopilot devices',
      description: '[baseline:autopilot-devices] All Windows Autopilot registered devices',
      groupTypes: ['DynamicMembership'],
      membershipRule: '(device.devicePhysicalIDs -any (_ -contains "[ZTDID]"))',
    });
    const profile = await raw(
      admin,
      'GET',
      'beta',
      `/deviceManagement/windowsAutopilotDeploymentProfiles/${ids['autopilot-user-driven']}?$expand=assignments`,
    );
    expect(profile.body).toMatchObject({
      '@odata.type': '#microsoft.graph.azureADWindowsAutopilotDeploymentProfile',
      outOfBoxExperienceSetting: { eulaHidden: true, userType: 'standard' },
      assignments: [{ target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId: ids['autopilot-devices'] } }],
    });
    const esps = second.read.tenant.esps;
    expect(esps.map((e) => [e.isDefault, e.priority])).toEqual([
      [true, 0],
      [false, 1],
    ]);
    // The default ESP keeps its own assignment and settings.
    expect(esps[0]!.assignments.map((a) => a.kind)).toEqual(['allDevices']);
  });

  it('hand changes (a property, an added assignment, a changed priority, a renamed group) are each found and undone; nothing else moves', async () => {
    const emu = await emptyTenant();
    const graph = gateway(emu);
    await applyAll(graph);
    const ids = (await plan(graph)).plan.ids;
    const hand = createEmulatorGraphClient({ url: emu.url, token: delegatedToken(ADMIN_APPLY_SCOPES) });
    const espPath = `/deviceManagement/deviceEnrollmentConfigurations/${ids['autopilot-esp']}`;
    // Someone else's ESP, created by hand, put first: ours moves to 2.
    const theirs = await raw(hand, 'POST', 'beta', '/deviceManagement/deviceEnrollmentConfigurations', {
      '@odata.type': '#microsoft.graph.windows10EnrollmentCompletionPageConfiguration',
      displayName: 'Kiosk ESP',
      showInstallationProgress: true,
    });
    const theirId = (theirs.body as { id: string }).id;
    expect(
      (await raw(hand, 'POST', 'beta', `/deviceManagement/deviceEnrollmentConfigurations/${theirId}/setPriority`, { priority: 1 })).status,
    ).toBe(204);
    expect(
      (
        await raw(hand, 'PATCH', 'beta', espPath, {
          '@odata.type': '#microsoft.graph.windows10EnrollmentCompletionPageConfiguration',
          installProgressTimeoutInMinutes: 120,
        })
      ).status,
    ).toBe(200);
    const lab = await raw(hand, 'POST', 'v1.0', '/groups', {
      displayName: 'Lab',
      mailEnabled: false,
      mailNickname: 'lab',
      securityEnabled: true,
    });
    const labId = (lab.body as { id: string }).id;
    expect(
      (
        await raw(
          hand,
          'POST',
          'beta',
          `/deviceManagement/windowsAutopilotDeploymentProfiles/${ids['autopilot-user-driven']}/assignments`,
          {
            target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId: labId },
          },
        )
      ).status,
    ).toBe(201);
    expect((await raw(hand, 'PATCH', 'v1.0', `/groups/${ids['autopilot-devices']}`, { displayName: 'Renamed by hand' })).status).toBe(204);

    const found = (await plan(graph)).plan;
    expect(found.conflicts).toEqual([]);
    expect(found.steps).toEqual([
      {
        kind: 'update',
        type: 'group',
        key: 'autopilot-devices',
        id: ids['autopilot-devices'],
        changes: [{ field: 'displayName', from: 'Renamed by hand', to: 'Autopilot devices' }],
      },
      {
        kind: 'update',
        type: 'esp',
        key: 'autopilot-esp',
        id: ids['autopilot-esp'],
        changes: [{ field: 'installProgressTimeoutInMinutes', from: 120, to: 60 }],
      },
      { kind: 'setPriority', key: 'autopilot-esp', id: ids['autopilot-esp'], from: 2, to: 1 },
      {
        kind: 'unassign',
        type: 'profile',
        key: 'autopilot-user-driven',
        id: ids['autopilot-user-driven'],
        assignmentId: expect.any(String),
        what: `include group ${labId}`,
      },
    ]);
    const { read } = await plan(graph);
    await applyPlan(graph, baseline, found, read.tenant);
    const after = await plan(graph);
    expect(after.plan.steps).toEqual([]);
    // Their ESP is still there, only renumbered behind ours; their group untouched.
    const kiosk = after.read.tenant.esps.find((e) => e.id === theirId)!;
    expect([kiosk.displayName, kiosk.priority, kiosk.settings.showInstallationProgress]).toEqual(['Kiosk ESP', 2, true]);
    expect((await raw(hand, 'GET', 'v1.0', `/groups/${labId}`)).body).toMatchObject({ displayName: 'Lab' });
  });

  it('an apply stopped after any number of writes converges when run again, creating nothing twice', async () => {
    // Writes of a whole apply on an empty tenant: group, ESP (created at its priority), its
    // assignment, profile, its assignment.
    const counting = await emptyTenant().then((emu) => dyingAfter(gateway(emu), Infinity));
    await applyAll(counting);
    const total = counting.writes;
    expect(total).toBe(5);
    await emulator!.stop();
    for (let n = 0; n < total; n++) {
      const emu = await emptyTenant();
      const real = gateway(emu);
      const dying = dyingAfter(real, n);
      await expect(applyAll(dying)).rejects.toThrow('killed');
      expect(dying.writes).toBe(n + 1);
      await applyAll(real);
      const after = await plan(real);
      expect(after.plan.steps, `stopped after ${n} writes`).toEqual([]);
      expect(after.read.tenant.groups).toHaveLength(1);
      expect(after.read.tenant.esps.filter((e) => !e.isDefault)).toHaveLength(1);
      expect(after.read.tenant.profiles).toHaveLength(1);
      await emu.stop();
      emulator = undefined;
    }
  });

  it('plan needs only read permissions; apply with them stops at the first write with the delegated fix', async () => {
    const emu = await emptyTenant();
    const readOnly = gateway(emu, ADMIN_PLAN_SCOPES);
    const { plan: p, read } = await plan(readOnly);
    expect(p.steps.length).toBeGreaterThan(0);
    const failure = await applyPlan(readOnly, baseline, p, read.tenant).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(GraphPermissionError);
    expect((failure as GraphPermissionError).message).toMatch(/createGroup.*delegated permission Group\.ReadWrite\.All/);
    expect((failure as GraphPermissionError).failure.fix).toMatch(/az login/);
  });
});
