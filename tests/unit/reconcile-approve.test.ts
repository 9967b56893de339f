import { describe, expect, it } from 'vitest';
import type { LedgerEntry } from '../../shared/ledger/entry';
import { MemoryLedger } from '../../shared/ledger/ledger';
import { ApproveRequest, approveProposals, type ApprovalLine } from '../../shared/reconcile/approve';
import type { Finding, ProposedAction } from '../../shared/reconcile/model';
import { ReconcileStore } from '../../shared/reconcile/store';
import { MemoryObjectStore } from '../../shared/storage/memory-store';
import { CONTAINERS } from '../../shared/storage/object-store';
import { FakeTenant, type TenantRegistration } from '../support/fake-tenant';
import { GROUP_ID, PROFILE_ID } from '../support/run-fixtures';

/**
 * An admin's approval of what a survey proposed, over a fake tenant: only proposed actions, each
 * checked against the tenant again before it is carried out, recorded in the findings (so a second
 * approval does nothing) and in an audit trail.
 */
const RUN = 'intake-0123456789abcdef0123456789abcdef';
const RECONCILE = 'reconcile-20261207T120000000Z';
const NOW = '2026-12-07T13:00:00.000Z';
const LATER = '2026-12-07T14:00:00.000Z';
const ADMIN = '9f1c0d2e-0000-4000-8000-000000000001';
const ARCHIVED = `${CONTAINERS.archive}/processed/oem/a.csv`;

const ledgerEntry = (serialNumber: string, over: Partial<LedgerEntry> = {}): LedgerEntry => ({
  serialNumber,
  runId: RUN,
  sourceKind: 'drop',
  archived: { path: ARCHIVED, line: 2 },
  groupTag: 'Sales',
  expected: { groupIds: [GROUP_ID], profileId: PROFILE_ID },
  import: { outcome: 'imported' },
  confirm: { outcome: 'confirmed', at: '2026-12-01T08:00:00.000Z' },
  recordedAt: '2026-12-01T08:00:00.000Z',
  ...over,
});
const finding = (serialNumber: string, cls: Finding['class'], proposed: ProposedAction[], over: Partial<Finding> = {}): Finding => ({
  serialNumber,
  class: cls,
  evidence: ['as surveyed'],
  runId: RUN,
  since: '2026-12-01T08:00:00.000Z',
  auto: [],
  proposed,
  ...over,
});

const DELETE_E: ProposedAction = { kind: 'delete-and-reimport', serialNumber: 'SN-E', ztdId: 'ztd-e', archivedPath: ARCHIVED, line: 2 };
const DELETE_M: ProposedAction = { kind: 'delete-and-reimport', serialNumber: 'SN-M', archivedPath: ARCHIVED, line: 3 };
const RETAG_T: ProposedAction = { kind: 'retag-enrolled', serialNumber: 'SN-T', ztdId: 'ztd-t', from: 'Kiosk', to: 'Sales' };

async function world(
  regs: TenantRegistration[] = [
    { id: 'ztd-e', serialNumber: 'SN-E', groupTag: 'Sales' },
    { id: 'ztd-t', serialNumber: 'SN-T', groupTag: 'Kiosk', enrollmentState: 'enrolled' },
  ],
) {
  const tenant = new FakeTenant().register(...regs);
  const objects = new MemoryObjectStore();
  const store = new ReconcileStore(objects);
  const ledger = new MemoryLedger();
  await ledger.upsert([ledgerEntry('SN-E'), ledgerEntry('SN-M'), ledgerEntry('SN-T'), ledgerEntry('SN-X')]);
  // Two parts, as a large survey writes them: the approval walks every part.
  await store.writePart(RECONCILE, 0, [
    finding('SN-E', 'entra-device-deleted', [DELETE_E], { ztdId: 'ztd-e' }),
    finding('SN-X', 'in-order', []),
  ]);
  await store.writePart(RECONCILE, 1, [
    finding('SN-M', 'registration-missing', [DELETE_M]),
    finding('SN-T', 'group-tag-drift', [RETAG_T], { ztdId: 'ztd-t' }),
  ]);
  const deps = { graph: tenant.graph, ledger, objects, store, log: () => {} };
  return {
    tenant,
    ledger,
    store,
    approve: (request: ApproveRequest, now = NOW) => approveProposals(deps, RECONCILE, request, now, ADMIN),
    findings: async () => [...(await store.readPart(RECONCILE, 0)), ...(await store.readPart(RECONCILE, 1))],
    audit: async () => (await objects.get(CONTAINERS.reports, `${RECONCILE}/approvals.ndjson`))?.data.toString('utf8'),
    ledgerEntries: async () =>
      Object.fromEntries(await Promise.all(['SN-E', 'SN-M', 'SN-T', 'SN-X'].map(async (s) => [s, await ledger.get(s)]))),
  };
}
const outcomes = (lines: ApprovalLine[]) => lines.map((l) => `${l.serialNumber} ${l.kind}: ${l.outcome}`).sort();

