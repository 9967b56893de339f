import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAll, raw, startHarness, type Harness } from './support';

interface IntuneError {
  error: { code: string; message: string };
}

describe('paging, $filter, $select, $count and version differences over 2,500 devices', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      timeScale: 0,
      seed: { generatedDevices: { count: 2500, serialPrefix: 'PG', manufacturer: 'Contoso', model: 'M' } },
    });
  });
  afterAll(async () => h.emu.stop());

  it('pages the Autopilot list in pages of 1000 and every device exactly once', async () => {
    const { items, pages } = await listAll<{ id: string; serialNumber: string }>(
      h.client,
      h.emu.url,
      'beta',
      '/deviceManagement/windowsAutopilotDeviceIdentities',
    );
    expect(pages).toBe(3);
    expect(items).toHaveLength(2500);
    expect(new Set(items.map((d) => d.id)).size).toBe(2500);
  });

  it('pages /devices by 100 by default and by $top up to 999', async () => {
    const byDefault = await listAll<{ id: string }>(h.client, h.emu.url, 'v1.0', '/devices');
    expect(byDefault.pages).toBe(25);
    expect(new Set(byDefault.items.map((d) => d.id)).size).toBe(2500);
    const byTop = await listAll<{ id: string }>(h.client, h.emu.url, 'v1.0', '/devices?$top=999&$select=id,deviceId');
    expect(byTop.pages).toBe(3);
    expect(Object.keys(byTop.items[0]!).sort()).toEqual(['deviceId', 'id']);
  });

  it('supports contains(serialNumber,…) and rejects serialNumber eq and hyphenated contains with the Intune 400', async () => {
    const found = (await h.client
      .api('/deviceManagement/windowsAutopilotDeviceIdentities')
      .filter("contains(serialNumber,'PG0012')")
      .get()) as { value: { serialNumber: string }[] };
    expect(found.value.map((d) => d.serialNumber).sort()).toEqual(['PG0012']);
    const prefix = (await h.client
      .api('/deviceManagement/windowsAutopilotDeviceIdentities')
      .filter("contains(serialNumber,'pg001')")
      .get()) as { value: unknown[] };
    expect(prefix.value).toHaveLength(10);
    const eq = await raw(h.client, 'GET', 'v1.0', "/deviceManagement/windowsAutopilotDeviceIdentities?$filter=serialNumber eq 'PG0012'");
    expect(eq.status).toBe(400);
    expect((eq.body as IntuneError).error.code).toBe('BadRequest');
    expect(JSON.parse((eq.body as IntuneError).error.message).Message).toMatch(/^An error has occurred/);
    expect(
      (await raw(h.client, 'GET', 'v1.0', "/deviceManagement/windowsAutopilotDeviceIdentities?$filter=contains(serialNumber,'PG-1')"))
        .status,
    ).toBe(400);
  });

  it('filters devices by deviceId, displayName and physicalIds', async () => {
    const ap = (
      (await h.client.api('/deviceManagement/windowsAutopilotDeviceIdentities').filter("contains(serialNumber,'PG2500')").get()) as {
        value: { id: string; azureActiveDirectoryDeviceId: string }[];
      }
    ).value[0]!;
    const byDeviceId = (await h.client.api('/devices').filter(`deviceId eq '${ap.azureActiveDirectoryDeviceId}'`).get()) as {
      value: { displayName: string }[];
    };
    expect(byDeviceId.value.map((d) => d.displayName)).toEqual(['PG2500']);
    const byName = (await h.client.api('/devices').filter("displayName eq 'PG2500'").get()) as { value: { deviceId: string }[] };
    expect(byName.value.map((d) => d.deviceId)).toEqual([ap.azureActiveDirectoryDeviceId]);
    const byZtd = (await h.client.api('/devices').filter(`physicalIds/any(p:p eq '[ZTDID]:${ap.id}')`).get()) as {
      value: { displayName: string }[];
    };
    expect(byZtd.value.map((d) => d.displayName)).toEqual(['PG2500']);
    const alt = (await h.client.api(`/devices(deviceId='${ap.azureActiveDirectoryDeviceId}')`).get()) as { displayName: string };
    expect(alt.displayName).toBe('PG2500');
    expect((await raw(h.client, 'GET', 'v1.0', "/devices?$filter=model eq 'M'")).status).toBe(400);
  });

  it('counts with ConsistencyLevel: eventual only, and $select rejects unknown properties', async () => {
    expect((await raw(h.client, 'GET', 'v1.0', '/devices?$count=true&$top=1')).status).toBe(400);
    const counted = await raw(h.client, 'GET', 'v1.0', '/devices?$count=true&$top=1', undefined, { ConsistencyLevel: 'eventual' });
    expect((counted.body as { '@odata.count': number })['@odata.count']).toBe(2500);
    const text = await raw(h.client, 'GET', 'v1.0', '/devices/$count', undefined, { ConsistencyLevel: 'eventual' });
    expect(text.body).toBe(2500);
    const apCount = await raw(h.client, 'GET', 'v1.0', '/deviceManagement/windowsAutopilotDeviceIdentities/$count');
    expect(apCount.body).toBe(2500);
    const bad = await raw(h.client, 'GET', 'v1.0', '/devices?$select=colour');
    expect(bad.status).toBe(400);
  });

  it('refuses query options a route does not honour instead of ignoring them', async () => {
    expect((await raw(h.client, 'GET', 'v1.0', '/devices?$expand=memberOf')).status).toBe(501);
    expect((await raw(h.client, 'GET', 'v1.0', '/devices?$orderby=displayName')).status).toBe(501);
    const one = ((await h.client.api('/devices').top(1).get()) as { value: { id: string }[] }).value[0]!;
    expect((await raw(h.client, 'GET', 'v1.0', `/devices/${one.id}?$filter=displayName eq 'x'`)).status).toBe(400);
    expect((await raw(h.client, 'GET', 'v1.0', '/devices?$bogus=1')).status).toBe(400);
  });

  it('keeps beta-only surface off v1.0', async () => {
    const settings = await raw(h.client, 'GET', 'v1.0', '/deviceManagement/windowsAutopilotSettings');
    expect(settings.status).toBe(400);
    expect((settings.body as IntuneError).error.message).toBe("Resource not found for the segment 'windowsAutopilotSettings'.");
    expect((await raw(h.client, 'GET', 'v1.0', '/deviceManagement/windowsAutopilotDeploymentProfiles')).status).toBe(400);
    const list = (await raw(h.client, 'GET', 'v1.0', '/deviceManagement/windowsAutopilotDeviceIdentities?$top=1')).body as {
      value: Record<string, unknown>[];
    };
    expect(list.value[0]).not.toHaveProperty('deploymentProfileAssignmentStatus');
    expect(list.value[0]).not.toHaveProperty('azureAdDeviceId');
    const betaList = (await raw(h.client, 'GET', 'beta', '/deviceManagement/windowsAutopilotDeviceIdentities?$top=1')).body as {
      value: Record<string, unknown>[];
    };
    expect(betaList.value[0]).toHaveProperty('deploymentProfileAssignmentStatus', 'notAssigned');
    const expandV1 = await raw(
      h.client,
      'GET',
      'v1.0',
      `/deviceManagement/windowsAutopilotDeviceIdentities/${betaList.value[0]!.id as string}?$expand=deploymentProfile`,
    );
    expect(expandV1.status).toBe(400);
  });
});

