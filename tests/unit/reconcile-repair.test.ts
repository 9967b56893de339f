import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RepairInput, RepairResult, SyncNote } from '../../shared/contracts/reconcile';
import type { LedgerEntry } from '../../shared/ledger/entry';
import { MemoryLedger } from '../../shared/ledger/ledger';
import type { ActionResult, AutoAction, DriftClass, Finding } from '../../shared/reconcile/model';
import { runReconcileRepair } from '../../shared/reconcile/repair';
import { followUpPath } from '../../shared/reconcile/repair/late-success';
import { reimportIdOf } from '../../shared/reconcile/repair/reimport';
import { ReconcileStore } from '../../shared/reconcile/store';
import { MemoryObjectStore } from '../../shared/storage/memory-store';
import { CONTAINERS } from '../../shared/storage/object-store';
import { generateHardwareHash } from '../../local/fixtures/hardware-hash-generator';
import { FakeTenant, type TenantImportRecord, type TenantRegistration } from '../support/fake-tenant';
import { HASH_FIXTURES } from '../support/hardware-hash-fixtures';
import { GROUP_ID, PROFILE_ID } from '../support/run-fixtures';

/**
 * The repair step, one findings part per call, over a fake tenant (tests/support/fake-tenant.ts):
 * for each auto action kind, the check made right before acting and what it leads to; then the
 * part as a whole — results written back, the tally, a second run and a re-run after a crash.
 */
const RUN = 'intake-0123456789abcdef0123456789abcdef';
const OTHER_RUN = 'intake-fedcba9876543210fedcba9876543210';
const RECONCILE = 'reconcile-20261207T120000000Z';
const NOW = '2026-12-07T12:00:00.000Z';
const LATER = '2026-12-08T12:00:00.000Z';
const SINCE = '2026-12-01T08:00:00.000Z';

const finding = (serialNumber: string, cls: DriftClass, auto: AutoAction[], over: Partial<Finding> = {}): Finding => ({
  serialNumber,
  class: cls,
  evidence: ['as surveyed'],
  runId: RUN,
  since: SINCE,
  auto,
  proposed: [],
  ...over,
});

const ledgerEntry = (serialNumber: string, over: Partial<LedgerEntry> = {}): LedgerEntry => ({
  serialNumber,
  runId: RUN,
  sourceKind: 'drop',
  groupTag: 'Sales',
  expected: { groupIds: [GROUP_ID], profileId: PROFILE_ID },
  import: { outcome: 'imported', at: SINCE },
  confirm: { outcome: 'failed', code: 'ProfileNotAssigned', stage: 'profile', at: SINCE },
  recordedAt: SINCE,
  ...over,
});

/** A store whose write of findings fails: the step "crashes" after acting, before its results are saved. */
class CrashingStore extends ReconcileStore {
  override async writePart(): Promise<void> {
    throw new Error('crash before the results were written');
  }
}

/** A ledger whose next upsert fails once (a crash between the step's blob writes and its ledger write). */
class LedgerCrashingOnce extends MemoryLedger {
  crash = true;
  override async upsert(entries: readonly LedgerEntry[]): Promise<void> {
    if (this.crash) {
      this.crash = false;
      throw new Error('crash before the ledger was written');
    }
    return super.upsert(entries);
  }
}

function world(tenant = new FakeTenant(), ledger: MemoryLedger = new MemoryLedger()) {
  const objects = new MemoryObjectStore();
  const store = new ReconcileStore(objects);
  const deps = { graph: tenant.graph, ledger, objects, store, log: () => {} };
  return {
    tenant,
    ledger,
    objects,
    store,
    /** The survey's part 0. */
    surveyed: (findings: Finding[]) => store.writePart(RECONCILE, 0, findings),
    repair: (over: Partial<RepairInput> = {}, store_: ReconcileStore = store) =>
      runReconcileRepair(
        { ...deps, store: store_ },
        { reconcileId: RECONCILE, now: NOW, settings: { mode: 'repair', stuckMinutes: 60 }, part: 0, ...over },
      ),
    crashingRepair: (over: Partial<RepairInput> = {}) =>
      runReconcileRepair(
        { ...deps, store: new CrashingStore(objects) },
        { reconcileId: RECONCILE, now: NOW, settings: { mode: 'repair', stuckMinutes: 60 }, part: 0, ...over },
      ),
    results: async (): Promise<(ActionResult | null)[][]> => (await store.readPart(RECONCILE, 0)).map((f) => f.results ?? []),
    /** The outcomes recorded in the part, counted as the tally counts them. */
    tallyOfPart: async () => {
      const t = { done: 0, notNeeded: 0, skipped: 0, failed: 0 };
      for (const f of await store.readPart(RECONCILE, 0)) {
        for (const r of f.results ?? []) {
          if (!r) continue;
          const key = r.outcome === 'not-needed' ? 'notNeeded' : r.outcome;
          t[key]++;
        }
      }
      return t;
    },
    followUp: async (runId = RUN) => (await objects.get(CONTAINERS.reports, followUpPath(runId)))?.data.toString('utf8'),
  };
}

