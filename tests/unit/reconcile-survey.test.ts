import { describe, expect, it } from 'vitest';
import { emptyCounts } from '../../shared/contracts';
import type { ReconcileStepInput } from '../../shared/contracts/reconcile';
import { GRAPH_OPERATIONS } from '../../shared/graph/operations';
import type { LedgerEntry } from '../../shared/ledger/entry';
import { MemoryLedger } from '../../shared/ledger/ledger';
import { BACKFILL_MARKER } from '../../shared/reconcile/backfill';
import type { Finding } from '../../shared/reconcile/model';
import { FINDINGS_PER_PART, ReconcileStore } from '../../shared/reconcile/store';
import { runReconcileSurvey } from '../../shared/reconcile/survey';
import { RunStore } from '../../shared/run/run-store';
import { MemoryObjectStore } from '../../shared/storage/memory-store';
import { CONTAINERS } from '../../shared/storage/object-store';
import { FakeTenant } from '../support/fake-tenant';
import { GROUP_ID, PROFILE_ID, settings } from '../support/run-fixtures';

/**
 * The survey over a small fake tenant and ledger: the classes it counts, what it writes (findings
 * parts, never the tenant), and the one-time backfill of the ledger from earlier intake reports.
 */
const RUN = 'intake-0123456789abcdef0123456789abcdef';
const GHOST_RUN = 'intake-ffffffffffffffffffffffffffffffff';
const EARLIER_RECONCILE = 'reconcile-20261201T000000000Z';
const RECONCILE = 'reconcile-20261207T120000000Z';
const NOW = '2026-12-07T12:00:00.000Z';
const CONFIRMED_AT = '2026-12-01T08:00:00.000Z';
const ARCHIVED = `${CONTAINERS.archive}/processed/drops/devices.csv`;

const entry = (serialNumber: string, line: number, over: Partial<LedgerEntry> = {}): LedgerEntry => ({
  serialNumber,
  runId: RUN,
  sourceKind: 'drop',
  archived: { path: ARCHIVED, line },
  groupTag: 'Sales',
  expected: { groupIds: [GROUP_ID], profileId: PROFILE_ID },
  import: { outcome: 'imported', at: CONFIRMED_AT },
  confirm: { outcome: 'confirmed', at: CONFIRMED_AT },
  recordedAt: CONFIRMED_AT,
  ...over,
});

/** A device of the run as it should be: registered, its Entra object carrying [ZTDID], in the group, the profile assigned. */
function inOrder(
  t: FakeTenant,
  serial: string,
  over: { groupTag?: string; status?: string; aad?: string; member?: boolean; entra?: boolean } = {},
) {
  const id = `ztd-${serial.toLowerCase()}`;
  const aad = over.aad ?? `aad-${serial.toLowerCase()}`;
  t.register({
    id,
    serialNumber: serial,
    groupTag: over.groupTag ?? 'Sales',
    azureAdDeviceId: aad.toUpperCase(),
    deploymentProfileAssignmentStatus: over.status ?? 'assignedInSync',
    deploymentProfileAssignmentDetailedStatus: 'none',
  });
  if (over.entra !== false) t.addEntraDevice(aad, id, 'Sales');
  if (over.member !== false) t.groups.get(GROUP_ID)!.members.push(aad);
  if ((over.status ?? 'assignedInSync').startsWith('assigned')) t.profiles.get(PROFILE_ID)!.devices.push(id);
}