describe('which actions an approval covers', () => {
  it('{all: true}: every proposed action, each carried out once', async () => {
    const w = await world();
    const lines = await w.approve({ all: true });
    expect(outcomes(lines)).toEqual(['SN-E delete-and-reimport: done', 'SN-M delete-and-reimport: done', 'SN-T retag-enrolled: done']);
    expect(w.tenant.writes()).toEqual([
      { op: 'deleteAutopilotDevice', params: { id: 'ztd-e' } },
      { op: 'updateAutopilotDeviceProperties', params: { id: 'ztd-t' }, body: { groupTag: 'Sales' } },
    ]);
    const ledger = await w.ledgerEntries();
    expect(ledger['SN-E']!.pendingReimport).toEqual({ approvedAt: NOW, reconcileId: RECONCILE });
    expect(ledger['SN-M']!.pendingReimport).toEqual({ approvedAt: NOW, reconcileId: RECONCILE });
    expect(ledger['SN-T']!.pendingReimport).toBeUndefined();
  });

  it('named actions (serials compared case-insensitively): only those', async () => {
    const w = await world();
    const lines = await w.approve({ actions: [{ serialNumber: ' sn-e ', kind: 'delete-and-reimport' }] });
    expect(outcomes(lines)).toEqual(['SN-E delete-and-reimport: done']);
    expect(w.tenant.writes()).toEqual([{ op: 'deleteAutopilotDevice', params: { id: 'ztd-e' } }]);
    const ledger = await w.ledgerEntries();
    expect(ledger['SN-M']!.pendingReimport).toBeUndefined();
    const findings = await w.findings();
    expect(findings.find((f) => f.serialNumber === 'SN-T')!.approvals).toBeUndefined();
    expect(findings.find((f) => f.serialNumber === 'SN-M')!.approvals).toBeUndefined();
  });

  it('an action the survey did not propose is answered not-proposed, and nothing is done', async () => {
    const w = await world();
    const before = { findings: await w.findings(), ledger: await w.ledgerEntries() };
    const lines = await w.approve({
      actions: [
        { serialNumber: 'SN-X', kind: 'retag-enrolled' }, // in order: nothing proposed
        { serialNumber: 'SN-E', kind: 'retag-enrolled' }, // proposed, but another kind
        { serialNumber: 'SN-NOPE', kind: 'delete-and-reimport' }, // not in the survey at all
      ],
    });
    expect(lines.map((l) => [l.serialNumber, l.kind, l.outcome])).toEqual([
      ['SN-X', 'retag-enrolled', 'not-proposed'],
      ['SN-E', 'retag-enrolled', 'not-proposed'],
      ['SN-NOPE', 'delete-and-reimport', 'not-proposed'],
    ]);
    expect(lines[0]!.detail).toBe(`${RECONCILE} proposed no retag-enrolled for this serial`);
    expect(w.tenant.graph.calls).toEqual([]);
    expect(await w.findings()).toEqual(before.findings);
    expect(await w.ledgerEntries()).toEqual(before.ledger);
  });

  it('approved actions are recorded in their findings, with when and by whom', async () => {
    const w = await world();
    await w.approve({ all: true });
    const byserial = Object.fromEntries((await w.findings()).map((f) => [f.serialNumber, f.approvals]));
    expect(byserial['SN-E']).toEqual([
      {
        outcome: 'done',
        detail: 'registration ztd-e deleted; the next reconciliation imports the device again once the service has removed it',
        at: NOW,
        by: ADMIN,
      },
    ]);
    expect(byserial['SN-M']).toEqual([
      { outcome: 'done', detail: 'no registration to delete; the device is imported again by the next reconciliation', at: NOW, by: ADMIN },
    ]);
    expect(byserial['SN-T']).toEqual([{ outcome: 'done', detail: '"Kiosk" → "Sales"', at: NOW, by: ADMIN }]);
    expect(byserial['SN-X']).toBeUndefined();
  });
});

