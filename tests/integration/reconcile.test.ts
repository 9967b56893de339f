/**
 * Reconciliation on the local stack, against the emulator's tenant of 20,000 registrations: the
 * ledger comes from real intake runs, each drift is injected through the emulator's drift control
 * API, and the emulator's request log is the witness of every write.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateHardwareHash } from '../../local/fixtures/hardware-hash-generator';
import { appToken } from '../../local/app-token';
import { tutorialSeed } from '../../local/stack';
import { TUTORIAL_TENANT } from '../../local/graph-emulator/seeds/tutorial-tenant';
import type { LogEntry } from '../../local/graph-emulator';
import { CONTAINERS } from '../../shared/storage/object-store';
import { drop, readReport, readText, waitForRun, withStack } from './support';

type Stack = Awaited<ReturnType<typeof withStack>>;
const TENANT_SIZE = 20_000;
const OURS = 120;
const hash = (serial: string) => generateHardwareHash({ serialNumber: serial, manufacturer: 'Fabrikam', model: 'Book 3' });
const serialOf = (prefix: string, i: number) => `${prefix}-${String(i).padStart(4, '0')}`;
const csvFor = (prefix: string, count: number, tag = '') =>
  [
    'Device Serial Number,Windows Product ID,Hardware Hash,Group Tag',
    ...Array.from({ length: count }, (_, i) => `${serialOf(prefix, i)},,${hash(serialOf(prefix, i))},${tag}`),
  ].join('\r\n') + '\r\n';

interface Finding {
  serialNumber: string;
  class: string;
  ztdId?: string;
  evidence: string[];
  auto: { kind: string }[];
  proposed: { kind: string }[];
  results?: ({ outcome: string; detail?: string } | null)[];
}
interface ReconcileReport {
  byClass: Record<string, number>;
  repair?: { done: number; notNeeded: number; skipped: number; failed: number; writes: number };
  findings: Finding[];
}

async function drift(stack: Stack, name: string, body: unknown): Promise<{ id: string }> {
  const res = await fetch(`${stack.emulator.url}/_emulator/drift/${name}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status !== 200) throw new Error(`drift ${name}: ${res.status} ${await res.text()}`);
  return (await res.json()) as { id: string };
}

/** An admin pausing or resuming a rule in the portal (a write the app itself may not make). */
async function setRuleProcessing(stack: Stack, groupId: string, state: 'On' | 'Paused'): Promise<void> {
  const res = await fetch(`${stack.emulator.url}/v1.0/groups/${groupId}`, {
    method: 'PATCH',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${appToken(['Group.ReadWrite.All'], 'admin-portal')}` },
    body: JSON.stringify({ membershipRuleProcessingState: state }),
  });
  if (res.status !== 204) throw new Error(`PATCH group: ${res.status} ${await res.text()}`);
}

async function reconcile(stack: Stack, query = ''): Promise<{ reconcileId: string; report: ReconcileReport }> {
  const res = await fetch(`${stack.hostUrl}/api/reconcile${query}`, { method: 'POST' });
  const { reconcileId } = (await res.json()) as { reconcileId: string };
  await waitForReconcile(stack, reconcileId);
  const text = await readText(stack, CONTAINERS.reports, `${reconcileId}/report.json`);
  return { reconcileId, report: JSON.parse(text!) as ReconcileReport };
}

async function waitForReconcile(stack: Stack, reconcileId: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(`${stack.hostUrl}/api/reconcile/${reconcileId}`);
    const body = res.status === 200 ? ((await res.json()) as { runtimeStatus: string; output?: unknown }) : undefined;
    if (body?.runtimeStatus === 'Completed') return;
    if (body?.runtimeStatus === 'Failed')
      throw new Error(`${reconcileId} failed: ${JSON.stringify(body.output)}\n${stack.hostLog().slice(-3000)}`);
    if (Date.now() > deadline) throw new Error(`${reconcileId} not done: ${JSON.stringify(body)}\n${stack.hostLog().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The writes the app made (inner requests of batches included; the $batch wrapper and reads not). */
function appWrites(stack: Stack, since: number): LogEntry[] {
  return stack.emulator
    .requestLog(since, 1_000_000, true)
    .entries.filter((e) => e.method !== 'GET' && !e.batch && e.appId !== 'admin-portal' && !e.path.startsWith('/_emulator'));
}
/** The log's last sequence number: what came after it is the next step's. */
function seqNow(stack: Stack): number {
  let next = 0;
  for (let page = stack.emulator.requestLog(0, 10_000); page.entries.length > 0; page = stack.emulator.requestLog(next, 10_000))
    next = page.next;
  return next;
}
const byClass = (r: ReconcileReport, cls: string) => r.findings.filter((f) => f.class === cls);

describe('reconciliation on the local stack (20,000-registration tenant)', () => {
  let stack: Stack;
  let run1: string;
  let run2: string;
  const late: string[] = [];
  const ztd = new Map<string, string>();

  beforeAll(async () => {
    const seed = tutorialSeed();
    stack = await withStack({
      seed: { ...seed, generatedDevices: { count: TENANT_SIZE - OURS - 3, serialPrefix: 'FOREIGN-', enrollmentState: 'enrolled' } },
      // Group stage deadline short enough that a paused rule fails a run within the test; stuck = pending for over 1 s.
      appSettings: { POLL_INITIAL_SECONDS: '0.3', POLL_MAX_SECONDS: '1', GROUP_DEADLINE_MINUTES: '0.15', RECONCILE_STUCK_MINUTES: '0.016' },
    });
    // The ledger, from real intake runs: 120 devices in order...
    const first = await drop(stack, 'oem/ours.csv', csvFor('OURS', OURS, 'Sales'));
    run1 = first.runId;
    await waitForRun(stack, run1, 180_000);
    for (const row of (await readReport(stack, run1)).rows) ztd.set(row.serialNumber!, row.device!.ztdId!);
    // ...and 3 the next run reported failed by its group deadline, while an admin had paused the rule.
    await setRuleProcessing(stack, TUTORIAL_TENANT.autopilotGroupId, 'Paused');
    const second = await drop(stack, 'oem/late.csv', csvFor('LATE', 3, 'Sales'));
    run2 = second.runId;
    await waitForRun(stack, run2, 180_000);
    const report2 = await readReport(stack, run2);
    for (const row of report2.rows) {
      expect(row.device?.result).toBe('failed');
      late.push(row.serialNumber!);
    }
    await setRuleProcessing(stack, TUTORIAL_TENANT.autopilotGroupId, 'On');
  }, 600_000);
  afterAll(async () => stack?.dispose());

  it('finds each drift, repairs the auto tier, proposes the rest, and writes to nothing foreign', async () => {
    const s = (i: number) => serialOf('OURS', i);
    await drift(stack, 'group-tag', { serialNumber: s(0), groupTag: 'Hand-Changed' });
    await drift(stack, 'enrollment-state', { serialNumber: s(1), enrollmentState: 'enrolled' });
    await drift(stack, 'group-tag', { serialNumber: s(1), groupTag: 'Moved' });
    await drift(stack, 'delete-entra-device', { serialNumber: s(2) });
    await drift(stack, 'remove-ztdid', { serialNumber: s(3) });
    await drift(stack, 'profile-status', { serialNumber: s(4), status: 'failed', detailedStatus: 'hardwareRequirementsNotMet' });
    await drift(stack, 'profile-status', { serialNumber: s(5), status: 'pending' });
    await drift(stack, 'duplicate-registration', { serialNumber: s(6) });
    const records = (await (
      await fetch(`${stack.emulator.url}/_emulator/drift/import-records`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          records: [
            { serialNumber: s(7), importId: `${run1}-c0`, status: 'complete' },
            { serialNumber: s(8), importId: `${run1}-c1`, status: 'pending' },
            { serialNumber: 'FOREIGN-1', importId: 'Kieselbach-2026-11', status: 'complete' },
            { serialNumber: 'FOREIGN-2', importId: 'WindowsAutopilotIntune', status: 'error', errorCode: 806 },
          ],
        }),
      })
    ).json()) as { records: { id: string; importId: string }[] };
    await new Promise((r) => setTimeout(r, 1500)); // s(5)'s pending outlives RECONCILE_STUCK_MINUTES
    const since = seqNow(stack);

    const { report } = await reconcile(stack);
    const one = (cls: string) => byClass(report, cls).map((f) => f.serialNumber);
    expect(one('group-tag-drift').sort()).toEqual([s(0), s(1)]);
    expect(one('entra-device-deleted')).toEqual([s(2)]);
    expect(one('ztdid-mismatch')).toEqual([s(3)]);
    expect(one('profile-failed')).toEqual([s(4)]);
    expect(one('profile-stuck')).toEqual([s(5)]);
    expect(one('duplicate-registration')).toEqual([s(6)]);
    expect(one('late-success').sort()).toEqual([...late].sort());
    expect(one('leftover-import-record').sort()).toEqual([s(7), s(8)]);
    expect(report.byClass['foreign']).toBe(TENANT_SIZE - OURS - 3);
    expect(report.byClass['in-order']).toBe(OURS - 7);
    // Evidence an admin can check.
    expect(byClass(report, 'profile-failed')[0]!.evidence[0]).toContain('hardwareRequirementsNotMet');

    // The tiers: auto done, proposals waiting, the pending record left alone.
    const tagged = byClass(report, 'group-tag-drift');
    expect(tagged.find((f) => f.serialNumber === s(0))!.results).toEqual([{ outcome: 'done', detail: '"Hand-Changed" → "Sales"' }]);
    expect(tagged.find((f) => f.serialNumber === s(1))!.proposed.map((p) => p.kind)).toEqual(['retag-enrolled']);
    expect(byClass(report, 'entra-device-deleted')[0]!.proposed.map((p) => p.kind)).toEqual(['delete-and-reimport']);
    expect(byClass(report, 'leftover-import-record').find((f) => f.serialNumber === s(8))!.auto).toEqual([]);
    for (const f of byClass(report, 'late-success'))
      expect(f.results).toEqual([{ outcome: 'done', detail: expect.stringContaining('follow-up') }]);
    // The run that reported them failed gets a follow-up note beside its report (which stays as written).
    const followUp = (await readText(stack, CONTAINERS.reports, `${run2}/follow-up.md`))!;
    for (const serial of late) expect(followUp).toContain(`| ${serial} | NotInExpectedGroup at group |`);

    // The request log: the only writes are the tag on s(0) and the DELETE of our settled record —
    // and a sync for s(5), unless the intake runs' sync minutes ago still closes the window.
    const isSync = (e: LogEntry) => e.path.includes('windowsAutopilotSettings/sync');
    const writes = appWrites(stack, since)
      .filter((e) => !isSync(e))
      .map((e) => `${e.method} ${e.path.replace(/\?.*$/, '')}`);
    const ownSettled = records.records.find((r) => r.importId === `${run1}-c0`)!.id;
    expect(writes.sort()).toEqual(
      [
        `DELETE /v1.0/deviceManagement/importedWindowsAutopilotDeviceIdentities/${ownSettled}`,
        `POST /v1.0/deviceManagement/windowsAutopilotDeviceIdentities/${ztd.get(s(0))}/updateDeviceProperties`,
      ].sort(),
    );
    expect(appWrites(stack, since).filter(isSync).length).toBeLessThanOrEqual(1);
    const foreignIds = new Set(byClass(report, 'foreign').map((f) => f.ztdId));
    expect(appWrites(stack, since).filter((e) => [...foreignIds].some((id) => id && e.path.includes(id)))).toEqual([]);
  }, 300_000);

  it('a second reconciliation right after finds nothing new and writes nothing', async () => {
    const since = seqNow(stack);
    const { report } = await reconcile(stack);
    expect(report.repair).toMatchObject({ done: 0, writes: 0 });
    expect(byClass(report, 'group-tag-drift').map((f) => f.serialNumber)).toEqual([serialOf('OURS', 1)]);
    expect(byClass(report, 'late-success')).toEqual([]);
    expect(byClass(report, 'leftover-import-record').map((f) => f.serialNumber)).toEqual([serialOf('OURS', 8)]);
    // Nothing to write — and the sync window is still closed: asked, not sent.
    expect(appWrites(stack, since)).toEqual([]);
  }, 300_000);

  it('the host killed mid-repair resumes without a duplicate write', async () => {
    const serial = serialOf('OURS', 9);
    const id = ztd.get(serial)!;
    await drift(stack, 'group-tag', { serialNumber: serial, groupTag: 'Crash-Test' });
    const since = seqNow(stack);
    // The tag write is processed by the service; its answer never reaches the host, which dies.
    stack.emulator.hold({ method: 'POST', path: `${id}/updateDeviceProperties`, when: 'after' });
    const started = (await (await fetch(`${stack.hostUrl}/api/reconcile`, { method: 'POST' })).json()) as { reconcileId: string };
    const deadline = Date.now() + 60_000;
    while (stack.emulator.holds().waiting.length === 0) {
      if (Date.now() > deadline) throw new Error('the tag write never came');
      await new Promise((r) => setTimeout(r, 50));
    }
    await stack.killHost();
    stack.emulator.releaseHolds();
    await stack.startHost();
    await waitForReconcile(stack, started.reconcileId);
    const tagWrites = appWrites(stack, since).filter((e) => e.path.includes(`${id}/updateDeviceProperties`));
    expect(tagWrites).toHaveLength(1);
    const report = JSON.parse((await readText(stack, CONTAINERS.reports, `${started.reconcileId}/report.json`))!) as ReconcileReport;
    expect(report.findings.find((f) => f.serialNumber === serial)!.results).toEqual([
      { outcome: 'not-needed', detail: 'the tag is "Sales" already' },
    ]);
  }, 300_000);
});