async function world() {
  const tenant = new FakeTenant();
  tenant.groups.set(GROUP_ID, { processing: 'On', members: [] });
  tenant.profiles.set(PROFILE_ID, { devices: [], targets: [GROUP_ID] });
  const objects = new MemoryObjectStore();
  const ledger = new MemoryLedger();
  const runs = new RunStore(objects);
  const store = new ReconcileStore(objects);
  const logs: string[] = [];
  const survey = (reconcileId = RECONCILE, now = NOW) =>
    runReconcileSurvey({ graph: tenant.graph, ledger, objects, runs, store, expected: settings().expected, log: (m) => logs.push(m) }, {
      reconcileId,
      now,
      settings: { mode: 'repair', stuckMinutes: 60 },
    } satisfies ReconcileStepInput);
  const findings = async (reconcileId = RECONCILE) => {
    const all: Finding[] = [];
    for (let p = 0; p < (await store.partCount(reconcileId)); p++) all.push(...(await store.readPart(reconcileId, p)));
    return all;
  };
  return { tenant, objects, ledger, runs, store, survey, findings, logs };
}

/** The tenant of the main example: one device per class, a foreign one, and import records of every owner. */
async function smallTenant() {
  const w = await world();
  const t = w.tenant;
  inOrder(t, 'SN-OK');
  inOrder(t, 'SN-LATE');
  inOrder(t, 'SN-TAG', { groupTag: 'Kiosk' });
  inOrder(t, 'SN-WAIT', { status: 'notAssigned' });
  inOrder(t, 'SN-NOENTRA', { entra: false, member: false });
  inOrder(t, 'SN-OUT', { member: false });
  // Registered outside the pipeline: in the group, even, but no ledger entry.
  inOrder(t, 'FOREIGN-1', { groupTag: 'Other' });
  await w.ledger.upsert([
    entry('SN-OK', 2),
    entry('SN-LATE', 3, { confirm: { outcome: 'failed', code: 'ProfileNotAssigned', stage: 'profile', at: CONFIRMED_AT } }),
    entry('SN-TAG', 4),
    entry('SN-WAIT', 5),
    entry('SN-GONE', 6),
    entry('SN-NOENTRA', 7),
    entry('SN-OUT', 8),
  ]);
  // The intake run exists (its manifest), and so does an earlier reconciliation (its findings).
  await w.runs.writeManifest({
    runId: RUN,
    source: { container: CONTAINERS.intake, name: 'drops/devices.csv', etag: '"0x1"' },
    parsedAt: CONFIRMED_AT,
    warnings: [],
    chunkCount: 1,
    rowParts: 1,
    counts: emptyCounts(),
  });
  await w.store.writePart(EARLIER_RECONCILE, 0, []);
  t.addImportRecords(
    { id: 'rec-ours-complete', serialNumber: 'SN-OK', importId: `${RUN}-c0`, status: 'complete' },
    { id: 'rec-ours-pending', serialNumber: 'SN-LATE', importId: `${RUN}-c1`, status: 'pending' },
    { id: 'rec-reimport', serialNumber: 'SN-TAG', importId: `${EARLIER_RECONCILE}-r`, status: 'error' },
    { id: 'rec-tool', serialNumber: 'SN-OK', importId: 'Kieselbach-2026-12-01', status: 'complete' },
    { id: 'rec-tool-2', serialNumber: 'TOOL-9', importId: '', status: 'error' },
    { id: 'rec-ghost', serialNumber: 'SN-OUT', importId: `${GHOST_RUN}-c0`, status: 'complete' },
    { id: 'rec-ghost-reconcile', serialNumber: 'SN-OUT', importId: 'reconcile-20261101T000000000Z-r', status: 'complete' },
  );
  return w;
}