describe('delete-and-reimport: the registration is deleted only if it still holds that serial', () => {
  it.each<[string, TenantRegistration[], (t: FakeTenant) => void, ApprovalLine['outcome'], string, number, boolean]>([
    [
      'still holds the serial: deleted, ledger marked for re-import',
      [{ id: 'ztd-e', serialNumber: 'SN-E' }],
      () => {},
      'done',
      'registration ztd-e deleted; the next reconciliation imports the device again once the service has removed it',
      1,
      true,
    ],
    [
      'now holds another serial: skipped, nothing deleted',
      [{ id: 'ztd-e', serialNumber: 'SN-OTHER' }],
      () => {},
      'skipped',
      'registration ztd-e now holds another serial',
      0,
      false,
    ],
    [
      'already gone: nothing to delete, ledger marked',
      [],
      () => {},
      'done',
      'no registration to delete; the device is imported again by the next reconciliation',
      0,
      true,
    ],
    [
      'the DELETE refused: failed, ledger not marked',
      [{ id: 'ztd-e', serialNumber: 'SN-E' }],
      (t) => t.refuse.set('deleteAutopilotDevice', 400),
      'failed',
      'DELETE answered 400 BadRequest',
      1,
      false,
    ],
    [
      'the registration unreadable (400, not 404): failed, nothing deleted, ledger not marked',
      [{ id: 'ztd-e', serialNumber: 'SN-E' }],
      (t) => t.refuse.set('getAutopilotDevice', 400),
      'failed',
      'registration ztd-e could not be read; approve again',
      0,
      false,
    ],
  ])('%s', async (_, regs, arrange, outcome, detail, deletes, marked) => {
    const w = await world(regs);
    arrange(w.tenant);
    const lines = await w.approve({ actions: [{ serialNumber: 'SN-E', kind: 'delete-and-reimport' }] });
    expect(lines).toEqual([{ serialNumber: 'SN-E', kind: 'delete-and-reimport', outcome, detail }]);
    expect(w.tenant.graph.count('deleteAutopilotDevice')).toBe(deletes);
    expect(w.tenant.writes()).toHaveLength(deletes);
    expect((await w.ledger.get('SN-E'))!.pendingReimport).toEqual(marked ? { approvedAt: NOW, reconcileId: RECONCILE } : undefined);
  });

  it('a failed approval can be approved again; a done one cannot', async () => {
    const w = await world();
    w.tenant.refuse.set('deleteAutopilotDevice', 400);
    await w.approve({ actions: [{ serialNumber: 'SN-E', kind: 'delete-and-reimport' }] });
    w.tenant.refuse.clear();
    const again = await w.approve({ actions: [{ serialNumber: 'SN-E', kind: 'delete-and-reimport' }] }, LATER);
    expect(again).toEqual([
      { serialNumber: 'SN-E', kind: 'delete-and-reimport', outcome: 'done', detail: expect.stringContaining('deleted') },
    ]);
    expect((await w.ledger.get('SN-E'))!.pendingReimport).toEqual({ approvedAt: LATER, reconcileId: RECONCILE });
    expect(w.tenant.registrations.has('ztd-e')).toBe(false);
  });
});

describe('retag-enrolled: written only if the tag is still the one the survey saw', () => {
  it.each<[string, TenantRegistration[], ApprovalLine['outcome'], string, number]>([
    [
      'still the surveyed tag: re-tagged',
      [{ id: 'ztd-t', serialNumber: 'SN-T', groupTag: 'Kiosk', enrollmentState: 'enrolled' }],
      'done',
      '"Kiosk" → "Sales"',
      1,
    ],
    [
      'tag changed since the survey: skipped',
      [{ id: 'ztd-t', serialNumber: 'SN-T', groupTag: 'Lab', enrollmentState: 'enrolled' }],
      'skipped',
      'the tag changed since the survey (now "Lab")',
      0,
    ],
    [
      "tag already the ledger's: not needed",
      [{ id: 'ztd-t', serialNumber: 'SN-T', groupTag: 'Sales', enrollmentState: 'enrolled' }],
      'not-needed',
      'the tag is "Sales" already',
      0,
    ],
    ['registration gone: not needed', [], 'not-needed', 'the registration is gone', 0],
  ])('%s', async (_, regs, outcome, detail, updates) => {
    const w = await world(regs);
    const lines = await w.approve({ actions: [{ serialNumber: 'SN-T', kind: 'retag-enrolled' }] });
    expect(lines).toEqual([{ serialNumber: 'SN-T', kind: 'retag-enrolled', outcome, detail }]);
    expect(w.tenant.writes()).toEqual(
      updates ? [{ op: 'updateAutopilotDeviceProperties', params: { id: 'ztd-t' }, body: { groupTag: 'Sales' } }] : [],
    );
    // A re-tag never marks a re-import, nor deletes anything.
    expect((await w.ledger.get('SN-T'))!.pendingReimport).toBeUndefined();
  });
});

