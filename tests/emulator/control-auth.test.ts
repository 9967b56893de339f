import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmulatorGraphClient, startGraphEmulator, TUTORIAL_TENANT, type GraphEmulator } from '../../local/graph-emulator';
import { getImport, hashFor, importDevices, raw, startHarness, type Harness } from './support';

describe('authentication and error bodies', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h.emu.stop());

  it('answers 401 with an OData error when the bearer token is missing or empty', async () => {
    for (const headers of [{}, { Authorization: 'Bearer ' }, { Authorization: 'Basic abc' }] as Record<string, string>[]) {
      const r = await fetch(`${h.emu.url}/v1.0/devices`, { headers });
      expect(r.status).toBe(401);
      const body = (await r.json()) as { error: { code: string; message: string; innerError: Record<string, string> } };
      expect(body.error.code).toBe('InvalidAuthenticationToken');
      expect(body.error.innerError['request-id']).toMatch(/^[0-9a-f-]{36}$/);
      expect(body.error.innerError.date).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
    }
    const empty = await raw(h.clientFor(''), 'GET', 'v1.0', '/devices');
    expect(empty.status).toBe(401);
  });

  it('answers 501 for Graph paths it does not emulate, 405 for a wrong method, 400 for malformed JSON', async () => {
    const unknown = await raw(h.client, 'GET', 'v1.0', '/users');
    expect(unknown.status).toBe(501);
    expect((unknown.body as { error: { message: string } }).error.message).toContain('does not implement GET /v1.0/users');
    expect((await raw(h.client, 'PATCH', 'v1.0', '/deviceManagement/windowsAutopilotDeviceIdentities/x', {})).status).toBe(405);
    const bad = await fetch(`${h.emu.url}/v1.0/groups`, {
      method: 'POST',
      headers: { Authorization: 'Bearer t', 'Content-Type': 'application/json' },
      body: '{not json',
    });
    expect(bad.status).toBe(400);
    const badPath = await fetch(`${h.emu.url}/v1.0/groups/%E0%A4%A`, { headers: { Authorization: 'Bearer t' } });
    expect(badPath.status).toBe(400);
  });

  it('logs each request with time, method, path, status, batch flag and app id — never the token or a hash', async () => {
    h.emu.clearLog();
    const jwtPayload = Buffer.from(JSON.stringify({ appid: '11111111-2222-3333-4444-555555555555' })).toString('base64url');
    await raw(h.clientFor(`eyJhbGciOiJub25lIn0.${jwtPayload}.sig`), 'GET', 'v1.0', '/devices?$top=1');
    await importDevices(h.clientFor('secret-token'), [{ serialNumber: 'LOG1', hardwareIdentifier: hashFor('LOG1') }]);
    const response = await fetch(`${h.emu.url}/_emulator/log?since=0`);
    const text = await response.text();
    const log = JSON.parse(text) as {
      entries: { time: string; method: string; path: string; status: number; inBatch: boolean; appId: string }[];
    };
    expect(log.entries.map((e) => [e.method, e.path, e.status, e.inBatch])).toEqual([
      ['GET', '/v1.0/devices?$top=1', 200, false],
      ['POST', '/v1.0/deviceManagement/importedWindowsAutopilotDeviceIdentities/import', 200, false],
    ]);
    expect(log.entries[0]!.appId).toBe('11111111-2222-3333-4444-555555555555');
    expect(log.entries[1]!.appId).toMatch(/^token:[0-9a-f]{12}$/);
    expect(Date.parse(log.entries[0]!.time)).not.toBeNaN();
    expect(text).not.toContain('secret-token');
    expect(text).not.toContain(hashFor('LOG1').slice(0, 40));
    const summary = (await (await fetch(`${h.emu.url}/_emulator/log/summary`)).json()) as { roundTrips: number; operations: number };
    expect(summary).toMatchObject({ roundTrips: 2, operations: 2 });
  });
});