describe('survey of a small tenant', () => {
  it('counts every ledger device, foreign registration and own leftover record in its class', async () => {
    const w = await smallTenant();
    const result = await w.survey();
    expect(result.byClass).toEqual({
      'in-order': 1,
      'late-success': 1,
      'group-tag-drift': 1,
      'profile-not-assigned': 1,
      'registration-missing': 1,
      'entra-device-deleted': 1,
      'not-in-group': 1,
      foreign: 1,
      'leftover-import-record': 3,
    });
    expect(result).toMatchObject({
      reconcileId: RECONCILE,
      parts: 1,
      findings: 11,
      autoActions: 5,
      proposedActions: 2,
      needsSync: true,
      backfilled: 0,
    });
    // One page each of registrations, devices and import records; two reads per group and per profile.
    expect(result.pages).toBe(7);
    const bySerial = new Map((await w.findings()).filter((f) => f.class !== 'leftover-import-record').map((f) => [f.serialNumber, f]));
    expect(Object.fromEntries([...bySerial].map(([s, f]) => [s, f.class]))).toEqual({
      'SN-OK': 'in-order',
      'SN-LATE': 'late-success',
      'SN-TAG': 'group-tag-drift',
      'SN-WAIT': 'profile-not-assigned',
      'SN-GONE': 'registration-missing',
      'SN-NOENTRA': 'entra-device-deleted',
      'SN-OUT': 'not-in-group',
      'FOREIGN-1': 'foreign',
    });
    expect(bySerial.get('SN-TAG')!.auto).toEqual([
      { kind: 'restore-group-tag', ztdId: 'ztd-sn-tag', serialNumber: 'SN-TAG', from: 'Kiosk', to: 'Sales' },
    ]);
    expect(bySerial.get('SN-GONE')!.proposed).toEqual([
      { kind: 'delete-and-reimport', serialNumber: 'SN-GONE', archivedPath: ARCHIVED, line: 6 },
    ]);
    expect(bySerial.get('SN-NOENTRA')!.proposed).toEqual([
      { kind: 'delete-and-reimport', serialNumber: 'SN-NOENTRA', ztdId: 'ztd-sn-noentra', archivedPath: ARCHIVED, line: 7 },
    ]);
    expect(bySerial.get('SN-LATE')!.auto).toEqual([{ kind: 'mark-late-success', serialNumber: 'SN-LATE', runId: RUN }]);
  });

  it('reports a foreign registration with its evidence and no action of any tier', async () => {
    const w = await smallTenant();
    await w.survey();
    const foreign = (await w.findings()).filter((f) => f.class === 'foreign');
    expect(foreign).toEqual([
      {
        serialNumber: 'FOREIGN-1',
        class: 'foreign',
        ztdId: 'ztd-foreign-1',
        evidence: ['registered outside the pipeline (no ledger entry); group tag "Other", notContacted'],
        auto: [],
        proposed: [],
      },
    ]);
  });

  it("import records: only those of this app's existing runs are findings; other tools' never", async () => {
    const w = await smallTenant();
    await w.survey();
    const records = (await w.findings()).filter((f) => f.class === 'leftover-import-record');
    expect(records.map((f) => [f.runId, f.auto])).toEqual([
      [RUN, [{ kind: 'delete-import-record', recordId: 'rec-ours-complete', importId: `${RUN}-c0` }]],
      [RUN, []], // still pending: left alone
      [EARLIER_RECONCILE, [{ kind: 'delete-import-record', recordId: 'rec-reimport', importId: `${EARLIER_RECONCILE}-r` }]],
    ]);
    const mentioned = JSON.stringify(await w.findings());
    for (const id of ['rec-tool', 'rec-tool-2', 'rec-ghost', 'rec-ghost-reconcile', 'Kieselbach', GHOST_RUN])
      expect(mentioned).not.toContain(id);
  });

  it('makes no write request: reads only, of the operations the tenant view documents', async () => {
    const w = await smallTenant();
    await w.survey();
    expect(w.tenant.writes()).toEqual([]);
    expect(w.tenant.graph.calls.every((c) => GRAPH_OPERATIONS[c.op].method === 'GET')).toBe(true);
    expect(new Set(w.tenant.graph.calls.map((c) => c.op))).toEqual(
      new Set([
        'listAutopilotDevices',
        'listDevices',
        'getGroup',
        'listGroupDeviceMembers',
        'listProfileAssignedDevices',
        'listProfileAssignments',
        'listImportedDevices',
      ]),
    );
    // Bulk reads: each expected group and profile read once, not per device.
    expect(w.tenant.graph.count('getGroup')).toBe(1);
    expect(w.tenant.graph.count('listProfileAssignedDevices')).toBe(1);
  });

  it('needsSync is set only when a ledger device waits for a profile', async () => {
    const w = await smallTenant();
    expect((await w.survey()).needsSync).toBe(true);

    const quiet = await world();
    inOrder(quiet.tenant, 'SN-OK');
    inOrder(quiet.tenant, 'SN-TAG', { groupTag: 'Kiosk' });
    await quiet.ledger.upsert([entry('SN-OK', 2), entry('SN-TAG', 3)]);
    expect((await quiet.survey()).needsSync).toBe(false);

    // A foreign registration waiting for a profile is none of the reconciliation's business.
    inOrder(quiet.tenant, 'FOREIGN-2', { status: 'notAssigned' });
    expect((await quiet.survey('reconcile-20261207T130000000Z')).needsSync).toBe(false);
  });

  it('writes the findings in parts of FINDINGS_PER_PART, every finding once', async () => {
    const w = await world();
    const n = FINDINGS_PER_PART + 5;
    for (let i = 0; i < n; i++) w.tenant.register({ id: `ztd-${i}`, serialNumber: `F-${String(i).padStart(5, '0')}`, groupTag: '' });
    const result = await w.survey();
    expect(result).toMatchObject({ parts: 2, findings: n, byClass: { foreign: n } });
    expect(await w.store.partCount(RECONCILE)).toBe(2);
    expect(await w.store.readPart(RECONCILE, 0)).toHaveLength(FINDINGS_PER_PART);
    expect(await w.store.readPart(RECONCILE, 1)).toHaveLength(5);
    expect(new Set((await w.findings()).map((f) => f.serialNumber)).size).toBe(n);
  });

  it('a survey retried after the tenant shrank leaves no part of the earlier attempt behind', async () => {
    const w = await world();
    for (let i = 0; i < FINDINGS_PER_PART + 5; i++)
      w.tenant.register({ id: `ztd-${i}`, serialNumber: `F-${String(i).padStart(5, '0')}`, groupTag: '' });
    await w.survey();
    expect(await w.store.partCount(RECONCILE)).toBe(2);
    for (let i = 0; i < 10; i++) w.tenant.registrations.delete(`ztd-${i}`);
    const again = await w.survey();
    expect(again.parts).toBe(1);
    expect(await w.store.partCount(RECONCILE)).toBe(1);
  });

  it('an empty tenant and ledger still writes part 0 (the reconciliation exists for approvals and for its own records)', async () => {
    const w = await world();
    const result = await w.survey();
    expect(result).toMatchObject({ parts: 1, findings: 0, byClass: {}, needsSync: false });
    expect(await w.store.exists(RECONCILE)).toBe(true);
  });
});

