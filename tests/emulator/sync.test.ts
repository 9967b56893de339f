import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { raw, startHarness, type Harness } from './support';

interface AutopilotSettings {
  lastSyncDateTime: string;
  lastManualSyncTriggerDateTime: string;
  syncStatus: string;
}

describe('the Autopilot sync window', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ timeScale: 1 });
  });
  afterAll(async () => h.emu.stop());

  const sync = () => raw(h.client, 'POST', 'beta', '/deviceManagement/windowsAutopilotSettings/sync');
  const settings = async () => (await raw(h.client, 'GET', 'beta', '/deviceManagement/windowsAutopilotSettings')).body as AutopilotSettings;

  it('starts with no sync, then 204 → 409 while running → 429 within ten minutes → 204 after', async () => {
    const before = await settings();
    expect(before).toMatchObject({
      syncStatus: 'unknown',
      lastSyncDateTime: '0001-01-01T00:00:00Z',
      lastManualSyncTriggerDateTime: '0001-01-01T00:00:00Z',
    });

    expect((await sync()).status).toBe(204);
    const running = await settings();
    expect(running.syncStatus).toBe('inProgress');
    const conflict = await sync();
    expect(conflict.status).toBe(409);
    expect((conflict.body as { error: { code: string } }).error.code).toBe('Conflict');

    await h.emu.advanceClock(h.emu.settings().delays.syncRunMs);
    const finished = await settings();
    expect(finished.syncStatus).toBe('completed');
    expect(Date.parse(finished.lastSyncDateTime)).toBeGreaterThanOrEqual(Date.parse(running.lastManualSyncTriggerDateTime));

    const tooSoon = await sync();
    expect(tooSoon.status).toBe(429);
    const retryAfter = Number(tooSoon.headers.get('Retry-After'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(600);

    await h.emu.advanceClock(retryAfter * 1000);
    expect((await sync()).status).toBe(204);
    expect(Date.parse((await settings()).lastManualSyncTriggerDateTime)).toBeGreaterThan(Date.parse(running.lastManualSyncTriggerDateTime));
  });

  it('keeps the ten-minute floor at time scale 0, where the sync itself is instant', async () => {
    h.emu.updateSettings({ timeScale: 0 });
    await h.emu.advanceClock(10 * 60_000);
    expect((await sync()).status).toBe(204);
    expect((await settings()).syncStatus).toBe('completed');
    expect((await sync()).status).toBe(429);
  });
});
