/**
 * The stack `npm start` runs: the tenant built from the default baseline through apply (not the
 * tutorial seed), the app given BASELINE_FILE instead of EXPECTED_* ids — and a dropped CSV's
 * devices confirmed against the objects apply created.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PLAN_SCOPES, delegatedToken } from '../../local/admin-token';
import { generateHardwareHash } from '../../local/fixtures/hardware-hash-generator';
import { defaultBaseline } from '../../shared/baseline/default';
import { diff } from '../../shared/baseline/diff';
import { DEFAULT_BASELINE_FILE } from '../../shared/baseline/files';
import { readTenant } from '../../shared/baseline/tenant-graph';
import { createClientGateway } from '../../shared/graph/client-gateway';
import { drop, readReport, waitForRun, withStack } from './support';

type Stack = Awaited<ReturnType<typeof withStack>>;

const hash = (serial: string) => generateHardwareHash({ serialNumber: serial, manufacturer: 'Contoso', model: 'Surface Laptop 7' });
const csv = (rows: string[]) => ['Device Serial Number,Windows Product ID,Hardware Hash,Group Tag', ...rows].join('\r\n') + '\r\n';

describe('local stack built from the baseline', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await withStack({ baseline: DEFAULT_BASELINE_FILE, appSettings: { POLL_INITIAL_SECONDS: '0.2', POLL_MAX_SECONDS: '1' } });
  }, 120_000);
  afterAll(async () => stack?.dispose());

  it('the app is configured by BASELINE_FILE; the tenant matches the baseline; an intake run confirms against the applied objects', async () => {
    expect(stack.appSettings.BASELINE_FILE).toBe(DEFAULT_BASELINE_FILE);
    expect(stack.appSettings.EXPECTED_PROFILE_ID).toBeUndefined();
    const token = delegatedToken(ADMIN_PLAN_SCOPES);
    const admin = createClientGateway({ endpoint: stack.emulator.url, tokens: { getToken: async () => token } });
    const plan = diff(defaultBaseline(), (await readTenant(admin, defaultBaseline())).tenant);
    expect(plan.steps).toEqual([]);

    const { runId } = await drop(stack, 'oem/contoso/baseline.csv', csv([`BL-0001,,${hash('BL-0001')},`, `BL-0002,,${hash('BL-0002')},`]));
    const status = await waitForRun(stack, runId);
    expect(status.output).toMatchObject({ status: 'completed', counts: { confirmed: 2, failed: 0 } });
    const report = await readReport(stack, runId);
    expect(report.rows.map((r) => r.device?.result)).toEqual(['confirmed', 'confirmed']);
    // Confirmed against the applied profile: its assigned devices are the two dropped.
    const assigned = await admin.listAll({ op: 'listProfileAssignedDevices', params: { id: plan.ids['autopilot-user-driven']! } });
    expect(assigned.ok && assigned.items.map((d) => (d as { serialNumber: string }).serialNumber).sort()).toEqual(['BL-0001', 'BL-0002']);
  });
});