/** The outcome counts alone (the results written into the part; writes and re-imports are counted beside them). */
const withoutWrites = ({ writes: _writes, reimported: _reimported, ...rest }: RepairResult) => rest;

// ---------------------------------------------------------------------------------------------

describe('delete-import-record: checked against the import list right before the DELETE', () => {
  const IMPORT_ID = `${RUN}-c0`;
  const action: AutoAction = { kind: 'delete-import-record', recordId: 'rec-1', importId: IMPORT_ID };
  const record = (over: Partial<TenantImportRecord> = {}): TenantImportRecord => ({
    id: 'rec-1',
    serialNumber: 'SN-1',
    importId: IMPORT_ID,
    status: 'complete',
    ...over,
  });

  it.each<[string, (t: FakeTenant) => void, ActionResult['outcome'], number, string]>([
    ['gone since the survey: not needed, no DELETE', () => {}, 'not-needed', 0, 'no longer listed'],
    ['pending now: skipped', (t) => t.addImportRecords(record({ status: 'pending' })), 'skipped', 0, 'the record is pending now'],
    ['unknown now: skipped', (t) => t.addImportRecords(record({ status: 'unknown' })), 'skipped', 0, 'the record is unknown now'],
    [
      'importId now another of our chunks: skipped',
      (t) => t.addImportRecords(record({ importId: `${RUN}-c1` })),
      'skipped',
      0,
      `the record now belongs to import ${RUN}-c1`,
    ],
    [
      "importId now another tool's: skipped, never deleted",
      (t) => t.addImportRecords(record({ importId: 'Kieselbach-2026-12-07' })),
      'skipped',
      0,
      'the record now belongs to import Kieselbach-2026-12-07',
    ],
    ['settled complete: deleted, gone from the list', (t) => t.addImportRecords(record()), 'done', 1, ''],
    ['settled error: deleted, gone from the list', (t) => t.addImportRecords(record({ status: 'error' })), 'done', 1, ''],
    [
      'DELETE accepted but still listed: failed',
      (t) => (t.addImportRecords(record()), t.stickyImportRecords.add('rec-1')),
      'failed',
      1,
      'still listed after the DELETE was accepted; the next reconciliation tries again',
    ],
    [
      'DELETE refused: failed',
      (t) => (t.addImportRecords(record()), t.refuse.set('deleteImportedDevice', 400)),
      'failed',
      1,
      'DELETE answered 400 BadRequest',
    ],
  ])('%s', async (_, arrange, outcome, deletes, detail) => {
    const w = world();
    arrange(w.tenant);
    await w.surveyed([finding('SN-1', 'leftover-import-record', [action])]);
    const tally = await w.repair();
    expect(await w.results()).toEqual([[{ outcome, ...(detail ? { detail } : {}) }]]);
    expect(w.tenant.graph.count('deleteImportedDevice')).toBe(deletes);
    expect(tally.writes).toBe(deletes);
  });

  it('sends the DELETE, then walks the list again, and counts it done only because the list no longer holds it', async () => {
    const w = world();
    w.tenant.addImportRecords(record());
    await w.surveyed([finding('SN-1', 'leftover-import-record', [action])]);
    await w.repair();
    expect(w.tenant.graph.calls.map((c) => c.op)).toEqual(['listImportedDevices', 'deleteImportedDevice', 'listImportedDevices']);
    expect(w.tenant.graph.calls[1]!.params).toEqual({ id: 'rec-1' });
    expect(w.tenant.importRecords.has('rec-1')).toBe(false);
  });

  it("never sends a DELETE for another tool's record, even beside ours with the same serial", async () => {
    const w = world();
    w.tenant.addImportRecords(
      record(),
      { id: 'rec-2', serialNumber: 'SN-1', importId: 'WindowsAutopilotInfo-1', status: 'complete' },
      { id: 'rec-3', serialNumber: 'SN-1', importId: `${OTHER_RUN}-c0`, status: 'error' },
    );
    // The survey's action for rec-2 cannot carry our importId truthfully: a finding pointing at it with ours is refused by the check.
    await w.surveyed([
      finding('SN-1', 'leftover-import-record', [action]),
      finding('SN-1', 'leftover-import-record', [{ kind: 'delete-import-record', recordId: 'rec-2', importId: IMPORT_ID }]),
    ]);
    await w.repair();
    expect(w.tenant.writes().map((c) => c.params?.id)).toEqual(['rec-1']);
    expect([...w.tenant.importRecords.keys()]).toEqual(['rec-2', 'rec-3']);
  });
});