describe('backfill of the ledger from earlier intake reports', () => {
  const REPORT_RUN = 'intake-00000000000000000000000000000abc';
  const LATER_RUN = 'intake-00000000000000000000000000000def';
  const device = (over: Record<string, unknown>) => ({
    importStatus: 'complete',
    recordDeleted: true,
    alreadyRegistered: false,
    stage: 'done',
    at: { imported: '2026-11-01T10:05:00.000Z', finished: '2026-11-01T11:00:00.000Z' },
    ...over,
  });
  const report = (runId: string, rows: unknown[], source = 'drops/oem-batch.csv') =>
    JSON.stringify({
      runId,
      source: { container: CONTAINERS.intake, name: source, etag: '"0x9"' },
      status: 'completed',
      generatedAt: '2026-11-01T11:00:00.000Z',
      warnings: [],
      counts: emptyCounts(),
      rows,
    });

  it("happens once: the first survey writes the reports' devices, a marker keeps later surveys from reading them again", async () => {
    const w = await world();
    await w.objects.put(
      CONTAINERS.reports,
      `${REPORT_RUN}/report.json`,
      report(REPORT_RUN, [
        {
          line: 2,
          status: 'valid',
          serialNumber: 'BF-1',
          groupTag: 'Sales',
          warnings: [],
          device: device({ result: 'confirmed', ztdId: 'ztd-bf1', aadDeviceId: 'aad-bf1' }),
        },
        {
          line: 3,
          status: 'valid',
          serialNumber: 'BF-2',
          warnings: [],
          device: device({
            importStatus: 'not-sent',
            alreadyRegistered: true,
            result: 'failed',
            failure: { stage: 'profile', code: 'ProfileNotAssigned', message: 'm', remediation: 'r' },
          }),
        },
        {
          line: 4,
          status: 'valid',
          serialNumber: 'BF-3',
          warnings: [],
          device: device({
            importStatus: 'error',
            result: 'failed',
            failure: { stage: 'import', code: '806', message: 'm', remediation: 'r' },
          }),
        },
        { line: 5, status: 'rejected', code: 'bad-hash', message: 'm', warnings: [] },
      ]),
    );
    const first = await w.survey();
    expect(first.backfilled).toBe(2);
    expect(w.logs[0]).toBe(`reconciliation ${RECONCILE}: 2 ledger entries backfilled from earlier reports`);
    expect(await w.ledger.getMarker(BACKFILL_MARKER)).toBe(NOW);
    expect(await w.ledger.get('BF-1')).toEqual({
      serialNumber: 'BF-1',
      runId: REPORT_RUN,
      sourceKind: 'drop',
      groupTag: 'Sales',
      expected: settings().expected,
      ztdId: 'ztd-bf1',
      aadDeviceId: 'aad-bf1',
      import: { outcome: 'imported', at: '2026-11-01T10:05:00.000Z' },
      confirm: { outcome: 'confirmed', at: '2026-11-01T11:00:00.000Z' },
      recordedAt: NOW,
    });
    expect(await w.ledger.get('BF-2')).toMatchObject({
      import: { outcome: 'already-registered' },
      confirm: { outcome: 'failed', code: 'ProfileNotAssigned', stage: 'profile' },
    });
    // A device that never reached the tenant has nothing to reconcile.
    expect(await w.ledger.get('BF-3')).toBeUndefined();
    // The backfilled devices are classified by that same survey (neither is registered here).
    expect(first.byClass).toEqual({ 'registration-missing': 2 });

    // A report that appears later is not read: the marker says the backfill is done.
    await w.objects.put(
      CONTAINERS.reports,
      `${LATER_RUN}/report.json`,
      report(LATER_RUN, [{ line: 2, status: 'valid', serialNumber: 'BF-9', warnings: [], device: device({ result: 'confirmed' }) }]),
    );
    const second = await w.survey('reconcile-20261208T120000000Z', '2026-12-08T12:00:00.000Z');
    expect(second.backfilled).toBe(0);
    expect(await w.ledger.get('BF-9')).toBeUndefined();
    expect(await w.ledger.getMarker(BACKFILL_MARKER)).toBe(NOW);
  });

  it('never replaces an entry the ledger already holds, and reads uploads as uploads', async () => {
    const w = await world();
    const held = entry('BF-1', 2, { runId: RUN });
    await w.ledger.upsert([held]);
    await w.objects.put(
      CONTAINERS.reports,
      `${REPORT_RUN}/report.json`,
      report(
        REPORT_RUN,
        [
          { line: 2, status: 'valid', serialNumber: 'BF-1', warnings: [], device: device({ result: 'confirmed' }) },
          { line: 3, status: 'valid', serialNumber: 'BF-2', warnings: [], device: device({ result: 'confirmed' }) },
        ],
        'api/2026/upload.csv',
      ),
    );
    // Not an intake report: skipped, not fatal.
    await w.objects.put(CONTAINERS.reports, `${RECONCILE}/report.json`, JSON.stringify({ reconcileId: RECONCILE, findings: [] }));
    expect((await w.survey()).backfilled).toBe(1);
    expect(await w.ledger.get('BF-1')).toEqual(held);
    expect((await w.ledger.get('BF-2'))!.sourceKind).toBe('upload');
  });
});
