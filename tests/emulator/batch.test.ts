import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashFor, importBody, raw, startHarness, type Harness } from './support';

interface BatchResponse {
  responses: { id: string; status: number; headers: Record<string, string>; body?: unknown }[];
}

describe('$batch', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      timeScale: 0,
      seed: { generatedDevices: { count: 3, serialPrefix: 'B', manufacturer: 'Contoso', model: 'M' } },
    });
  });
  afterAll(async () => h.emu.stop());

  const batch = async (requests: unknown[], version: 'v1.0' | 'beta' = 'v1.0') => raw(h.client, 'POST', version, '/$batch', { requests });

  it('runs up to 20 requests, each with its own status, relative to the batch version', async () => {
    const result = await batch(
      [
        { id: '1', method: 'GET', url: '/devices?$top=2' },
        { id: '2', method: 'GET', url: '/deviceManagement/windowsAutopilotSettings' },
        {
          id: '3',
          method: 'POST',
          url: '/deviceManagement/importedWindowsAutopilotDeviceIdentities/import',
          headers: { 'Content-Type': 'application/json' },
          body: importBody([{ serialNumber: 'BATCH1', hardwareIdentifier: hashFor('BATCH1') }]),
        },
      ],
      'beta',
    );
    expect(result.status).toBe(200);
    const byId = new Map((result.body as BatchResponse).responses.map((r) => [r.id, r]));
    expect(byId.get('1')!.status).toBe(200);
    expect((byId.get('1')!.body as { value: unknown[] }).value).toHaveLength(2);
    expect(byId.get('2')!.status).toBe(200);
    expect(byId.get('3')!.status).toBe(200);
    const v1 = await batch([{ id: 'a', method: 'GET', url: '/deviceManagement/windowsAutopilotSettings' }]);
    expect((v1.body as BatchResponse).responses[0]!.status).toBe(400);
  });

  it('gives 424 to requests whose dependency failed, transitively', async () => {
    const result = await batch([
      { id: '1', method: 'GET', url: '/groups/00000000-0000-0000-0000-000000000000' },
      { id: '2', method: 'GET', url: '/devices', dependsOn: ['1'] },
      { id: '3', method: 'GET', url: '/devices', dependsOn: ['2'] },
      { id: '4', method: 'GET', url: '/devices' },
    ]);
    const statuses = Object.fromEntries((result.body as BatchResponse).responses.map((r) => [r.id, r.status]));
    expect(statuses).toEqual({ '1': 404, '2': 424, '3': 424, '4': 200 });
  });

  it('rejects a malformed batch with 400: more than 20, duplicate ids, unknown dependency, body without Content-Type', async () => {
    const many = Array.from({ length: 21 }, (_, i) => ({ id: String(i), method: 'GET', url: '/devices' }));
    expect((await batch(many)).status).toBe(400);
    expect(
      (
        await batch([
          { id: '1', method: 'GET', url: '/devices' },
          { id: '1', method: 'GET', url: '/groups' },
        ])
      ).status,
    ).toBe(400);
    expect((await batch([{ id: '1', method: 'GET', url: '/devices', dependsOn: ['9'] }])).status).toBe(400);
    expect((await batch([{ id: '1', method: 'POST', url: '/groups', body: { displayName: 'x' } }])).status).toBe(400);
    expect((await batch([{ id: '1', method: 'GET', url: 'https://graph.microsoft.com/v1.0/devices' }])).status).toBe(400);
  });

  it('logs the batch once as a round trip and each inner request as an operation', async () => {
    h.emu.clearLog();
    await batch([
      { id: '1', method: 'GET', url: '/devices' },
      { id: '2', method: 'GET', url: '/groups' },
    ]);
    const summary = h.emu.logSummary();
    expect(summary).toMatchObject({ roundTrips: 1, operations: 2, batches: 1 });
    const { entries } = h.emu.requestLog();
    expect(entries.filter((e) => e.inBatch).map((e) => e.path)).toEqual(['/v1.0/devices', '/v1.0/groups']);
  });
});