// ---------------------------------------------------------------------------------------------

describe('restore-group-tag: the registration read again before the write', () => {
  const action: AutoAction = { kind: 'restore-group-tag', ztdId: 'ztd-1', serialNumber: 'SN-1', from: 'Kiosk', to: 'Sales' };
  const reg = (over: Partial<TenantRegistration> = {}): TenantRegistration => ({
    id: 'ztd-1',
    serialNumber: 'SN-1',
    groupTag: 'Kiosk',
    enrollmentState: 'notContacted',
    ...over,
  });

  it.each<[string, TenantRegistration | undefined, ActionResult['outcome'], string, number]>([
    ['registration gone: not needed', undefined, 'not-needed', 'the registration is gone', 0],
    ['tag already right: not needed', reg({ groupTag: 'Sales' }), 'not-needed', 'the tag is "Sales" already', 0],
    [
      'enrolled since the survey: skipped (needs an admin)',
      reg({ enrollmentState: 'enrolled' }),
      'skipped',
      "the device is enrolled since the survey: changing its tag needs an admin's approval",
      0,
    ],
    [
      'tag changed again since the survey: skipped',
      reg({ groupTag: 'Lab' }),
      'skipped',
      'the tag changed again since the survey (now "Lab"): left alone',
      0,
    ],
    ['still the surveyed tag, not enrolled: restored', reg(), 'done', '"Kiosk" → "Sales"', 1],
  ])('%s', async (_, current, outcome, detail, updates) => {
    const w = world();
    if (current) w.tenant.register(current);
    await w.surveyed([finding('SN-1', 'group-tag-drift', [action], { ztdId: 'ztd-1' })]);
    const tally = await w.repair();
    expect(await w.results()).toEqual([[{ outcome, detail }]]);
    expect(w.tenant.writes()).toHaveLength(updates);
    expect(tally.writes).toBe(updates);
    if (current) expect(w.tenant.registrations.get('ztd-1')!.groupTag).toBe(updates ? 'Sales' : current.groupTag);
  });

  it('the write is exactly one updateDeviceProperties on that registration, with only the group tag', async () => {
    const w = world();
    w.tenant.register(reg());
    await w.surveyed([finding('SN-1', 'group-tag-drift', [action], { ztdId: 'ztd-1' })]);
    await w.repair();
    expect(w.tenant.writes()).toEqual([{ op: 'updateAutopilotDeviceProperties', params: { id: 'ztd-1' }, body: { groupTag: 'Sales' } }]);
  });

  it('a read answered with something other than 404 is not taken for "gone": failed, nothing written, tried again', async () => {
    const w = world();
    w.tenant.register(reg());
    w.tenant.refuse.set('getAutopilotDevice', 400);
    await w.surveyed([finding('SN-1', 'group-tag-drift', [action], { ztdId: 'ztd-1' })]);
    await w.repair();
    expect(await w.results()).toEqual([[{ outcome: 'failed', detail: 'the registration could not be read; tried again next time' }]]);
    expect(w.tenant.writes()).toHaveLength(0);
  });

  it('a refused write is failed (and tried again by the next run of the part)', async () => {
    const w = world();
    w.tenant.register(reg());
    w.tenant.refuse.set('updateAutopilotDeviceProperties', 400);
    await w.surveyed([finding('SN-1', 'group-tag-drift', [action], { ztdId: 'ztd-1' })]);
    await w.repair();
    expect(await w.results()).toEqual([[{ outcome: 'failed', detail: 'updateDeviceProperties answered 400 BadRequest' }]]);
    w.tenant.refuse.clear();
    await w.repair();
    expect(await w.results()).toEqual([[{ outcome: 'done', detail: '"Kiosk" → "Sales"' }]]);
    expect(w.tenant.graph.count('updateAutopilotDeviceProperties')).toBe(2);
  });
});

// ---------------------------------------------------------------------------------------------

