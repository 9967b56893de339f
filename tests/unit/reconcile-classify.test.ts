import { describe, expect, it } from 'vitest';
import type { LedgerEntry } from '../../shared/ledger/entry';
import { classify, foreign, leftoverRecord, type Registration, type TenantView } from '../../shared/reconcile/classify';
import { AUTO_KINDS, PROPOSED_KINDS, type DriftClass, type Finding } from '../../shared/reconcile/model';

const G = 'group-1';
const P = 'profile-1';
const NOW = '2026-12-07T12:00:00.000Z';

const entry = (over: Partial<LedgerEntry> = {}): LedgerEntry => ({
  serialNumber: 'SN-1',
  runId: 'intake-00000000000000000000000000000001',
  sourceKind: 'drop',
  archived: { path: 'autopilot-intake-archive/processed/oem/a.csv', line: 7 },
  groupTag: 'Sales',
  expected: { groupIds: [G], profileId: P },
  ztdId: 'ztd-1',
  import: { outcome: 'imported' },
  confirm: { outcome: 'confirmed', at: '2026-12-07T10:00:00.000Z' },
  recordedAt: '2026-12-07T10:00:00.000Z',
  ...over,
});
const reg = (over: Partial<Registration> = {}): Registration => ({
  id: 'ztd-1',
  serialNumber: 'SN-1',
  groupTag: 'Sales',
  aadDeviceId: 'aad-1',
  profileStatus: 'assignedInSync',
  detailedStatus: 'none',
  enrollmentState: 'notContacted',
  ...over,
});

interface World {
  regs?: Registration[];
  entra?: Record<string, string[]>;
  group?: { exists: boolean; processing: string; members: string[] } | undefined;
  profile?: { devices: string[]; targets: string[]; excludes?: string[] } | undefined;
}
function view(w: World = {}): TenantView {
  const regs = w.regs ?? [reg()];
  const entra = w.entra ?? { 'aad-1': ['[ZTDID]:ztd-1', '[OrderID]:Sales'] };
  const group = 'group' in w ? w.group : { exists: true, processing: 'On', members: ['aad-1'] };
  const profile = 'profile' in w ? w.profile : { devices: ['ztd-1'], targets: [G] };
  return {
    now: NOW,
    stuckMinutes: 60,
    registrations: (serial) => regs.filter((r) => r.serialNumber.toUpperCase() === serial.toUpperCase()),
    entraDevice: (id) => (entra[id] ? { physicalIds: entra[id]! } : undefined),
    group: () => (group ? { exists: group.exists, processing: group.processing, members: new Set(group.members) } : undefined),
    profile: () =>
      profile
        ? { devices: new Set(profile.devices), targets: new Set(profile.targets), excludes: new Set(profile.excludes ?? []) }
        : undefined,
  };
}
const kinds = (f: Finding) => ({ class: f.class, auto: f.auto.map((a) => a.kind), proposed: f.proposed.map((a) => a.kind) });