describe('approving twice', () => {
  it('the second approval does nothing: no Graph call, the ledger and findings as they were', async () => {
    const w = await world();
    await w.approve({ all: true });
    const after = { findings: await w.findings(), ledger: await w.ledgerEntries() };
    const calls = w.tenant.graph.calls.length;
    const second = await w.approve({ all: true }, LATER);
    expect(outcomes(second)).toEqual([
      'SN-E delete-and-reimport: not-needed',
      'SN-M delete-and-reimport: not-needed',
      'SN-T retag-enrolled: not-needed',
    ]);
    expect(second.find((l) => l.serialNumber === 'SN-T')!.detail).toBe(`approved before (${NOW}): done`);
    expect(w.tenant.graph.calls).toHaveLength(calls);
    expect(await w.findings()).toEqual(after.findings);
    expect(await w.ledgerEntries()).toEqual(after.ledger);
    // Named the second time, the same.
    expect(outcomes(await w.approve({ actions: [{ serialNumber: 'SN-E', kind: 'delete-and-reimport' }] }, LATER))).toEqual([
      'SN-E delete-and-reimport: not-needed',
    ]);
    expect(w.tenant.graph.calls).toHaveLength(calls);
  });
});

describe('the audit trail: autopilot-reports/{reconcileId}/approvals.ndjson', () => {
  it('one line per approval line, with when and by whom; later approvals are appended', async () => {
    const w = await world();
    const first = await w.approve({
      actions: [
        { serialNumber: 'SN-T', kind: 'retag-enrolled' },
        { serialNumber: 'SN-NOPE', kind: 'retag-enrolled' },
      ],
    });
    const second = await w.approve({ actions: [{ serialNumber: 'SN-T', kind: 'retag-enrolled' }] }, LATER);
    const audit = (await w.audit())!.split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(audit).toEqual([...first.map((l) => ({ at: NOW, by: ADMIN, ...l })), ...second.map((l) => ({ at: LATER, by: ADMIN, ...l }))]);
    expect(audit.map((a) => a.outcome)).toEqual(['done', 'not-proposed', 'not-needed']);
  });
});

describe('ApproveRequest: the body of POST /api/reconcile/{id}/approve', () => {
  it.each<[string, unknown]>([
    ['all', { all: true }],
    [
      'named actions',
      {
        actions: [
          { serialNumber: 'SN-1', kind: 'delete-and-reimport' },
          { serialNumber: 'SN-2', kind: 'retag-enrolled' },
        ],
      },
    ],
  ])('accepts %s', (_, body) => {
    expect(ApproveRequest.safeParse(body).success).toBe(true);
  });

  it.each<[string, unknown]>([
    ['all: false', { all: false }],
    ['an empty object', {}],
    ['an empty list', { actions: [] }],
    ['an unknown kind', { actions: [{ serialNumber: 'SN-1', kind: 'delete-registration' }] }],
    ['a "never" kind', { actions: [{ serialNumber: 'SN-1', kind: 'delete-entra-device' }] }],
    ['an auto kind', { actions: [{ serialNumber: 'SN-1', kind: 'restore-group-tag' }] }],
    ['an empty serial', { actions: [{ serialNumber: '', kind: 'retag-enrolled' }] }],
    ['no kind', { actions: [{ serialNumber: 'SN-1' }] }],
    ['an extra key in an action', { actions: [{ serialNumber: 'SN-1', kind: 'retag-enrolled', to: 'Kiosk' }] }],
    ['an extra key beside all', { all: true, dryRun: true }],
    ['both all and actions', { all: true, actions: [{ serialNumber: 'SN-1', kind: 'retag-enrolled' }] }],
    ['a list of serials', { serialNumbers: ['SN-1'] }],
    ['a bare list', [{ serialNumber: 'SN-1', kind: 'retag-enrolled' }]],
    ['null', null],
  ])('rejects %s', (_, body) => {
    expect(ApproveRequest.safeParse(body).success).toBe(false);
  });
});