describe("mark-late-success: the ledger and a follow-up note next to the run's report", () => {
  const action: AutoAction = { kind: 'mark-late-success', serialNumber: 'SN-L', runId: RUN };
  const lateFinding = () => finding('SN-L', 'late-success', [action], { ztdId: 'ztd-l' });

  it('records lateSuccessAt in the ledger and adds one row to autopilot-reports/{runId}/follow-up.md', async () => {
    const w = world();
    await w.ledger.upsert([ledgerEntry('SN-L')]);
    await w.surveyed([lateFinding()]);
    const tally = await w.repair();
    expect(await w.results()).toEqual([[{ outcome: 'done', detail: `recorded; follow-up in autopilot-reports/${RUN}/follow-up.md` }]]);
    expect(followUpPath(RUN)).toBe(`${RUN}/follow-up.md`);
    expect(await w.ledger.get('SN-L')).toEqual(ledgerEntry('SN-L', { lateSuccessAt: NOW }));
    const note = (await w.followUp())!;
    expect(note).toContain(`# Follow-up for ${RUN}`);
    expect(note.split('\n').filter((l) => l.startsWith('| SN-L |'))).toEqual([
      `| SN-L | ProfileNotAssigned at profile | ${NOW} | ${RECONCILE} |`,
    ]);
    // Nothing in the tenant changes for it.
    expect(w.tenant.graph.calls).toEqual([]);
    expect(tally.writes).toBe(0);
  });

  it('running again (a later reconciliation finds it again) adds no row and changes nothing in the ledger', async () => {
    const w = world();
    await w.ledger.upsert([ledgerEntry('SN-L')]);
    await w.surveyed([lateFinding()]);
    await w.repair();
    const note = await w.followUp();
    const entry = await w.ledger.get('SN-L');
    await w.surveyed([lateFinding()]); // the same part, written fresh (no results)
    await w.repair({ now: LATER });
    expect(await w.results()).toEqual([[{ outcome: 'not-needed', detail: 'already recorded' }]]);
    expect(await w.followUp()).toBe(note);
    expect(await w.ledger.get('SN-L')).toEqual(entry);
  });

  it('a device re-imported by a reconciliation (confirm pending) and in order now becomes confirmed, with no follow-up row', async () => {
    const w = world();
    await w.ledger.upsert([
      ledgerEntry('SN-L', { runId: 'reconcile-20261201T000000000Z', sourceKind: 'reconciliation', confirm: { outcome: 'pending' } }),
    ]);
    await w.surveyed([
      finding('SN-L', 'late-success', [{ kind: 'mark-late-success', serialNumber: 'SN-L', runId: 'reconcile-20261201T000000000Z' }]),
    ]);
    await w.repair();
    expect(await w.results()).toEqual([[{ outcome: 'done', detail: 're-imported device confirmed' }]]);
    expect((await w.ledger.get('SN-L'))!.confirm).toEqual({ outcome: 'confirmed', at: NOW });
    expect((await w.ledger.get('SN-L'))!.lateSuccessAt).toBeUndefined();
    expect(await w.followUp('reconcile-20261201T000000000Z')).toBeUndefined();
  });

  it.each<[string, LedgerEntry | undefined]>([
    ['now owned by another run', ledgerEntry('SN-L', { runId: OTHER_RUN })],
    ['no longer in the ledger', undefined],
  ])('an entry %s: not needed, nothing written', async (_, entry) => {
    const w = world();
    if (entry) await w.ledger.upsert([entry]);
    await w.surveyed([lateFinding()]);
    await w.repair();
    expect(await w.results()).toEqual([[{ outcome: 'not-needed', detail: 'a later run handled the device since' }]]);
    expect(await w.ledger.get('SN-L')).toEqual(entry);
    expect(await w.followUp()).toBeUndefined();
    expect(await w.followUp(OTHER_RUN)).toBeUndefined();
  });

  it('a crash after the note and before the ledger write: the re-run writes the ledger and no second row', async () => {
    const ledger = new LedgerCrashingOnce();
    const w = world(new FakeTenant(), ledger);
    ledger.crash = false;
    await ledger.upsert([ledgerEntry('SN-L')]);
    ledger.crash = true;
    await w.surveyed([lateFinding()]);
    await expect(w.repair()).rejects.toThrow('crash before the ledger was written');
    expect((await ledger.get('SN-L'))!.lateSuccessAt).toBeUndefined();
    await w.repair();
    expect((await ledger.get('SN-L'))!.lateSuccessAt).toBe(NOW);
    expect((await w.followUp())!.split('\n').filter((l) => l.startsWith('| SN-L |'))).toHaveLength(1);
  });
});

// ---------------------------------------------------------------------------------------------