describe('reconciliation classifier: each drift class from its evidence', () => {
  it.each<[string, Partial<LedgerEntry>, World, { class: DriftClass; auto: string[]; proposed: string[] }]>([
    ['everything as the run left it', {}, {}, { class: 'in-order', auto: [], proposed: [] }],
    [
      'reported failed by a deadline, in order now',
      { confirm: { outcome: 'failed', code: 'ProfileNotAssigned', stage: 'profile' } },
      {},
      { class: 'late-success', auto: ['mark-late-success'], proposed: [] },
    ],
    [
      'a late success already recorded is in order',
      { confirm: { outcome: 'failed', code: 'X' }, lateSuccessAt: NOW },
      {},
      { class: 'in-order', auto: [], proposed: [] },
    ],
    ['registration gone', {}, { regs: [] }, { class: 'registration-missing', auto: [], proposed: ['delete-and-reimport'] }],
    [
      'registration gone, nothing archived to import again',
      { archived: undefined },
      { regs: [] },
      { class: 'registration-missing', auto: [], proposed: [] },
    ],
    [
      'approved re-import, old registration gone: import again',
      { pendingReimport: { approvedAt: NOW, reconcileId: 'r' } },
      { regs: [] },
      { class: 'registration-missing', auto: ['reimport'], proposed: [] },
    ],
    [
      'approved re-import, old registration still there: wait',
      { pendingReimport: { approvedAt: NOW, reconcileId: 'r' } },
      {},
      { class: 'registration-missing', auto: [], proposed: [] },
    ],
    [
      're-imported 10 minutes ago, not registered yet: wait and ask for the sync',
      { runId: 'reconcile-1', confirm: { outcome: 'pending' }, import: { outcome: 'imported', at: '2026-12-07T11:50:00.000Z' } },
      { regs: [] },
      { class: 'registration-missing', auto: ['request-sync'], proposed: [] },
    ],
    [
      're-imported 2 hours ago, still not registered: propose again',
      { runId: 'reconcile-1', confirm: { outcome: 'pending' }, import: { outcome: 'imported', at: '2026-12-07T10:00:00.000Z' } },
      { regs: [] },
      { class: 'registration-missing', auto: [], proposed: ['delete-and-reimport'] },
    ],
    ['registered twice', {}, { regs: [reg(), reg({ id: 'ztd-2' })] }, { class: 'duplicate-registration', auto: [], proposed: [] }],
    [
      'Entra device deleted, registration stays',
      {},
      { entra: {} },
      { class: 'entra-device-deleted', auto: [], proposed: ['delete-and-reimport'] },
    ],
    [
      'no Entra device linked',
      {},
      { regs: [reg({ aadDeviceId: '' })] },
      { class: 'entra-device-deleted', auto: [], proposed: ['delete-and-reimport'] },
    ],
    [
      'ZTDID physical id missing',
      {},
      { entra: { 'aad-1': ['[OrderID]:Sales'] } },
      { class: 'ztdid-mismatch', auto: [], proposed: ['delete-and-reimport'] },
    ],
    [
      'tag changed by hand, not enrolled: restored',
      {},
      { regs: [reg({ groupTag: 'Kiosk' })] },
      { class: 'group-tag-drift', auto: ['restore-group-tag'], proposed: [] },
    ],
    [
      'tag changed by hand, enrolled: proposed',
      {},
      { regs: [reg({ groupTag: 'Kiosk', enrollmentState: 'enrolled' })] },
      { class: 'group-tag-drift', auto: [], proposed: ['retag-enrolled'] },
    ],
    [
      'out of the group, rule paused',
      {},
      { group: { exists: true, processing: 'Paused', members: [] } },
      { class: 'not-in-group', auto: [], proposed: [] },
    ],
    ['out of the group', {}, { group: { exists: true, processing: 'On', members: [] } }, { class: 'not-in-group', auto: [], proposed: [] }],
    ['expected group deleted', {}, { group: undefined }, { class: 'not-in-group', auto: [], proposed: [] }],
    [
      'profile not assigned: the gated sync is asked for',
      {},
      { regs: [reg({ profileStatus: 'notAssigned' })] },
      { class: 'profile-not-assigned', auto: ['request-sync'], proposed: [] },
    ],
    [
      'profile pending for long: stuck',
      {},
      { regs: [reg({ profileStatus: 'pending' })] },
      { class: 'profile-stuck', auto: ['request-sync'], proposed: [] },
    ],
    [
      'profile pending just after the run: still on its way',
      { confirm: { outcome: 'confirmed', at: '2026-12-07T11:30:00.000Z' } },
      { regs: [reg({ profileStatus: 'pending' })] },
      { class: 'profile-not-assigned', auto: ['request-sync'], proposed: [] },
    ],
    [
      'profile assignment failed',
      {},
      { regs: [reg({ profileStatus: 'failed', detailedStatus: 'hardwareRequirementsNotMet' })] },
      { class: 'profile-failed', auto: [], proposed: [] },
    ],
    ['another profile', {}, { profile: { devices: [], targets: [G] } }, { class: 'unexpected-profile', auto: [], proposed: [] }],
  ])('%s', (_, over, world, expected) => {
    expect(kinds(classify(entry(over), view(world)))).toEqual(expected);
  });

  it("says why a profile is not assigned: group membership, the profile's targeting, the detailed status", () => {
    const excluded = classify(
      entry(),
      view({
        regs: [reg({ profileStatus: 'notAssigned', detailedStatus: 'hardwareRequirementsNotMet' })],
        profile: { devices: [], targets: [G], excludes: [G] },
      }),
    );
    expect(excluded.evidence).toEqual([
      'deploymentProfileAssignmentStatus "notAssigned"; detailed status hardwareRequirementsNotMet',
      'a member of every expected group',
      'expected profile profile-1 excludes an expected group',
    ]);
    const untargeted = classify(
      entry(),
      view({ regs: [reg({ profileStatus: 'notAssigned' })], profile: { devices: [], targets: ['other'] } }),
    );
    expect(untargeted.evidence[2]).toBe('expected profile profile-1 does not target group-1');
    const paused = classify(entry(), view({ group: { exists: true, processing: 'Paused', members: [] } }));
    expect(paused.evidence).toEqual(['not a member of group-1: its rule processing is Paused']);
  });

  it("a restored tag goes back to the ledger's value, on the registration that drifted", () => {
    expect(classify(entry(), view({ regs: [reg({ groupTag: 'Kiosk' })] })).auto).toEqual([
      { kind: 'restore-group-tag', ztdId: 'ztd-1', serialNumber: 'SN-1', from: 'Kiosk', to: 'Sales' },
    ]);
  });
});

