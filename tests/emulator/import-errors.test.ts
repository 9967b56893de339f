import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateHardwareHash } from '../../local/fixtures/hardware-hash-generator';
import { getImport, hashFor, importBody, importDevices, raw, startHarness, type Harness } from './support';

/** A structurally valid OA3 record set with only the given string records (type → value). */
function hashWith(records: [number, string][]): string {
  const body = Buffer.concat(
    records.map(([type, value]) => {
      const v = Buffer.concat([Buffer.from(value, 'utf8'), Buffer.from([0])]);
      const header = Buffer.alloc(4);
      header.writeUInt8(type, 0);
      header.writeUInt16LE(v.length + 4, 2);
      return Buffer.concat([header, v]);
    }),
  );
  const header = Buffer.alloc(4);
  header.write('OA', 0, 'latin1');
  header.writeUInt16LE(body.length + 4, 2);
  return Buffer.concat([header, body]).toString('base64');
}

interface IntuneError {
  error: { code: string; message: string; innerError: { 'request-id': string; date: string } };
}

describe('import error codes', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      timeScale: 0,
      seed: {
        devices: [{ serialNumber: 'HERE0001', manufacturer: 'Contoso', model: 'M' }],
        otherTenantDevices: [{ serialNumber: 'FOREIGN01' }, { hardwareIdentifier: hashFor('FOREIGN02') }],
      },
    });
  });
  afterAll(async () => h.emu.stop());

  const outcome = async (id: string) => (await getImport(h.client, id)).state;

  it('802 for a hash that does not decode, or lacks serial or manufacturer', async () => {
    const records = await importDevices(h.client, [
      { serialNumber: 'BAD1', hardwareIdentifier: Buffer.from('not an OA3 record set').toString('base64') },
      { serialNumber: 'BAD2', hardwareIdentifier: hashWith([[16, 'Contoso']]) },
      { serialNumber: 'BAD3', hardwareIdentifier: hashWith([[14, 'BAD3']]) },
    ]);
    for (const r of records)
      expect(await outcome(r.id)).toMatchObject({
        deviceImportStatus: 'error',
        deviceErrorCode: 802,
        deviceErrorName: 'InvalidZtdHardwareHash',
        deviceRegistrationId: '',
      });
  });

  it('806 for a device already registered in this tenant, 808 for one another tenant owns', async () => {
    const records = await importDevices(h.client, [
      { serialNumber: 'HERE0001', hardwareIdentifier: hashFor('HERE0001') },
      { serialNumber: 'FOREIGN01', hardwareIdentifier: hashFor('FOREIGN01') },
      { serialNumber: 'FOREIGN02', hardwareIdentifier: hashFor('foreign02') },
    ]);
    expect(await outcome(records[0]!.id)).toMatchObject({
      deviceImportStatus: 'error',
      deviceErrorCode: 806,
      deviceErrorName: 'ZtdDeviceAlreadyAssigned',
    });
    expect(await outcome(records[1]!.id)).toMatchObject({
      deviceImportStatus: 'error',
      deviceErrorCode: 808,
      deviceErrorName: 'ZtdDeviceAssignedToOtherTenant',
    });
    expect(await outcome(records[2]!.id)).toMatchObject({ deviceErrorCode: 808 });
  });

  it('806 when a device imported earlier is imported again', async () => {
    const [first] = await importDevices(h.client, [{ serialNumber: 'AGAIN1', hardwareIdentifier: hashFor('AGAIN1') }]);
    expect((await outcome(first!.id)).deviceImportStatus).toBe('complete');
    const [second] = await importDevices(h.client, [
      {
        serialNumber: 'AGAIN1',
        hardwareIdentifier: generateHardwareHash({ serialNumber: 'AGAIN1', manufacturer: 'Contoso', model: 'M', seed: 'recaptured' }),
      },
    ]);
    expect(await outcome(second!.id)).toMatchObject({ deviceImportStatus: 'error', deviceErrorCode: 806 });
  });

  it('ZtdDeviceDuplicated for the second copy of a hash in one call; the first is processed', async () => {
    const hash = hashFor('TWICE1');
    const [a, b] = await importDevices(h.client, [
      { serialNumber: 'TWICE1', hardwareIdentifier: hash },
      { serialNumber: 'TWICE1', hardwareIdentifier: hash },
    ]);
    expect((await outcome(a!.id)).deviceImportStatus).toBe('complete');
    expect(await outcome(b!.id)).toMatchObject({ deviceImportStatus: 'error', deviceErrorName: 'ZtdDeviceDuplicated' });
  });

  it('400 with the Intune error shape for an unknown property, and for a hash that is not base64', async () => {
    const body = importBody([{ serialNumber: 'X1', hardwareIdentifier: hashFor('X1') }]) as {
      importedWindowsAutopilotDeviceIdentities: Record<string, unknown>[];
    };
    body.importedWindowsAutopilotDeviceIdentities[0]!.colour = 'blue';
    const unknown = await raw(h.client, 'POST', 'v1.0', '/deviceManagement/importedWindowsAutopilotDeviceIdentities/import', body);
    expect(unknown.status).toBe(400);
    const e = (unknown.body as IntuneError).error;
    expect(e.code).toBe('BadRequest');
    expect(JSON.parse(e.message).Message).toContain(
      "The property 'colour' does not exist on type 'microsoft.graph.importedWindowsAutopilotDeviceIdentity'",
    );
    expect(e.innerError['request-id']).toMatch(/^[0-9a-f-]{36}$/);

    const notBase64 = await raw(
      h.client,
      'POST',
      'v1.0',
      '/deviceManagement/importedWindowsAutopilotDeviceIdentities/import',
      importBody([{ serialNumber: 'X2', hardwareIdentifier: 'this is * not base64' }]),
    );
    expect(notBase64.status).toBe(400);
    const wrongType = await raw(h.client, 'POST', 'v1.0', '/deviceManagement/importedWindowsAutopilotDeviceIdentities/import', {
      importedWindowsAutopilotDeviceIdentities: [{ serialNumber: 42 }],
    });
    expect(wrongType.status).toBe(400);
  });

  it('creates a single record with POST (201) and lists, gets and deletes records', async () => {
    const one = (
      importBody([{ serialNumber: 'SINGLE1', hardwareIdentifier: hashFor('SINGLE1') }]) as {
        importedWindowsAutopilotDeviceIdentities: unknown[];
      }
    ).importedWindowsAutopilotDeviceIdentities[0];
    const created = await raw(h.client, 'POST', 'v1.0', '/deviceManagement/importedWindowsAutopilotDeviceIdentities', one);
    expect(created.status).toBe(201);
    const id = (created.body as { id: string }).id;
    expect((await outcome(id)).deviceImportStatus).toBe('complete');
    const list = (await h.client.api('/deviceManagement/importedWindowsAutopilotDeviceIdentities').get()) as { value: { id: string }[] };
    expect(list.value.map((r) => r.id)).toContain(id);
    // The service answers a DELETE of an import record with 200, even for an id it does not have
    // (microsoft-graph-docs #7129, docs-contrib #5844): only a GET's 404 shows the record is gone.
    expect((await raw(h.client, 'DELETE', 'v1.0', `/deviceManagement/importedWindowsAutopilotDeviceIdentities/${id}`)).status).toBe(200);
    const gone = await raw(h.client, 'GET', 'v1.0', `/deviceManagement/importedWindowsAutopilotDeviceIdentities/${id}`);
    expect(gone.status).toBe(404);
    expect((gone.body as IntuneError).error.code).toBe('NotFound');
    expect((await raw(h.client, 'DELETE', 'v1.0', `/deviceManagement/importedWindowsAutopilotDeviceIdentities/${id}`)).status).toBe(200);
  });
});