describe('reimport: an approved device imported again from its archived CSV line', () => {
  const fixture = HASH_FIXTURES.find((f) => f.file === 'fabrikam-laptop.csv')!;
  const ARCHIVE_NAME = 'processed/oem/fabrikam.csv';
  const ARCHIVED = `${CONTAINERS.archive}/${ARCHIVE_NAME}`;
  const other = generateHardwareHash({ serialNumber: 'SN-A', manufacturer: 'Contoso', model: 'Model 1' });
  // Line 1 the header, line 2 another device, line 3 the captured fixture's row (as archived by its run).
  const fixtureRow = readFileSync(join(__dirname, '..', 'fixtures', 'hardware-hashes', fixture.file), 'utf8').split('\r\n')[1]!;
  const archive = ['Device Serial Number,Windows Product ID,Hardware Hash', `SN-A,,${other}`, fixtureRow, ''].join('\r\n');
  const SERIAL = fixture.serialNumber;
  const IMPORT_ID = reimportIdOf(RECONCILE);

  const approved = (over: Partial<LedgerEntry> = {}) =>
    ledgerEntry(SERIAL, {
      archived: { path: ARCHIVED, line: 3 },
      hashDigest: 'digest',
      ztdId: 'ztd-old',
      aadDeviceId: 'aad-old',
      lateSuccessAt: SINCE,
      pendingReimport: { approvedAt: SINCE, reconcileId: 'reconcile-20261206T000000000Z' },
      ...over,
    });
  const action = (over: Partial<Extract<AutoAction, { kind: 'reimport' }>> = {}): AutoAction => ({
    kind: 'reimport',
    serialNumber: SERIAL,
    archivedPath: ARCHIVED,
    line: 3,
    ...over,
  });

  async function setup(entry: LedgerEntry | undefined = approved(), a: AutoAction = action()) {
    const w = world();
    await w.objects.put(CONTAINERS.archive, ARCHIVE_NAME, archive, 'text/csv');
    if (entry) await w.ledger.upsert([entry]);
    await w.surveyed([finding(entry?.serialNumber ?? SERIAL, 'registration-missing', [a])]);
    return w;
  }

  it('reads the hash from the archived line through the intake reader and imports it with importId {reconcileId}-r', async () => {
    expect(fixture.rowSerial).toBe(SERIAL);
    const w = await setup();
    const tally = await w.repair();
    expect(w.tenant.writes()).toEqual([
      {
        op: 'importDevices',
        body: {
          importedWindowsAutopilotDeviceIdentities: [
            {
              '@odata.type': '#microsoft.graph.importedWindowsAutopilotDeviceIdentity',
              serialNumber: SERIAL,
              hardwareIdentifier: fixture.hash,
              productKey: '',
              groupTag: '',
              assignedUserPrincipalName: '',
              importId: `${RECONCILE}-r`,
            },
          ],
        },
      },
    ]);
    expect(await w.results()).toEqual([[{ outcome: 'done', detail: `imported again with importId ${IMPORT_ID}` }]]);
    expect(tally).toEqual({ done: 1, notNeeded: 0, skipped: 0, failed: 0, writes: 1, reimported: 1 });
  });

  it("the ledger entry afterwards is this reconciliation's, pending confirmation, the approval and stale ids cleared", async () => {
    const w = await setup();
    await w.repair();
    const { pendingReimport: _p, ztdId: _z, aadDeviceId: _a, lateSuccessAt: _l, ...kept } = approved();
    expect(await w.ledger.get(SERIAL)).toEqual({
      ...kept,
      runId: RECONCILE,
      sourceKind: 'reconciliation',
      import: { outcome: 'imported', at: NOW },
      confirm: { outcome: 'pending' },
      recordedAt: NOW,
    });
  });

  it('a record of this importId for the serial already in the import list: nothing is sent again', async () => {
    const w = await setup();
    w.tenant.addImportRecords({ id: 'rec-9', serialNumber: SERIAL.toLowerCase(), importId: IMPORT_ID, status: 'unknown' });
    await w.repair();
    expect(w.tenant.writes()).toEqual([]);
    expect(await w.results()).toEqual([[{ outcome: 'done', detail: `imported again with importId ${IMPORT_ID}` }]]);
    expect((await w.ledger.get(SERIAL))!).toMatchObject({ runId: RECONCILE, confirm: { outcome: 'pending' } });
    expect((await w.ledger.get(SERIAL))!.pendingReimport).toBeUndefined();
  });

  it.each<[string, TenantImportRecord]>([
    ['another importId for the serial', { id: 'rec-9', serialNumber: SERIAL, importId: `${RUN}-c0`, status: 'complete' }],
    ['this importId for another serial', { id: 'rec-9', serialNumber: 'SN-A', importId: IMPORT_ID, status: 'unknown' }],
  ])('a record with %s does not count as sent', async (_, record) => {
    const w = await setup();
    w.tenant.addImportRecords(record);
    await w.repair();
    expect(w.tenant.graph.count('importDevices')).toBe(1);
  });

  it.each<[string, LedgerEntry | undefined, AutoAction, ActionResult]>([
    [
      'no re-import pending in the ledger (done by an earlier attempt): not needed',
      approved({ pendingReimport: undefined }),
      action(),
      { outcome: 'not-needed', detail: 'no re-import is pending for the device' },
    ],
    [
      'the line holds another device: failed',
      approved(),
      action({ line: 2 }),
      { outcome: 'failed', detail: `line 2 of ${ARCHIVED} no longer holds the device's valid row` },
    ],
    [
      'the archived file is gone: failed',
      approved(),
      action({ archivedPath: `${CONTAINERS.archive}/processed/gone.csv` }),
      { outcome: 'failed', detail: `line 3 of ${CONTAINERS.archive}/processed/gone.csv no longer holds the device's valid row` },
    ],
  ])('%s; nothing sent', async (_, entry, a, result) => {
    const w = await setup(entry, a);
    await w.repair();
    expect(await w.results()).toEqual([[result]]);
    expect(w.tenant.writes()).toEqual([]);
    expect(await w.ledger.get(SERIAL)).toEqual(entry);
  });

  it('an import the service refuses is failed and the ledger keeps the approval', async () => {
    const w = await setup();
    w.tenant.refuse.set('importDevices', 400);
    await w.repair();
    expect(await w.results()).toEqual([[{ outcome: 'failed', detail: 'import answered 400 BadRequest' }]]);
    expect(await w.ledger.get(SERIAL)).toEqual(approved());
  });

  it("a row whose serial differs from the one inside its hash (the ledger holds the hash's): imported, and not sent twice after a crash", async () => {
    // The intake imports such a row (a warning, not a rejection) and the ledger records the serial
    // Autopilot registers, the hash's; the row's serial is what the import call carried.
    const hash = generateHardwareHash({ serialNumber: 'SN-HASH', manufacturer: 'Contoso', model: 'Model 1' });
    const w = world();
    await w.objects.put(
      CONTAINERS.archive,
      'processed/mixed.csv',
      ['Device Serial Number,Windows Product ID,Hardware Hash', `SN-ROW,,${hash}`, ''].join('\r\n'),
    );
    await w.ledger.upsert([
      approved({ serialNumber: 'SN-HASH', archived: { path: `${CONTAINERS.archive}/processed/mixed.csv`, line: 2 } }),
    ]);
    await w.surveyed([
      finding('SN-HASH', 'registration-missing', [
        { kind: 'reimport', serialNumber: 'SN-HASH', archivedPath: `${CONTAINERS.archive}/processed/mixed.csv`, line: 2 },
      ]),
    ]);
    await expect(w.crashingRepair()).rejects.toThrow('crash');
    expect(w.tenant.graph.count('importDevices')).toBe(1);
    expect([...w.tenant.importRecords.values()].map((r) => [r.serialNumber, r.importId])).toEqual([['SN-ROW', IMPORT_ID]]);
    // The ledger was written before the crash; a re-run whose ledger write was lost too must not send again.
    await w.ledger.upsert([
      approved({ serialNumber: 'SN-HASH', archived: { path: `${CONTAINERS.archive}/processed/mixed.csv`, line: 2 } }),
    ]);
    await w.repair();
    expect(w.tenant.graph.count('importDevices')).toBe(1);
    expect(await w.results()).toEqual([[{ outcome: 'done', detail: `imported again with importId ${IMPORT_ID}` }]]);
    expect((await w.ledger.get('SN-HASH'))!).toMatchObject({ runId: RECONCILE, confirm: { outcome: 'pending' } });
  });
});