describe('contains(serialNumber,…) follows registrations and deletions', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      timeScale: 0,
      seed: { devices: [{ serialNumber: 'ABC123' }, { serialNumber: 'XABC12' }, { serialNumber: 'QQ9' }] },
    });
  });
  afterAll(async () => h.emu.stop());

  const search = async (needle: string): Promise<string[]> =>
    (
      (await h.client.api('/deviceManagement/windowsAutopilotDeviceIdentities').filter(`contains(serialNumber,'${needle}')`).get()) as {
        value: { serialNumber: string }[];
      }
    ).value
      .map((d) => d.serialNumber)
      .sort();

  it('matches substrings of any length, case-insensitively, and forgets deleted devices', async () => {
    expect(await search('abc12')).toEqual(['ABC123', 'XABC12']);
    expect(await search('C123')).toEqual(['ABC123']);
    expect(await search('Q')).toEqual(['QQ9']);
    expect(await search('ZZZ')).toEqual([]);
    const abc = (
      (await h.client.api('/deviceManagement/windowsAutopilotDeviceIdentities').filter("contains(serialNumber,'ABC123')").get()) as {
        value: { id: string }[];
      }
    ).value[0]!;
    expect((await raw(h.client, 'DELETE', 'v1.0', `/deviceManagement/windowsAutopilotDeviceIdentities/${abc.id}`)).status).toBe(204);
    expect(await search('ABC12')).toEqual(['XABC12']);
  });
});
