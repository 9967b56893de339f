import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkGraphResponse } from '../../local/graph-emulator/conformance/check';
import { createEmulatorGraphClient, startGraphEmulator, type GraphEmulator, type Seed } from '../../local/graph-emulator';
import { hashFor, importDevices, getImport, listAll, raw, startHarness, type Harness } from './support';
import type { Client } from '@microsoft/microsoft-graph-client';

/**
 * The drift control API (docs/GRAPH-EMULATOR.md, "Drift"): each call puts the tenant into a state a
 * reconciliation must find, and every check reads the result through the ordinary Graph endpoints,
 * the way a reconciliation would.
 */
const NEVER = '0001-01-01T00:00:00Z';
const ZERO_GUID = '00000000-0000-0000-0000-000000000000';
const IDS = {
  ztdidGroup: '0d0a0000-0000-4000-8000-000000000001',
  salesGroup: '0d0a0000-0000-4000-8000-000000000002',
  hrGroup: '0d0a0000-0000-4000-8000-000000000003',
  profile: '0d0a0000-0000-4000-8000-000000000010',
};

// Serials without hyphens: contains(serialNumber,'…') with a hyphen is Intune's 400.
const SEED: Seed = {
  groups: [
    { id: IDS.ztdidGroup, displayName: 'Autopilot devices', membershipRule: '(device.devicePhysicalIDs -any (_ -contains "[ZTDID]"))' },
    { id: IDS.salesGroup, displayName: 'Sales devices', membershipRule: '(device.devicePhysicalIds -any (_ -eq "[OrderID]:Sales"))' },
    { id: IDS.hrGroup, displayName: 'HR devices', membershipRule: '(device.devicePhysicalIds -any (_ -eq "[OrderID]:HR"))' },
  ],
  deploymentProfiles: [{ id: IDS.profile, displayName: 'User-driven', assignments: [{ groupId: IDS.ztdidGroup }] }],
  devices: [
    { serialNumber: 'DRIFTDEL01', groupTag: 'Sales' },
    { serialNumber: 'DRIFTZTD01', groupTag: 'Sales' },
    { serialNumber: 'DRIFTTAG01', groupTag: 'Sales' },
    { serialNumber: 'DRIFTPIN01', groupTag: 'Sales' },
    { serialNumber: 'DRIFTPIN02' },
    { serialNumber: 'DRIFTENR01' },
    { serialNumber: 'DRIFTDUP01', groupTag: 'Sales' },
    { serialNumber: 'PAUSE01', groupTag: 'Sales' },
    { serialNumber: 'PAUSE02', groupTag: 'HR' },
    // Registered outside the pipeline: the portal or an OEM, long since through OOBE.
    { serialNumber: 'FOREIGN01', groupTag: 'Kiosk', enrollmentState: 'enrolled' },
  ],
};

interface AutopilotIdentity {
  id: string;
  serialNumber: string;
  groupTag: string;
  azureActiveDirectoryDeviceId: string;
  azureAdDeviceId?: string;
  enrollmentState: string;
  lastContactedDateTime: string;
  managedDeviceId: string;
  deploymentProfileAssignmentStatus?: string;
  deploymentProfileAssignmentDetailedStatus?: string;
  deploymentProfileAssignedDateTime?: string;
}
interface EntraDevice {
  id: string;
  deviceId: string;
  physicalIds: string[];
}
interface ImportRecord {
  id: string;
  serialNumber: string;
  importId: string;
  state: { deviceImportStatus: string; deviceRegistrationId: string; deviceErrorCode: number; deviceErrorName: string };
}