describe('control API', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ timeScale: 1 });
  });
  afterAll(async () => h.emu.stop());

  const control = async (method: string, path: string, body?: unknown) => {
    const r = await fetch(`${h.emu.url}/_emulator${path}`, {
      method,
      headers: { 'Content-Type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  };

  it('seeds, resets, advances the clock and changes settings at runtime', async () => {
    expect(
      (
        await control('POST', '/seed', {
          groups: [{ displayName: 'Seeded', membershipRule: '(device.devicePhysicalIds -any (_ -contains "[ZTDID]"))' }],
        })
      ).status,
    ).toBe(200);
    expect(((await h.client.api('/groups').filter("displayName eq 'Seeded'").get()) as { value: unknown[] }).value).toHaveLength(1);
    const invalid = await control('POST', '/seed', { groups: [{ displayName: 'Bad', membershipRule: '(device.colour -eq "x")' }] });
    expect(invalid.status).toBe(400);
    expect(String(invalid.body.error)).toContain("group 'Bad'");
    expect((await control('POST', '/seed', { devices: [{ colour: 'x' }] })).status).toBe(400);

    const [record] = await importDevices(h.client, [{ serialNumber: 'CLK1', hardwareIdentifier: hashFor('CLK1') }]);
    expect((await getImport(h.client, record!.id)).state.deviceImportStatus).toBe('unknown');
    const advanced = await control('POST', '/clock/advance', { minutes: 2 });
    expect(advanced.status).toBe(200);
    expect((await getImport(h.client, record!.id)).state.deviceImportStatus).toBe('complete');

    const patched = await control('PATCH', '/settings', { timeScale: 0, throttling: true, faults: { latencyMs: 5 } });
    expect(patched.body).toMatchObject({ timeScale: 0, throttling: true, faults: { latencyMs: 5, errorRate: 0 } });
    expect((await control('PATCH', '/settings', { timeScale: -1 })).status).toBe(400);
    expect((await control('PATCH', '/settings', { colour: 1 })).status).toBe(400);
    await control('PATCH', '/settings', { throttling: false, faults: { latencyMs: 0 } });

    expect((await control('POST', '/reset')).status).toBe(200);
    expect(((await h.client.api('/groups').get()) as { value: unknown[] }).value).toHaveLength(0);
    expect((await raw(h.client, 'GET', 'v1.0', `/deviceManagement/importedWindowsAutopilotDeviceIdentities/${record!.id}`)).status).toBe(
      404,
    );
    const configs = (await h.client.api('/deviceManagement/deviceEnrollmentConfigurations').get()) as { value: { id: string }[] };
    expect(configs.value.map((c) => c.id)).toEqual([TUTORIAL_TENANT.defaultEspId]);
    expect((await control('GET', '/nope')).status).toBe(404);
  });
});

describe('state file and CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'graph-emulator-state-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps the tenant across a restart with --state', async () => {
    const stateFile = join(dir, 'tenant.json');
    let emu: GraphEmulator = await startGraphEmulator({ timeScale: 0, stateFile });
    const client = createEmulatorGraphClient({ url: emu.url, token: 't' });
    const [record] = await importDevices(client, [{ serialNumber: 'KEEP1', hardwareIdentifier: hashFor('KEEP1') }]);
    const ztd = (await getImport(client, record!.id)).state.deviceRegistrationId;
    await emu.stop();
    // The seed is for fresh tenants: a restored one keeps its state and ignores it.
    emu = await startGraphEmulator({ timeScale: 0, stateFile, seed: { devices: [{ serialNumber: 'KEEP1' }] } });
    try {
      const again = createEmulatorGraphClient({ url: emu.url, token: 't' });
      expect((await getImport(again, record!.id)).state.deviceRegistrationId).toBe(ztd);
      expect((await raw(again, 'GET', 'v1.0', `/deviceManagement/windowsAutopilotDeviceIdentities/${ztd}`)).status).toBe(200);
      const [dup] = await importDevices(again, [{ serialNumber: 'KEEP1', hardwareIdentifier: hashFor('KEEP1') }]);
      expect((await getImport(again, dup!.id)).state.deviceErrorCode).toBe(806);
    } finally {
      await emu.stop();
    }
  });

  it('starts from the CLI with a seed on a port it binds itself and prints one ready line naming it', async () => {
    const seedFile = join(dir, 'seed.json');
    writeFileSync(seedFile, JSON.stringify({ devices: [{ serialNumber: 'CLI1' }] }));
    // Port 0: the CLI binds a free port itself and names it, so no other process can take it first.
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'local/graph-emulator/cli.ts', '--port', '0', '--time-scale', '0', '--seed', seedFile, '--throttling'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        const timer = setTimeout(() => reject(new Error(`no ready line within 60 s: ${out}`)), 60_000);
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          if (out.includes('\n')) {
            clearTimeout(timer);
            resolve(out.split('\n')[0]!);
          }
        });
        void exited.then(() => {
          clearTimeout(timer);
          reject(new Error(`CLI exited with ${child.exitCode ?? child.signalCode}: ${out}`));
        });
      });
      const ready = /^graph-emulator ready (http:\/\/127\.0\.0\.1:(\d+)) \(time scale 0, throttling on\)$/.exec(line);
      expect(ready, line).not.toBeNull();
      const url = ready?.[1] ?? '';
      expect(Number(ready?.[2])).toBeGreaterThan(0);
      const r = await fetch(`${url}/v1.0/deviceManagement/windowsAutopilotDeviceIdentities`, { headers: { Authorization: 'Bearer t' } });
      expect(((await r.json()) as { value: { serialNumber: string }[] }).value.map((d) => d.serialNumber)).toEqual(['CLI1']);
      const settings = (await (await fetch(`${url}/_emulator/settings`)).json()) as { throttling: boolean };
      expect(settings.throttling).toBe(true);
    } finally {
      // A CLI that already exited has fired 'exit': waiting for another would hang the test.
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    }
  });

  it('rejects bad CLI arguments loudly', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'local/graph-emulator/cli.ts', '--time-scale', 'fast'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    expect(err).toContain('time-scale');
  });
});
