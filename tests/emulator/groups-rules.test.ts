import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { raw, startHarness, type Harness } from './support';

interface GraphErrorBody {
  error: { code: string; message: string; innerError: { 'request-id': string; date: string; 'client-request-id': string } };
}
interface Device {
  id: string;
  displayName: string;
}

const dynamicGroup = (name: string, rule: string) => ({
  displayName: name,
  mailEnabled: false,
  mailNickname: name.replace(/\W/g, '').toLowerCase(),
  securityEnabled: true,
  groupTypes: ['DynamicMembership'],
  membershipRule: rule,
  membershipRuleProcessingState: 'On',
});

describe('groups, dynamic rules and membership queries', () => {
  let h: Harness;
  const ids = new Map<string, string>();
  beforeAll(async () => {
    h = await startHarness({
      timeScale: 0,
      seed: {
        devices: [
          { serialNumber: 'R-SALES-1', groupTag: 'Sales', purchaseOrderIdentifier: 'PO-77', manufacturer: 'Contoso', model: 'Laptop 5' },
          { serialNumber: 'R-SALES-2', groupTag: 'Sales', manufacturer: 'Fabrikam', model: 'Desk 1' },
          { serialNumber: 'R-HR-1', groupTag: 'HR', manufacturer: 'Contoso', model: 'Laptop 7' },
        ],
      },
    });
    const all = (await h.client.api('/devices').get()) as { value: Device[] };
    for (const d of all.value) ids.set(d.displayName, d.id);
  });
  afterAll(async () => h.emu.stop());

  async function createDynamic(name: string, rule: string): Promise<string> {
    const created = await raw(h.client, 'POST', 'v1.0', '/groups', dynamicGroup(name, rule));
    expect(created.status).toBe(201);
    return (created.body as { id: string }).id;
  }
  async function memberNames(groupId: string): Promise<string[]> {
    const page = (await h.client.api(`/groups/${groupId}/members/microsoft.graph.device`).get()) as { value: Device[] };
    return page.value.map((d) => d.displayName).sort();
  }

  it('evaluates rules over physical ids and device properties', async () => {
    const cases: [string, string[]][] = [
      ['(device.devicePhysicalIDs -any (_ -contains "[ZTDID]"))', ['R-HR-1', 'R-SALES-1', 'R-SALES-2']],
      ['(device.devicePhysicalIds -any (_ -eq "[OrderID]:Sales"))', ['R-SALES-1', 'R-SALES-2']],
      ['(device.devicePhysicalIds -any (_ -eq "[PurchaseOrderId]:PO-77"))', ['R-SALES-1']],
      ['(device.devicePhysicalIds -any (_ -startsWith "[orderid]:h"))', ['R-HR-1']],
      ['(device.displayName -startsWith "R-SALES") -and -not (device.displayName -eq "R-SALES-2")', ['R-SALES-1']],
      ['(device.displayName -in ["R-HR-1", "R-SALES-2"]) -or (device.displayName -contains "nomatch")', ['R-HR-1', 'R-SALES-2']],
      ['(device.devicePhysicalIds -all (_ -startsWith "["))', ['R-HR-1', 'R-SALES-1', 'R-SALES-2']],
    ];
    for (const [i, [rule, expected]] of cases.entries()) {
      const id = await createDynamic(`rule case ${i}`, rule);
      expect(await memberNames(id), rule).toEqual(expected);
    }
  });

  it('rejects a malformed rule at group creation with a 400 and creates nothing', async () => {
    const before = ((await h.client.api('/groups').get()) as { value: unknown[] }).value.length;
    for (const rule of [
      '(device.devicePhysicalIds -any (_ -contains "[ZTDID]")',
      'device.colour -eq "blue"',
      '(device.displayName -eq)',
      '',
    ]) {
      const r = await raw(h.client, 'POST', 'v1.0', '/groups', dynamicGroup('bad rule', rule));
      expect(r.status, rule).toBe(400);
      const e = (r.body as GraphErrorBody).error;
      expect(e.code).toBe('Request_BadRequest');
      expect(e.message.length).toBeGreaterThan(10);
      expect(e.innerError['request-id']).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect(((await h.client.api('/groups').get()) as { value: unknown[] }).value.length).toBe(before);
  });

  it('requires displayName, mailEnabled, mailNickname and securityEnabled, and rejects unknown properties', async () => {
    expect((await raw(h.client, 'POST', 'v1.0', '/groups', { displayName: 'x', mailEnabled: false, securityEnabled: true })).status).toBe(
      400,
    );
    const unknown = await raw(h.client, 'POST', 'v1.0', '/groups', {
      displayName: 'x',
      mailEnabled: false,
      mailNickname: 'x',
      securityEnabled: true,
      colour: 'red',
    });
    expect(unknown.status).toBe(400);
    expect((unknown.body as GraphErrorBody).error.message).toContain("'colour' does not exist on type 'microsoft.graph.group'");
  });

  it('re-evaluates membership when a group tag changes', async () => {
    const hr = await createDynamic('hr by tag', '(device.devicePhysicalIds -any (_ -eq "[OrderID]:HR"))');
    expect(await memberNames(hr)).toEqual(['R-HR-1']);
    const sales2 = (
      (await h.client.api('/deviceManagement/windowsAutopilotDeviceIdentities').get()) as { value: { id: string; serialNumber: string }[] }
    ).value.find((d) => d.serialNumber === 'R-SALES-2')!;
    expect(
      (
        await raw(h.client, 'POST', 'v1.0', `/deviceManagement/windowsAutopilotDeviceIdentities/${sales2.id}/updateDeviceProperties`, {
          groupTag: 'HR',
          displayName: 'KIOSK-2',
        })
      ).status,
    ).toBe(204);
    expect(await memberNames(hr)).toEqual(['R-HR-1', 'R-SALES-2']);
  });

  it('manages assigned groups with members/$ref, nests groups, and answers transitive queries', async () => {
    const outer = (
      await raw(h.client, 'POST', 'v1.0', '/groups', {
        displayName: 'outer',
        mailEnabled: false,
        mailNickname: 'outer',
        securityEnabled: true,
      })
    ).body as { id: string };
    const inner = (
      await raw(h.client, 'POST', 'v1.0', '/groups', {
        displayName: 'inner',
        mailEnabled: false,
        mailNickname: 'inner',
        securityEnabled: true,
      })
    ).body as { id: string };
    const device = ids.get('R-SALES-1')!;
    const ref = (id: string) => ({ '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${id}` });
    expect((await raw(h.client, 'POST', 'v1.0', `/groups/${inner.id}/members/$ref`, ref(device))).status).toBe(204);
    expect((await raw(h.client, 'POST', 'v1.0', `/groups/${inner.id}/members/$ref`, ref(device))).status).toBe(400);
    expect((await raw(h.client, 'POST', 'v1.0', `/groups/${outer.id}/members/$ref`, ref(inner.id))).status).toBe(204);

    const direct = (await h.client.api(`/groups/${outer.id}/members`).get()) as { value: { id: string; '@odata.type': string }[] };
    expect(direct.value).toEqual([expect.objectContaining({ id: inner.id, '@odata.type': '#microsoft.graph.group' })]);
    const cast = `/groups/${outer.id}/transitiveMembers/microsoft.graph.device`;
    // An OData cast on transitiveMembers is an advanced query (learn.microsoft.com/graph/aad-advanced-queries).
    const plain = await raw(h.client, 'GET', 'v1.0', cast);
    expect(plain.status).toBe(400);
    expect((plain.body as { error: { code: string } }).error.code).toBe('Request_UnsupportedQuery');
    const transitive = (await h.client.api(cast).header('ConsistencyLevel', 'eventual').query({ $count: 'true' }).get()) as {
      value: { id: string }[];
      '@odata.count': number;
    };
    expect(transitive['@odata.count']).toBe(transitive.value.length);
    expect(transitive.value.map((d) => d.id)).toEqual([device]);
    const memberOf = (await h.client.api(`/devices/${device}/memberOf`).get()) as { value: { id: string }[] };
    expect(memberOf.value.map((g) => g.id)).toContain(inner.id);
    expect(memberOf.value.map((g) => g.id)).not.toContain(outer.id);
    const transitiveOf = (await h.client.api(`/devices/${device}/transitiveMemberOf/microsoft.graph.group`).get()) as {
      value: { id: string }[];
    };
    expect(transitiveOf.value.map((g) => g.id)).toEqual(expect.arrayContaining([inner.id, outer.id]));
    for (const path of [
      `/devices/${device}/checkMemberGroups`,
      `/directoryObjects/${device}/checkMemberGroups`,
      `/devices/${device}/microsoft.graph.checkMemberGroups`,
    ]) {
      const check = (await h.client.api(path).post({ groupIds: [outer.id, inner.id] })) as { value: string[] };
      expect(check.value.sort()).toEqual([outer.id, inner.id].sort());
    }
    expect(
      (
        await raw(h.client, 'POST', 'v1.0', `/devices/${device}/checkMemberGroups`, {
          groupIds: Array.from({ length: 21 }, (_, i) => String(i)),
        })
      ).status,
    ).toBe(400);

    expect((await raw(h.client, 'DELETE', 'v1.0', `/groups/${inner.id}/members/${device}/$ref`)).status).toBe(204);
    const after = (await h.client.api(`/devices/${device}/checkMemberGroups`).post({ groupIds: [outer.id, inner.id] })) as {
      value: string[];
    };
    expect(after.value).toEqual([]);
  });

  it('refuses manual members on dynamic groups, filters groups by displayName, 404s unknown ids', async () => {
    const dyn = await createDynamic('no manual', '(device.displayName -eq "R-HR-1")');
    const r = await raw(h.client, 'POST', 'v1.0', `/groups/${dyn}/members/$ref`, {
      '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${ids.get('R-SALES-1')}`,
    });
    expect(r.status).toBe(400);
    const named = (await h.client.api('/groups').filter("displayName eq 'no manual'").get()) as { value: { id: string }[] };
    expect(named.value.map((g) => g.id)).toEqual([dyn]);
    const missing = await raw(h.client, 'GET', 'v1.0', '/groups/00000000-0000-0000-0000-000000000001');
    expect(missing.status).toBe(404);
    expect((missing.body as GraphErrorBody).error.code).toBe('Request_ResourceNotFound');
  });
});
