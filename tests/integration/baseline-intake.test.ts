/**
 * The stack `npm start` runs: the tenant built from the default baseline through apply (not the
 * tutorial seed), the app given BASELINE_FILE instead of EXPECTED_* ids — and a dropped CSV's
 * devices confirmed against the objects apply created.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_APPLY_SCOPES, ADMIN_PLAN_SCOPES, delegatedToken } from '../../local/admin-token';
import { generateHardwareHash } from '../../local/fixtures/hardware-hash-generator';
import { defaultBaseline } from '../../shared/baseline/default';
import { diff } from '../../shared/baseline/diff';
import { DEFAULT_BASELINE_FILE } from '../../shared/baseline/files';
import { readTenant } from '../../shared/baseline/tenant-graph';
import { createClientGateway } from '../../shared/graph/client-gateway';
import { CONTAINERS } from '../../shared/storage/object-store';
import { drop, readReport, readText, waitForRun, withStack } from './support';

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

  it("a reconciliation plans the baseline read-only: clean, then a hand change shows in its report's Baseline drift section", async () => {
    const reconcile = async () => {
      const res = await fetch(`${stack.hostUrl}/api/reconcile?dryRun=true`, { method: 'POST' });
      const { reconcileId } = (await res.json()) as { reconcileId: string };
      const deadline = Date.now() + 120_000;
      for (;;) {
        const st = await fetch(`${stack.hostUrl}/api/reconcile/${reconcileId}`);
        const body = st.status === 200 ? ((await st.json()) as { runtimeStatus: string }) : undefined;
        if (body?.runtimeStatus === 'Completed') break;
        if (body?.runtimeStatus === 'Failed' || Date.now() > deadline)
          throw new Error(`${reconcileId}: ${JSON.stringify(body)}\n${stack.hostLog().slice(-3000)}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      const report = JSON.parse((await readText(stack, CONTAINERS.reports, `${reconcileId}/report.json`))!) as { baselineDrift?: unknown };
      return { report, summary: (await readText(stack, CONTAINERS.reports, `${reconcileId}/summary.md`))! };
    };
    const clean = await reconcile();
    expect(clean.report.baselineDrift).toEqual({ changes: 0, conflicts: 0, lines: [], more: 0 });
    expect(clean.summary).toContain(`## Baseline drift\n\nThe tenant matches the baseline (${DEFAULT_BASELINE_FILE}).`);

    // By hand in the portal: the ESP's timeout.
    const token = delegatedToken(ADMIN_APPLY_SCOPES);
    const admin = createClientGateway({ endpoint: stack.emulator.url, tokens: { getToken: async () => token } });
    const espId = diff(defaultBaseline(), (await readTenant(admin, defaultBaseline())).tenant).ids['autopilot-esp']!;
    const patched = await admin.send({
      op: 'updateEnrollmentConfiguration',
      params: { id: espId },
      body: {
        '@odata.type': '#microsoft.graph.windows10EnrollmentCompletionPageConfiguration',
        installProgressTimeoutInMinutes: 45,
      },
    });
    expect(patched.ok).toBe(true);
    const drifted = await reconcile();
    expect(drifted.report.baselineDrift).toEqual({
      changes: 1,
      conflicts: 0,
      lines: [`~ update ESP autopilot-esp (${espId})`, '    installProgressTimeoutInMinutes: 45 → 60'],
      more: 0,
    });
    expect(drifted.summary).toContain('1 change(s) and 0 conflict(s)');
    // Read only: the tenant still has the hand change.
    expect(diff(defaultBaseline(), (await readTenant(admin, defaultBaseline())).tenant).steps).toHaveLength(1);
  });
});