describe('foreign devices and import records', () => {
  it('a registration without a ledger entry is reported and never acted on', () => {
    expect(kinds(foreign(reg({ serialNumber: 'OTHER-1' })))).toEqual({ class: 'foreign', auto: [], proposed: [] });
  });

  it.each([
    ['intake-0123456789abcdef0123456789abcdef-c3', 'complete', true, ['delete-import-record']],
    ['intake-0123456789abcdef0123456789abcdef-c3', 'error', true, ['delete-import-record']],
    ['intake-0123456789abcdef0123456789abcdef-c3', 'pending', true, []],
    ['intake-0123456789abcdef0123456789abcdef-c3', 'unknown', true, []],
  ] as const)('our run %s in state %s → %j', (importId, status, ours, expected) => {
    const f = leftoverRecord({ id: 'r1', serialNumber: 'SN-9', importId, status }, () => ours);
    expect(f?.auto.map((a) => a.kind)).toEqual(expected);
  });

  it.each<[string, string, () => boolean]>([
    ["another tool's importId", 'Kieselbach-2026-01-01', () => true],
    ['an intake-looking id of a run this app never had', 'intake-ffffffffffffffffffffffffffffffff-c0', () => false],
  ])('never touches %s', (_, importId, runExists) => {
    expect(leftoverRecord({ id: 'r1', serialNumber: 'SN-9', importId, status: 'complete' }, runExists)).toBeUndefined();
  });
});

describe('tiers: no input makes a "never" action', () => {
  // Every combination of the facts the rules read, exhaustively.
  const statuses = ['assignedInSync', 'assignedOutOfSync', 'pending', 'failed', 'notAssigned', 'unknown', ''];
  const enrollment = ['notContacted', 'enrolled', 'pendingReset', 'failed'];
  const tags = ['Sales', 'Kiosk', ''];
  const groups: World['group'][] = [
    undefined,
    { exists: true, processing: 'On', members: ['aad-1'] },
    { exists: true, processing: 'Paused', members: [] },
  ];
  const entraStates: Record<string, string[]>[] = [{}, { 'aad-1': ['[OrderID]:Sales'] }, { 'aad-1': ['[ZTDID]:ztd-1'] }];
  const entries = [
    entry(),
    entry({ confirm: { outcome: 'failed', code: 'X' } }),
    entry({ archived: undefined }),
    entry({ pendingReimport: { approvedAt: NOW, reconcileId: 'r' } }),
  ];
  const registrations = (s: string, e: string, t: string): Registration[][] => [
    [],
    [reg({ profileStatus: s, enrollmentState: e, groupTag: t })],
    [reg(), reg({ id: 'ztd-2' })],
  ];

  it('over every combination, actions are only of the allowed kinds; auto never touches an enrolled device nor a registration outside the ledger', () => {
    let combinations = 0;
    for (const e of entries)
      for (const s of statuses)
        for (const en of enrollment)
          for (const t of tags)
            for (const regs of registrations(s, en, t))
              for (const group of groups)
                for (const entra of entraStates) {
                  const f = classify(e, view({ regs, group, entra }));
                  combinations++;
                  for (const a of f.auto) {
                    expect(AUTO_KINDS).toContain(a.kind);
                    if (a.kind === 'restore-group-tag') expect(regs.find((r) => r.id === a.ztdId)?.enrollmentState).toBe('notContacted');
                    if ('serialNumber' in a) expect(a.serialNumber).toBe(e.serialNumber);
                  }
                  for (const p of f.proposed) expect(PROPOSED_KINDS).toContain(p.kind);
                }
    expect(combinations).toBeGreaterThan(5_000);
    // The "never" list has no action kind to be expressed in.
    for (const forbidden of [
      'delete-registration',
      'delete-entra-device',
      'disable-entra-device',
      'change-profile',
      'change-esp',
      'change-group-rule',
      'assign-user',
    ]) {
      expect([...AUTO_KINDS, ...PROPOSED_KINDS]).not.toContain(forbidden);
    }
  });
});