// ---------------------------------------------------------------------------------------------

describe("request-sync: its result is the reconciliation's sync note", () => {
  it.each<[string, SyncNote | undefined, ActionResult]>([
    ['no sync requested', undefined, { outcome: 'failed', detail: 'no sync was requested' }],
    [
      'the gate said wait (a sync minutes ago covers them too)',
      { status: 'waiting', note: 'a sync ran 3 minutes ago', retryAfterSeconds: 420 },
      { outcome: 'not-needed', detail: 'no new sync: a sync ran 3 minutes ago' },
    ],
    [
      'the sync was refused',
      { status: 'refused', note: 'the sync was refused: Forbidden' },
      { outcome: 'failed', detail: 'the sync was refused: Forbidden' },
    ],
    [
      'a sync was requested',
      { status: 'requested', note: 'sync requested at 12:00' },
      { outcome: 'done', detail: 'sync requested at 12:00' },
    ],
    [
      'the tenant synced since the devices were imported',
      { status: 'synced', note: 'synced at 11:58' },
      { outcome: 'done', detail: 'synced at 11:58' },
    ],
  ])('%s', async (_, sync, result) => {
    const w = world();
    await w.surveyed([
      finding('SN-W1', 'profile-not-assigned', [{ kind: 'request-sync' }]),
      finding('SN-W2', 'profile-stuck', [{ kind: 'request-sync' }]),
    ]);
    await w.repair(sync ? { sync } : {});
    expect(await w.results()).toEqual([[result], [result]]);
    // The sync itself is the orchestration's (through the gate): the repair step sends nothing for it.
    expect(w.tenant.graph.calls).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------

describe('a part as a whole: results written back, the tally, idempotent re-runs', () => {
  const ARCHIVE_NAME = 'processed/drops/batch.csv';
  const ARCHIVED = `${CONTAINERS.archive}/${ARCHIVE_NAME}`;
  const hashOf = (serial: string) => generateHardwareHash({ serialNumber: serial, manufacturer: 'Contoso', model: 'Model 1' });

  /** One part holding every auto kind, some of them twice, against a tenant where each has work to do. */
  async function mixed() {
    const w = world();
    await w.objects.put(
      CONTAINERS.archive,
      ARCHIVE_NAME,
      ['Device Serial Number,Windows Product ID,Hardware Hash', `SN-R1,,${hashOf('SN-R1')}`, `SN-R2,,${hashOf('SN-R2')}`, ''].join('\r\n'),
    );
    w.tenant.addImportRecords(
      { id: 'rec-1', serialNumber: 'SN-1', importId: `${RUN}-c0`, status: 'complete' },
      { id: 'rec-2', serialNumber: 'SN-2', importId: `${RUN}-c0`, status: 'error' },
      { id: 'rec-3', serialNumber: 'SN-3', importId: `${RUN}-c1`, status: 'pending' },
      { id: 'rec-x', serialNumber: 'SN-1', importId: 'OtherTool-77', status: 'complete' },
    );
    w.tenant.register(
      { id: 'ztd-t1', serialNumber: 'SN-T1', groupTag: 'Kiosk' },
      { id: 'ztd-t2', serialNumber: 'SN-T2', groupTag: '' },
      { id: 'ztd-t3', serialNumber: 'SN-T3', groupTag: 'Kiosk', enrollmentState: 'enrolled' },
    );
    const pending = { approvedAt: SINCE, reconcileId: 'reconcile-20261206T000000000Z' };
    await w.ledger.upsert([
      ledgerEntry('SN-L1'),
      ledgerEntry('SN-L2', { confirm: { outcome: 'failed', code: 'EspTimeout', stage: 'esp' } }),
      ledgerEntry('SN-R1', { archived: { path: ARCHIVED, line: 2 }, pendingReimport: pending }),
      ledgerEntry('SN-R2', { archived: { path: ARCHIVED, line: 3 }, pendingReimport: pending }),
    ]);
    await w.surveyed([
      finding('SN-1', 'leftover-import-record', [{ kind: 'delete-import-record', recordId: 'rec-1', importId: `${RUN}-c0` }]),
      finding('SN-2', 'leftover-import-record', [{ kind: 'delete-import-record', recordId: 'rec-2', importId: `${RUN}-c0` }]),
      finding('SN-3', 'leftover-import-record', [{ kind: 'delete-import-record', recordId: 'rec-3', importId: `${RUN}-c1` }]),
      finding('SN-T1', 'group-tag-drift', [
        { kind: 'restore-group-tag', ztdId: 'ztd-t1', serialNumber: 'SN-T1', from: 'Kiosk', to: 'Sales' },
      ]),
      finding('SN-T2', 'group-tag-drift', [{ kind: 'restore-group-tag', ztdId: 'ztd-t2', serialNumber: 'SN-T2', from: '', to: 'Sales' }]),
      finding('SN-T3', 'group-tag-drift', [
        { kind: 'restore-group-tag', ztdId: 'ztd-t3', serialNumber: 'SN-T3', from: 'Kiosk', to: 'Sales' },
      ]),
      finding('SN-L1', 'late-success', [{ kind: 'mark-late-success', serialNumber: 'SN-L1', runId: RUN }]),
      finding('SN-L2', 'late-success', [{ kind: 'mark-late-success', serialNumber: 'SN-L2', runId: RUN }]),
      finding('SN-R1', 'registration-missing', [{ kind: 'reimport', serialNumber: 'SN-R1', archivedPath: ARCHIVED, line: 2 }]),
      finding('SN-R2', 'registration-missing', [{ kind: 'reimport', serialNumber: 'SN-R2', archivedPath: ARCHIVED, line: 3 }]),
      finding('SN-W', 'profile-not-assigned', [{ kind: 'request-sync' }]),
      finding('SN-F', 'foreign', []),
    ]);
    return w;
  }
  const SYNC: SyncNote = { status: 'requested', note: 'sync requested' };
  const writeCounts = (w: ReturnType<typeof world>) => ({
    deleteImportedDevice: w.tenant.graph.count('deleteImportedDevice'),
    updateAutopilotDeviceProperties: w.tenant.graph.count('updateAutopilotDeviceProperties'),
    importDevices: w.tenant.graph.count('importDevices'),
    other: w.tenant.writes().filter((c) => !['deleteImportedDevice', 'updateAutopilotDeviceProperties', 'importDevices'].includes(c.op))
      .length,
  });
  const FIRST_WRITES = { deleteImportedDevice: 2, updateAutopilotDeviceProperties: 2, importDevices: 1, other: 0 };

  it('every auto action gets a result in the part, and the tally returned counts exactly those results', async () => {
    const w = await mixed();
    const tally = await w.repair({ sync: SYNC });
    const findings = await w.store.readPart(RECONCILE, 0);
    for (const f of findings) expect(f.results).toHaveLength(f.auto.length);
    expect(findings.flatMap((f) => f.results ?? []).every((r) => r !== null)).toBe(true);
    expect(withoutWrites(tally)).toEqual(await w.tallyOfPart());
    expect(tally).toEqual({ done: 9, notNeeded: 0, skipped: 2, failed: 0, writes: 5, reimported: 2 });
    expect(writeCounts(w)).toEqual(FIRST_WRITES);
    expect(tally.writes).toBe(w.tenant.writes().length);
    // Other tools' records and enrolled devices are never written to.
    expect(w.tenant.writes().some((c) => c.params?.id === 'rec-x' || c.params?.id === 'rec-3' || c.params?.id === 'ztd-t3')).toBe(false);
  });

  it("a second run of the finished part makes no Graph write, changes nothing, and reports the part's results again", async () => {
    const w = await mixed();
    const first = await w.repair({ sync: SYNC });
    const part = await w.store.readPart(RECONCILE, 0);
    const note = await w.followUp();
    const before = w.tenant.writes().length;
    const second = await w.repair({ sync: SYNC, now: LATER });
    expect(w.tenant.writes()).toHaveLength(before);
    expect(await w.store.readPart(RECONCILE, 0)).toEqual(part);
    expect(await w.followUp()).toBe(note);
    // The activity answers for the part, so a retry after a crash that lost its first answer counts the same.
    expect(withoutWrites(second)).toEqual(withoutWrites(first));
    expect(second.writes).toBe(0);
  });

  it('a re-run after a crash that lost the results makes no duplicate write: every check finds the work done', async () => {
    const w = await mixed();
    await expect(w.crashingRepair({ sync: SYNC })).rejects.toThrow('crash');
    expect(writeCounts(w)).toEqual(FIRST_WRITES);
    expect((await w.results()).every((r) => r.every((x) => x === null))).toBe(true);
    const tally = await w.repair({ sync: SYNC });
    expect(writeCounts(w)).toEqual(FIRST_WRITES);
    expect(withoutWrites(tally)).toEqual(await w.tallyOfPart());
    expect(tally.writes).toBe(0);
    // The deletions and tags are found already done; the late successes already recorded; the re-imports already sent.
    expect((await w.results()).filter((r) => r.length > 0).map((r) => r[0]!.outcome)).toEqual([
      'not-needed',
      'not-needed',
      'skipped',
      'not-needed',
      'not-needed',
      'skipped',
      'not-needed',
      'not-needed',
      'not-needed',
      'not-needed',
      'done',
    ]);
    expect((await w.followUp())!.split('\n').filter((l) => /^\| SN-L[12] \|/.test(l))).toHaveLength(2);
  });

  it('only actions without a result or whose last attempt failed are tried again', async () => {
    const w = await mixed();
    w.tenant.refuse.set('deleteImportedDevice', 400);
    const first = await w.repair({ sync: SYNC });
    expect(first.failed).toBe(2);
    w.tenant.refuse.clear();
    const before = writeCounts(w);
    await w.repair({ sync: SYNC });
    expect(writeCounts(w)).toEqual({ ...before, deleteImportedDevice: before.deleteImportedDevice + 2 });
    expect((await w.results()).slice(0, 2)).toEqual([[{ outcome: 'done' }], [{ outcome: 'done' }]]);
  });
});
