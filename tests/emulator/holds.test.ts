import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSeedFile, TUTORIAL_TENANT } from '../../local/graph-emulator';
import { hashFor, importBody, pollUntil, startHarness, type Harness } from './support';

/**
 * Holds make "the call is in flight" a moment a test can wait for: `before` — the service has not
 * seen the request (dropped if its client goes away), `after` — it processed it and the answer waits.
 */
describe('request holds (control API)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ timeScale: 0, seed: readSeedFile(TUTORIAL_TENANT.seedFile) });
  });
  afterAll(async () => h.emu.stop());

  const importCall = (serial: string, signal?: AbortSignal) =>
    fetch(`${h.emu.url}/v1.0/deviceManagement/importedWindowsAutopilotDeviceIdentities/import`, {
      method: 'POST',
      headers: { Authorization: 'Bearer t', 'Content-Type': 'application/json' },
      body: JSON.stringify(importBody([{ serialNumber: serial, hardwareIdentifier: hashFor(serial) }])),
      ...(signal ? { signal } : {}),
    });
  const records = async () =>
    (
      (await (
        await fetch(`${h.emu.url}/v1.0/deviceManagement/importedWindowsAutopilotDeviceIdentities`, {
          headers: { Authorization: 'Bearer t' },
        })
      ).json()) as { value: { serialNumber: string }[] }
    ).value.map((r) => r.serialNumber);

  it('before: a held request whose client went away is never processed', async () => {
    h.emu.hold({ method: 'POST', path: '/import', when: 'before' });
    const abort = new AbortController();
    const call = importCall('HOLD-B1', abort.signal).catch(() => 'aborted');
    await pollUntil(
      'the request held',
      async () => h.emu.holds().waiting.length,
      (n) => n === 1,
    );
    abort.abort();
    expect(await call).toBe('aborted');
    await pollUntil(
      'the emulator to see the client gone',
      async () => h.emu.holds().waiting[0]?.clientGone,
      (gone) => gone === true,
    );
    expect(h.emu.releaseHolds()).toBe(1);
    await new Promise((r) => setTimeout(r, 50));
    expect(await records()).not.toContain('HOLD-B1');
  });

  it('after: a held request was processed; its answer comes on release', async () => {
    h.emu.hold({ method: 'POST', path: '/import', when: 'after' });
    const call = importCall('HOLD-A1');
    await pollUntil(
      'the request held',
      async () => h.emu.holds().waiting.length,
      (n) => n === 1,
    );
    expect(await records()).toContain('HOLD-A1'); // processed while its answer waits
    h.emu.releaseHolds();
    expect((await call).status).toBe(200);
  });

  it('a $batch is held when one of its requests matches: after, the batch was processed and its answer waits', async () => {
    h.emu.hold({ method: 'POST', path: '/import', when: 'after' });
    const call = fetch(`${h.emu.url}/v1.0/$batch`, {
      method: 'POST',
      headers: { Authorization: 'Bearer t', 'Content-Type': 'application/json' },
      body: JSON.stringify({
        requests: [
          { id: '1', method: 'GET', url: '/deviceManagement/importedWindowsAutopilotDeviceIdentities' },
          {
            id: '2',
            method: 'POST',
            url: '/deviceManagement/importedWindowsAutopilotDeviceIdentities/import',
            headers: { 'Content-Type': 'application/json' },
            body: importBody([{ serialNumber: 'HOLD-BATCH1', hardwareIdentifier: hashFor('HOLD-BATCH1') }]),
          },
        ],
      }),
    });
    await pollUntil(
      'the batch held',
      async () => h.emu.holds().waiting.length,
      (n) => n === 1,
    );
    expect(await records()).toContain('HOLD-BATCH1');
    h.emu.releaseHolds();
    expect((await call).status).toBe(200);
  });

  it('holds only what matches, as many as asked, and the control API shows them', async () => {
    const res = await fetch(`${h.emu.url}/_emulator/holds`, {
      method: 'POST',
      body: JSON.stringify({ method: 'POST', path: '/import', when: 'before', count: 1 }),
    });
    expect(await res.json()).toMatchObject({ rules: [{ path: '/import', when: 'before', left: 1 }], waiting: [] });
    expect(
      (
        await fetch(`${h.emu.url}/v1.0/deviceManagement/importedWindowsAutopilotDeviceIdentities`, {
          headers: { Authorization: 'Bearer t' },
        })
      ).status,
    ).toBe(200);
    const held = importCall('HOLD-C1');
    const free = importCall('HOLD-C2');
    expect((await free).status).toBe(200); // count 1: the second is not held
    expect(((await (await fetch(`${h.emu.url}/_emulator/holds`)).json()) as { waiting: unknown[] }).waiting).toHaveLength(1);
    await fetch(`${h.emu.url}/_emulator/holds/release`, { method: 'POST' });
    expect((await held).status).toBe(200);
  });
});
