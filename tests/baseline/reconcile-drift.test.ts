/**
 * The reconciliation's baseline section on the emulated tenant: a read-only plan under the app's own
 * (read-mostly) token finds a hand change and writes nothing; an unreadable file or a missing
 * permission is the section's error, never a thrown stop.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ADMIN_APPLY_SCOPES, delegatedToken } from '../../local/admin-token';
import { appToken, grantedAppRoles } from '../../local/app-token';
import { REPO_ROOT } from '../../local/stack';
import { createEmulatorGraphClient, startGraphEmulator, type GraphEmulator } from '../../local/graph-emulator';
import { readAppBaseline } from '../../shared/baseline/app-config';
import { converge } from '../../shared/baseline/converge';
import { defaultBaseline, renderDefaultBaseline } from '../../shared/baseline/default';
import { runBaselineDrift } from '../../shared/reconcile/baseline-drift';
import { createClientGateway } from '../../shared/graph/client-gateway';
import { raw } from '../emulator/support';

const dir = mkdtempSync(join(tmpdir(), 'reconcile-baseline-'));
const file = join(dir, 'tenant.json');
writeFileSync(file, renderDefaultBaseline());
let emulator: GraphEmulator | undefined;
afterEach(async () => {
  await emulator?.stop();
  emulator = undefined;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const step = (baselineFile: string | undefined) => ({
  reconcileId: 'reconcile-20261207T030000000Z',
  now: '2026-12-07T03:00:00.000Z',
  settings: { mode: 'report-only' as const, stuckMinutes: 120, ...(baselineFile ? { baselineFile } : {}) },
});

describe('baseline drift in the reconciliation', () => {
  it('the app identity plans read-only: clean after apply, then a hand change is found and nothing is written', async () => {
    emulator = await startGraphEmulator({ timeScale: 0 });
    const admin = delegatedToken(ADMIN_APPLY_SCOPES);
    await converge(createClientGateway({ endpoint: emulator.url, tokens: { getToken: async () => admin } }), defaultBaseline());
    const app = appToken(grantedAppRoles(REPO_ROOT));
    const graph = createClientGateway({ endpoint: emulator.url, tokens: { getToken: async () => app } });
    expect(await runBaselineDrift({ graph, readBaseline: readAppBaseline }, step(file))).toEqual({
      changes: 0,
      conflicts: 0,
      lines: [],
      more: 0,
    });

    const hand = createEmulatorGraphClient({ url: emulator.url, token: 't' });
    const esps = (await raw(hand, 'GET', 'beta', '/deviceManagement/deviceEnrollmentConfigurations')).body as {
      value: { id: string; displayName: string }[];
    };
    const esp = esps.value.find((e) => e.displayName === 'Autopilot ESP')!;
    expect(
      (
        await raw(hand, 'PATCH', 'beta', `/deviceManagement/deviceEnrollmentConfigurations/${esp.id}`, {
          installProgressTimeoutInMinutes: 30,
        })
      ).status,
    ).toBe(200);
    const writesBefore = emulator.requestLog().entries.filter((r) => r.method !== 'GET').length;
    const drift = await runBaselineDrift({ graph, readBaseline: readAppBaseline }, step(file));
    expect(drift).toMatchObject({ changes: 1, conflicts: 0, more: 0 });
    expect(drift.lines).toEqual([`~ update ESP autopilot-esp (${esp.id})`, '    installProgressTimeoutInMinutes: 30 → 60']);
    expect(emulator.requestLog().entries.filter((r) => r.method !== 'GET').length).toBe(writesBefore);
  });

  it('an unreadable baseline file and a refused read are the section’s error', async () => {
    emulator = await startGraphEmulator({ timeScale: 0 });
    const app = appToken(grantedAppRoles(REPO_ROOT));
    const graph = createClientGateway({ endpoint: emulator.url, tokens: { getToken: async () => app }, maxInnerRetries: 0 });
    const missing = await runBaselineDrift({ graph, readBaseline: readAppBaseline }, step(join(dir, 'nope.json')));
    expect(missing.error).toMatch(/BASELINE_FILE: .*nope\.json does not exist/);

    const narrow = delegatedToken(['Device.Read.All']);
    const denied = createClientGateway({ endpoint: emulator.url, tokens: { getToken: async () => narrow }, maxInnerRetries: 0 });
    const refused = await runBaselineDrift({ graph: denied, readBaseline: readAppBaseline }, step(file));
    expect(refused).toMatchObject({ changes: 0, conflicts: 0, lines: [] });
    expect(refused.error).toMatch(/listGroups.*GroupMember\.Read\.All/);
  });
});