async function control(
  url: string,
  path: string,
  body?: unknown,
  method = 'POST',
): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await fetch(`${url}/_emulator${path}`, {
    method,
    headers: { 'Content-Type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

/** The Autopilot identities with exactly this serial, as a reconciliation finds them. */
async function identities(client: Client, serial: string, version: 'v1.0' | 'beta' = 'beta'): Promise<AutopilotIdentity[]> {
  const page = (await client
    .api('/deviceManagement/windowsAutopilotDeviceIdentities')
    .version(version)
    .filter(`contains(serialNumber,'${serial}')`)
    .get()) as { value: AutopilotIdentity[] };
  return page.value.filter((d) => d.serialNumber === serial);
}

async function identity(client: Client, serial: string, version: 'v1.0' | 'beta' = 'beta'): Promise<AutopilotIdentity> {
  const [one, ...more] = await identities(client, serial, version);
  expect(one, serial).toBeDefined();
  expect(more).toHaveLength(0);
  return one!;
}

async function entraByDeviceId(client: Client, deviceId: string): Promise<EntraDevice[]> {
  return (
    (await client.api('/devices').filter(`deviceId eq '${deviceId}'`).select('id,deviceId,physicalIds').get()) as { value: EntraDevice[] }
  ).value;
}

async function memberDeviceIds(client: Client, groupId: string): Promise<string[]> {
  return (
    (await client.api(`/groups/${groupId}/members/microsoft.graph.device`).select('id,deviceId').get()) as { value: EntraDevice[] }
  ).value.map((d) => d.deviceId);
}

describe('drift control API', () => {
  let h: Harness;
  const drift = (name: string, body?: unknown, method = 'POST') => control(h.emu.url, `/drift/${name}`, body, method);

  beforeAll(async () => {
    h = await startHarness({ timeScale: 0, seed: SEED });
  });
  afterAll(async () => h.emu.stop());

  it('delete-entra-device: the registration stays and points at a deleted object, which has left every group', async () => {
    const before = await identity(h.client, 'DRIFTDEL01');
    expect(before.deploymentProfileAssignmentStatus).toBe('assignedInSync');
    const [entra] = await entraByDeviceId(h.client, before.azureActiveDirectoryDeviceId);
    expect(await memberDeviceIds(h.client, IDS.ztdidGroup)).toContain(entra!.deviceId);
    expect(await memberDeviceIds(h.client, IDS.salesGroup)).toContain(entra!.deviceId);

    const r = await drift('delete-entra-device', { serialNumber: 'DRIFTDEL01' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      id: before.id,
      serialNumber: 'DRIFTDEL01',
      entraDevice: null,
      azureAdDeviceId: before.azureActiveDirectoryDeviceId,
    });

    const after = await identity(h.client, 'DRIFTDEL01');
    expect(after.id).toBe(before.id);
    expect(after.azureActiveDirectoryDeviceId).toBe(before.azureActiveDirectoryDeviceId);
    expect(after.azureAdDeviceId).toBe(before.azureActiveDirectoryDeviceId);
    expect((await identity(h.client, 'DRIFTDEL01', 'v1.0')).azureActiveDirectoryDeviceId).toBe(before.azureActiveDirectoryDeviceId);
    // The profile stays: deployments still run after such a deletion (azure-docs#60324).
    expect(after.deploymentProfileAssignmentStatus).toBe('assignedInSync');
    expect(await entraByDeviceId(h.client, before.azureActiveDirectoryDeviceId)).toEqual([]);
    expect((await raw(h.client, 'GET', 'v1.0', `/devices/${entra!.id}`)).status).toBe(404);
    expect((await raw(h.client, 'GET', 'v1.0', `/devices(deviceId='${entra!.deviceId}')`)).status).toBe(404);
    expect(await memberDeviceIds(h.client, IDS.ztdidGroup)).not.toContain(entra!.deviceId);
    expect(await memberDeviceIds(h.client, IDS.salesGroup)).not.toContain(entra!.deviceId);

    const again = await drift('delete-entra-device', { serialNumber: 'DRIFTDEL01' });
    expect(again.status).toBe(404);
    expect(String(again.body.error)).toContain('has no Entra device');
  });

  it('remove-ztdid: the Entra object loses [ZTDID], leaves the ZTDID group, keeps its tag group, and a tag change does not bring it back', async () => {
    const ap = await identity(h.client, 'DRIFTZTD01');
    const r = await drift('remove-ztdid', { serialNumber: 'DRIFTZTD01' });
    expect(r.status).toBe(200);

    const [entra] = await entraByDeviceId(h.client, ap.azureActiveDirectoryDeviceId);
    expect(entra!.physicalIds.some((p) => p.startsWith('[ZTDID]'))).toBe(false);
    expect(entra!.physicalIds).toContain('[OrderID]:Sales');
    expect(
      ((await h.client.api('/devices').filter(`physicalIds/any(p:p eq '[ZTDID]:${ap.id}')`).get()) as { value: unknown[] }).value,
    ).toEqual([]);
    expect(await memberDeviceIds(h.client, IDS.ztdidGroup)).not.toContain(entra!.deviceId);
    expect(await memberDeviceIds(h.client, IDS.salesGroup)).toContain(entra!.deviceId);
    // The profile targets the ZTDID group, and targeting follows membership.
    expect((await identity(h.client, 'DRIFTZTD01')).deploymentProfileAssignmentStatus).toBe('notAssigned');

    expect((await drift('group-tag', { serialNumber: 'DRIFTZTD01', groupTag: 'HR' })).status).toBe(200);
    const [retagged] = await entraByDeviceId(h.client, ap.azureActiveDirectoryDeviceId);
    expect(retagged!.physicalIds).toContain('[OrderID]:HR');
    expect(retagged!.physicalIds.some((p) => p.startsWith('[ZTDID]'))).toBe(false);
  });

  it('group-tag: the registration and the [OrderID] change as updateDeviceProperties would, and the rules move the device', async () => {
    const ap = await identity(h.client, 'DRIFTTAG01');
    const r = await drift('group-tag', { serialNumber: 'drifttag01', groupTag: 'HR' });
    expect(r.status).toBe(200);
    expect(r.body.groupTag).toBe('HR');

    expect((await identity(h.client, 'DRIFTTAG01')).groupTag).toBe('HR');
    expect((await identity(h.client, 'DRIFTTAG01', 'v1.0')).groupTag).toBe('HR');
    const [entra] = await entraByDeviceId(h.client, ap.azureActiveDirectoryDeviceId);
    expect(entra!.physicalIds).toContain('[OrderID]:HR');
    expect(entra!.physicalIds).not.toContain('[OrderID]:Sales');
    expect(entra!.physicalIds).toContain(`[ZTDID]:${ap.id}`);
    expect(await memberDeviceIds(h.client, IDS.salesGroup)).not.toContain(entra!.deviceId);
    expect(await memberDeviceIds(h.client, IDS.hrGroup)).toContain(entra!.deviceId);
  });

  it('profile-status: a pinned status and detailed status stay put until released, then the lifecycle moves on', async () => {
    const failed = await drift('profile-status', {
      serialNumber: 'DRIFTPIN01',
      status: 'failed',
      detailedStatus: 'hardwareRequirementsNotMet',
    });
    expect(failed.status).toBe(200);
    expect(failed.body).toMatchObject({
      deploymentProfileAssignmentStatus: 'failed',
      deploymentProfileAssignmentDetailedStatus: 'hardwareRequirementsNotMet',
      profilePinned: true,
    });
    const pinned = await identity(h.client, 'DRIFTPIN01');
    expect(pinned).toMatchObject({
      deploymentProfileAssignmentStatus: 'failed',
      deploymentProfileAssignmentDetailedStatus: 'hardwareRequirementsNotMet',
      deploymentProfileAssignedDateTime: NEVER,
    });
    expect(
      (await raw(h.client, 'GET', 'beta', `/deviceManagement/windowsAutopilotDeviceIdentities/${pinned.id}/deploymentProfile`)).status,
    ).toBe(404);

    // Not assigned for days with the device in the targeted group (IntuneDocs#2286), even through a
    // new assignment of the profile (every device's targeting re-evaluated; the profile's `assign`
    // action, which once targeted devices directly, is dead — profiles-esp.test.ts) and a tag
    // change that re-evaluates the rules.
    expect((await drift('profile-status', { serialNumber: 'DRIFTPIN02', status: 'notAssigned' })).status).toBe(200);
    const extra = await raw(h.client, 'POST', 'beta', `/deviceManagement/windowsAutopilotDeploymentProfiles/${IDS.profile}/assignments`, {
      target: { '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget' },
    });
    expect(extra.status).toBe(201);
    expect((await drift('group-tag', { serialNumber: 'DRIFTPIN01', groupTag: 'HR' })).status).toBe(200);
    expect((await control(h.emu.url, '/clock/advance', { minutes: 3000 })).status).toBe(200);
    expect((await identity(h.client, 'DRIFTPIN01')).deploymentProfileAssignmentStatus).toBe('failed');
    expect((await identity(h.client, 'DRIFTPIN02')).deploymentProfileAssignmentStatus).toBe('notAssigned');
    const extraId = (extra.body as { id: string }).id;
    expect(
      (await raw(h.client, 'DELETE', 'beta', `/deviceManagement/windowsAutopilotDeploymentProfiles/${IDS.profile}/assignments/${extraId}`))
        .status,
    ).toBe(204);

    // Pending that never completes keeps the profile the device had.
    expect((await drift('profile-status', { serialNumber: 'DRIFTPIN02', status: 'pending' })).status).toBe(200);
    await control(h.emu.url, '/clock/advance', { minutes: 600 });
    expect((await identity(h.client, 'DRIFTPIN02')).deploymentProfileAssignmentStatus).toBe('pending');

    for (const serialNumber of ['DRIFTPIN01', 'DRIFTPIN02']) {
      const released = await drift('profile-status', { serialNumber, release: true });
      expect(released.status).toBe(200);
      expect(released.body.profilePinned).toBe(false);
      const moved = await identity(h.client, serialNumber);
      expect(moved.deploymentProfileAssignmentStatus).toBe('assignedInSync');
      expect(moved.deploymentProfileAssignmentDetailedStatus).toBe('none');
      expect(moved.deploymentProfileAssignedDateTime).not.toBe(NEVER);
    }
  });

  it('enrollment-state: enrolled devices read enrolled with a contact time and a managed device; blocked is beta-only', async () => {
    expect((await drift('enrollment-state', { serialNumber: 'DRIFTENR01', enrollmentState: 'enrolled' })).status).toBe(200);
    for (const version of ['v1.0', 'beta'] as const) {
      const enrolled = await identity(h.client, 'DRIFTENR01', version);
      expect(enrolled.enrollmentState).toBe('enrolled');
      expect(enrolled.lastContactedDateTime).not.toBe(NEVER);
      expect(enrolled.managedDeviceId).not.toBe(ZERO_GUID);
    }
    const untouched = await identity(h.client, 'DRIFTPIN01');
    expect(untouched).toMatchObject({ enrollmentState: 'notContacted', lastContactedDateTime: NEVER, managedDeviceId: ZERO_GUID });

    await drift('enrollment-state', { serialNumber: 'DRIFTENR01', enrollmentState: 'blocked' });
    expect((await identity(h.client, 'DRIFTENR01', 'beta')).enrollmentState).toBe('blocked');
    expect((await identity(h.client, 'DRIFTENR01', 'v1.0')).enrollmentState).toBe('unknown');

    await drift('enrollment-state', { serialNumber: 'DRIFTENR01', enrollmentState: 'notContacted' });
    expect(await identity(h.client, 'DRIFTENR01', 'v1.0')).toMatchObject({
      enrollmentState: 'notContacted',
      lastContactedDateTime: NEVER,
      managedDeviceId: ZERO_GUID,
    });
  });

  it('import-records: leftovers in any state are listed, counted, read and deleted like any record, and never processed', async () => {
    const tagged = await identity(h.client, 'DRIFTTAG01');
    const r = await drift('import-records', {
      records: [
        { serialNumber: 'DRIFTTAG01', importId: 'other-tool', status: 'complete' },
        { serialNumber: 'OLDONE01', importId: 'crashed-run', status: 'error', errorCode: 806 },
        { serialNumber: 'OLDONE02', importId: 'crashed-run', status: 'error', errorCode: 999, errorName: 'SomethingElse' },
        { serialNumber: 'OLDONE03', importId: 'crashed-run', status: 'pending' },
        ...Array.from({ length: 175 }, (_, i) => ({ serialNumber: `LEFT${i}`, importId: 'kieselbach', status: 'unknown' as const })),
      ],
    });
    expect(r.status).toBe(200);
    expect((r.body.records as unknown[]).length).toBe(179);

    await control(h.emu.url, '/clock/advance', { minutes: 60 });
    const { items } = await listAll<ImportRecord>(
      h.client,
      h.emu.url,
      'v1.0',
      '/deviceManagement/importedWindowsAutopilotDeviceIdentities',
    );
    const bySerial = new Map(items.map((i) => [i.serialNumber, i]));
    expect(bySerial.get('DRIFTTAG01')!.state).toEqual({
      '@odata.type': 'microsoft.graph.importedWindowsAutopilotDeviceIdentityState',
      deviceImportStatus: 'complete',
      deviceRegistrationId: tagged.id,
      deviceErrorCode: 0,
      deviceErrorName: 'None',
    });
    expect(bySerial.get('OLDONE01')!.state).toMatchObject({
      deviceImportStatus: 'error',
      deviceErrorCode: 806,
      deviceErrorName: 'ZtdDeviceAlreadyAssigned',
    });
    expect(bySerial.get('OLDONE02')!.state).toMatchObject({
      deviceImportStatus: 'error',
      deviceErrorCode: 999,
      deviceErrorName: 'SomethingElse',
    });
    expect(bySerial.get('OLDONE03')!.state.deviceImportStatus).toBe('pending');
    expect(bySerial.get('LEFT0')!.state.deviceImportStatus).toBe('unknown');
    const count = await raw(h.client, 'GET', 'v1.0', '/deviceManagement/importedWindowsAutopilotDeviceIdentities/$count');
    expect(Number(count.body)).toBeGreaterThanOrEqual(175);

    const victim = bySerial.get('OLDONE03')!;
    expect((await raw(h.client, 'GET', 'beta', `/deviceManagement/importedWindowsAutopilotDeviceIdentities/${victim.id}`)).status).toBe(
      200,
    );
    expect((await raw(h.client, 'DELETE', 'v1.0', `/deviceManagement/importedWindowsAutopilotDeviceIdentities/${victim.id}`)).status).toBe(
      200,
    );
    expect((await raw(h.client, 'GET', 'v1.0', `/deviceManagement/importedWindowsAutopilotDeviceIdentities/${victim.id}`)).status).toBe(
      404,
    );
  });

  it('duplicate-registration: a second registration with the serial, its own Entra device, both published and targeted; a re-import is still 806', async () => {
    const [original] = await identities(h.client, 'DRIFTDUP01');
    const r = await drift('duplicate-registration', { serialNumber: 'DRIFTDUP01' });
    expect(r.status).toBe(200);
    const both = await identities(h.client, 'DRIFTDUP01');
    expect(both).toHaveLength(2);
    const duplicate = both.find((d) => d.id !== original!.id)!;
    expect(duplicate.azureActiveDirectoryDeviceId).not.toBe(original!.azureActiveDirectoryDeviceId);
    expect(duplicate.groupTag).toBe('Sales');
    expect(duplicate.deploymentProfileAssignmentStatus).toBe('assignedInSync');

    const [first] = await entraByDeviceId(h.client, original!.azureActiveDirectoryDeviceId);
    const [second] = await entraByDeviceId(h.client, duplicate.azureActiveDirectoryDeviceId);
    expect(second!.id).not.toBe(first!.id);
    expect(second!.physicalIds).toContain(`[ZTDID]:${duplicate.id}`);
    expect(second!.physicalIds.find((p) => p.startsWith('[HWID]'))).not.toBe(first!.physicalIds.find((p) => p.startsWith('[HWID]')));
    const members = await memberDeviceIds(h.client, IDS.ztdidGroup);
    expect(members).toContain(first!.deviceId);
    expect(members).toContain(second!.deviceId);

    const [record] = await importDevices(h.client, [{ serialNumber: 'DRIFTDUP01', hardwareIdentifier: hashFor('DRIFTDUP01') }]);
    expect((await getImport(h.client, record!.id)).state).toMatchObject({ deviceImportStatus: 'error', deviceErrorCode: 806 });

    // Deleting the older record leaves the serial registered through the duplicate.
    expect((await raw(h.client, 'DELETE', 'v1.0', `/deviceManagement/windowsAutopilotDeviceIdentities/${original!.id}`)).status).toBe(204);
    const [again] = await importDevices(h.client, [{ serialNumber: 'DRIFTDUP01', hardwareIdentifier: hashFor('DRIFTDUP01') }]);
    expect((await getImport(h.client, again!.id)).state.deviceErrorCode).toBe(806);
  });

  it('foreign devices: seeded registrations carry their own group tag and enrollment state, singly and in bulk', async () => {
    expect(await identity(h.client, 'FOREIGN01')).toMatchObject({ groupTag: 'Kiosk', enrollmentState: 'enrolled' });
    const seeded = await control(h.emu.url, '/seed', {
      generatedDevices: { count: 3, serialPrefix: 'OEMLOT', groupTag: 'Lab', enrollmentState: 'enrolled' },
    });
    expect(seeded.status).toBe(200);
    const lot = (
      (await h.client.api('/deviceManagement/windowsAutopilotDeviceIdentities').filter("contains(serialNumber,'OEMLOT')").get()) as {
        value: AutopilotIdentity[];
      }
    ).value;
    expect(lot.map((d) => [d.serialNumber, d.groupTag, d.enrollmentState])).toEqual([
      ['OEMLOT1', 'Lab', 'enrolled'],
      ['OEMLOT2', 'Lab', 'enrolled'],
      ['OEMLOT3', 'Lab', 'enrolled'],
    ]);
    expect((await control(h.emu.url, '/seed', { devices: [{ serialNumber: 'X1', enrollmentState: 'asleep' }] })).status).toBe(400);
  });

  it('a paused rule neither adds nor removes members until it is turned back on', async () => {
    const leaving = await identity(h.client, 'PAUSE01');
    const joining = await identity(h.client, 'PAUSE02');
    const [leavingEntra] = await entraByDeviceId(h.client, leaving.azureActiveDirectoryDeviceId);
    const [joiningEntra] = await entraByDeviceId(h.client, joining.azureActiveDirectoryDeviceId);
    expect((await raw(h.client, 'PATCH', 'v1.0', `/groups/${IDS.salesGroup}`, { membershipRuleProcessingState: 'Paused' })).status).toBe(
      204,
    );
    await drift('group-tag', { serialNumber: 'PAUSE01', groupTag: 'HR' });
    await drift('group-tag', { serialNumber: 'PAUSE02', groupTag: 'Sales' });
    await control(h.emu.url, '/clock/advance', { minutes: 60 });
    let sales = await memberDeviceIds(h.client, IDS.salesGroup);
    expect(sales).toContain(leavingEntra!.deviceId);
    expect(sales).not.toContain(joiningEntra!.deviceId);
    // The HR rule is on, so it follows both changes.
    const hr = await memberDeviceIds(h.client, IDS.hrGroup);
    expect(hr).toContain(leavingEntra!.deviceId);
    expect(hr).not.toContain(joiningEntra!.deviceId);

    expect((await raw(h.client, 'PATCH', 'v1.0', `/groups/${IDS.salesGroup}`, { membershipRuleProcessingState: 'On' })).status).toBe(204);
    sales = await memberDeviceIds(h.client, IDS.salesGroup);
    expect(sales).not.toContain(leavingEntra!.deviceId);
    expect(sales).toContain(joiningEntra!.deviceId);
  });

  it('answers the drift states in shapes that conform to the Graph schema', async () => {
    for (const version of ['v1.0', 'beta'] as const) {
      const body = (await h.client.api('/deviceManagement/windowsAutopilotDeviceIdentities').version(version).get()) as unknown;
      expect(checkGraphResponse({ version, method: 'GET', url: '/deviceManagement/windowsAutopilotDeviceIdentities', body })).toEqual([]);
      const imports = (await h.client.api('/deviceManagement/importedWindowsAutopilotDeviceIdentities').version(version).get()) as unknown;
      expect(
        checkGraphResponse({ version, method: 'GET', url: '/deviceManagement/importedWindowsAutopilotDeviceIdentities', body: imports }),
      ).toEqual([]);
    }
  });

  it('refuses an unknown serial with 404 and a bad body with 400', async () => {
    const unknown = await drift('remove-ztdid', { serialNumber: 'NOSUCH01' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toBe('no Autopilot registration with serial number NOSUCH01');
    // The body is checked before the serial is looked up: extra properties are a 400 even here.
    for (const name of ['delete-entra-device', 'group-tag', 'profile-status', 'enrollment-state', 'duplicate-registration']) {
      expect(
        (await drift(name, { serialNumber: 'NOSUCH01', groupTag: 'x', status: 'pending', enrollmentState: 'enrolled' })).status,
        name,
      ).toBe(400);
    }
    const bad: [string, unknown][] = [
      ['remove-ztdid', {}],
      ['remove-ztdid', { serialNumber: '' }],
      ['delete-entra-device', { serialNumber: 'DRIFTPIN01', extra: 1 }],
      ['group-tag', { serialNumber: 'DRIFTPIN01' }],
      ['profile-status', { serialNumber: 'DRIFTPIN01', status: 'assignedInSync' }],
      ['profile-status', { serialNumber: 'DRIFTPIN01', status: 'failed', detailedStatus: 'broken' }],
      ['profile-status', { serialNumber: 'DRIFTPIN01', release: false }],
      ['enrollment-state', { serialNumber: 'DRIFTPIN01', enrollmentState: 'asleep' }],
      ['import-records', { records: [] }],
      ['import-records', { records: [{ serialNumber: 'A1', importId: 'x', status: 'error' }] }],
      ['import-records', { records: [{ serialNumber: 'A1', importId: 'x', status: 'pending', errorCode: 806 }] }],
      ['import-records', { records: [{ serialNumber: 'A1', importId: 'x', status: 'error', errorCode: 999 }] }],
      ['import-records', { records: [{ serialNumber: 'A1', importId: 'x', status: 'done' }] }],
    ];
    for (const [name, body] of bad) {
      const r = await drift(name, body);
      expect(r.status, `${name} ${JSON.stringify(body)}`).toBe(400);
      expect(typeof r.body.error).toBe('string');
    }
    expect((await drift('no-such-drift', { serialNumber: 'DRIFTPIN01' })).status).toBe(404);
    expect((await drift('remove-ztdid', undefined, 'GET')).status).toBe(404);
  });
});

describe('drift in the state file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'graph-emulator-drift-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps pinned statuses, enrollment states, lost ZTDIDs, deleted objects, duplicates and leftovers across a restart', async () => {
    const stateFile = join(dir, 'tenant.json');
    let emu: GraphEmulator = await startGraphEmulator({ timeScale: 0, stateFile, seed: SEED });
    const url1 = emu.url;
    await control(url1, '/drift/profile-status', { serialNumber: 'DRIFTPIN01', status: 'pending' });
    await control(url1, '/drift/profile-status', {
      serialNumber: 'DRIFTPIN02',
      status: 'unknown',
      detailedStatus: 'windowsPcProfileNotSupported',
    });
    await control(url1, '/drift/enrollment-state', { serialNumber: 'DRIFTENR01', enrollmentState: 'pendingReset' });
    await control(url1, '/drift/remove-ztdid', { serialNumber: 'DRIFTZTD01' });
    await control(url1, '/drift/delete-entra-device', { serialNumber: 'DRIFTDEL01' });
    await control(url1, '/drift/duplicate-registration', { serialNumber: 'DRIFTDUP01' });
    await control(url1, '/drift/import-records', { records: [{ serialNumber: 'OLDONE01', importId: 'crashed-run', status: 'pending' }] });
    await emu.stop();

    emu = await startGraphEmulator({ timeScale: 0, stateFile });
    try {
      const client = createEmulatorGraphClient({ url: emu.url, token: 't' });
      // A new assignment re-evaluates every registration's targeting and would move an unpinned one
      // on at once (time scale 0).
      expect(
        (
          await raw(client, 'POST', 'beta', `/deviceManagement/windowsAutopilotDeploymentProfiles/${IDS.profile}/assignments`, {
            target: { '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget' },
          })
        ).status,
      ).toBe(201);
      await control(emu.url, '/clock/advance', { minutes: 600 });
      expect(await identity(client, 'DRIFTPIN01')).toMatchObject({ deploymentProfileAssignmentStatus: 'pending' });
      expect(await identity(client, 'DRIFTPIN02')).toMatchObject({
        deploymentProfileAssignmentStatus: 'unknown',
        deploymentProfileAssignmentDetailedStatus: 'windowsPcProfileNotSupported',
      });
      expect((await identity(client, 'DRIFTENR01')).enrollmentState).toBe('pendingReset');
      const ztd = await identity(client, 'DRIFTZTD01');
      const [entra] = await entraByDeviceId(client, ztd.azureActiveDirectoryDeviceId);
      expect(entra!.physicalIds.some((p) => p.startsWith('[ZTDID]'))).toBe(false);
      expect(await entraByDeviceId(client, (await identity(client, 'DRIFTDEL01')).azureActiveDirectoryDeviceId)).toEqual([]);
      expect(await identities(client, 'DRIFTDUP01')).toHaveLength(2);
      const records = (await client.api('/deviceManagement/importedWindowsAutopilotDeviceIdentities').get()) as { value: ImportRecord[] };
      expect(records.value.map((r) => [r.serialNumber, r.state.deviceImportStatus])).toEqual([['OLDONE01', 'pending']]);

      const released = await control(emu.url, '/drift/profile-status', { serialNumber: 'DRIFTPIN01', release: true });
      expect(released.status).toBe(200);
      expect((await identity(client, 'DRIFTPIN01')).deploymentProfileAssignmentStatus).toBe('assignedInSync');
    } finally {
      await emu.stop();
    }
  });

  it('loads a state file written before registrations had enrollment and pin fields, with the values a registration starts with', async () => {
    const stateFile = join(dir, 'old.json');
    let emu: GraphEmulator = await startGraphEmulator({ timeScale: 0, stateFile, seed: { devices: [{ serialNumber: 'OLDFILE01' }] } });
    await emu.stop();
    const snapshot = JSON.parse(readFileSync(stateFile, 'utf8')) as { autopilot: Record<string, unknown>[] };
    for (const ap of snapshot.autopilot)
      for (const key of ['profileDetailedStatus', 'profilePinned', 'enrollmentState', 'lastContactedAt', 'managedDeviceId']) delete ap[key];
    writeFileSync(stateFile, JSON.stringify(snapshot));
    emu = await startGraphEmulator({ timeScale: 0, stateFile });
    try {
      const client = createEmulatorGraphClient({ url: emu.url, token: 't' });
      expect(await identity(client, 'OLDFILE01')).toMatchObject({
        enrollmentState: 'notContacted',
        managedDeviceId: ZERO_GUID,
        lastContactedDateTime: NEVER,
        deploymentProfileAssignmentDetailedStatus: 'none',
      });
    } finally {
      await emu.stop();
    }
  });
});
