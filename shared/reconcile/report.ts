/**
 * A reconciliation's report, next to the intake runs' in autopilot-reports/{reconcileId}/:
 * report.json (every finding that is not in order, with its evidence, actions and their results),
 * report.csv (the same for Excel: one row per finding, formula-safe) and summary.md (counts per
 * class and tier, then what needs an admin). Oldest unresolved first: the longer a drift stands,
 * the higher it sits. Devices in order are counted, not listed.
 */
import type { ReconcileOutcome, ReconcileReportInput, SurveyResult } from '../contracts/reconcile';
import { csvChunks, type CsvRow } from '../report/csv-writer';
import { CONTAINERS, type ObjectStore } from '../storage/object-store';
import type { Finding } from './model';
import type { ReconcileStore } from './store';

export const RECONCILE_REPORT_COLUMNS = [
  'class',
  'serialNumber',
  'autopilotId',
  'runId',
  'since',
  'evidence',
  'autoActions',
  'results',
  'proposedActions',
] as const;

/** Unresolved: something is left to do for it (an auto action failed, skipped or not attempted, or a proposal). */
export function unresolved(f: Finding): boolean {
  if (f.proposed.length > 0) return true;
  if (f.auto.length === 0) return f.class !== 'foreign' && f.class !== 'in-order';
  return f.auto.some((_, i) => {
    const r = f.results?.[i];
    return !r || r.outcome === 'failed' || r.outcome === 'skipped';
  });
}

/** Unresolved first, then oldest first (findings without a date — foreign devices — last). */
export function reportOrder(a: Finding, b: Finding): number {
  return (
    Number(unresolved(b)) - Number(unresolved(a)) ||
    (a.since ?? '\uffff').localeCompare(b.since ?? '\uffff') ||
    a.serialNumber.localeCompare(b.serialNumber)
  );
}

export function findingCsvRow(f: Finding): CsvRow {
  return {
    class: f.class,
    serialNumber: f.serialNumber,
    autopilotId: f.ztdId,
    runId: f.runId,
    since: f.since,
    evidence: f.evidence.join('; '),
    autoActions: f.auto.map((a) => a.kind).join('; ') || undefined,
    results:
      f.results
        ?.map((r, i) => `${f.auto[i]?.kind ?? '?'}: ${r ? `${r.outcome}${r.detail ? ` (${r.detail})` : ''}` : 'not attempted'}`)
        .join('; ') || undefined,
    proposedActions: f.proposed.map((p) => p.kind).join('; ') || undefined,
  };
}

const NO_SURVEY: SurveyResult = {
  reconcileId: '',
  parts: 0,
  findings: 0,
  byClass: {},
  autoActions: 0,
  proposedActions: 0,
  pages: 0,
  backfilled: 0,
  needsSync: false,
};

export function summaryMarkdown(input: ReconcileReportInput, listed: readonly Finding[]): string {
  const { repair, sync, settings, stopped } = input;
  const survey = input.survey ?? NO_SURVEY;
  const lines = [
    `# Reconciliation ${input.reconcileId}`,
    '',
    `${input.now} · mode **${settings.mode}** · ${survey.findings} devices and records examined from ${survey.pages} pages of reads`,
    '',
  ];
  if (stopped) lines.push(`**Stopped** in ${stopped.phase}: ${stopped.message}`, '', `Fix: ${stopped.fix}`, '');
  if (survey.backfilled > 0)
    lines.push(
      `The ledger was backfilled with ${survey.backfilled} devices from earlier intake reports (their expectations are today's settings).`,
      '',
    );
  lines.push('| Class | Devices |', '| --- | ---: |');
  for (const [cls, n] of Object.entries(survey.byClass).sort((a, b) => b[1] - a[1])) lines.push(`| ${cls} | ${n} |`);
  lines.push('', `Auto actions: ${survey.autoActions}; proposed (need an admin): ${survey.proposedActions}.`);
  if (repair)
    lines.push(
      `Repair: ${repair.done} done, ${repair.notNeeded} not needed, ${repair.skipped} skipped (changed since the survey), ${repair.failed} failed; ${repair.writes} writes to the tenant.`,
    );
  else
    lines.push(settings.mode === 'report-only' ? 'Report only: nothing in the tenant was changed.' : 'Nothing in the tenant was changed.');
  if (sync) lines.push(`Sync: ${sync.status} (${sync.note}).`);
  lines.push(...baselineSection(input));
  const proposals = listed.filter((f) => f.proposed.length > 0);
  if (proposals.length > 0) {
    // The body shown is one ApproveRequest (approve.ts) takes as it is: the first proposal, named.
    // (It said `{"serialNumbers": [...]}`, which the endpoint answers with 400.)
    const first = proposals[0]!;
    const example = JSON.stringify({ actions: [{ serialNumber: first.serialNumber, kind: first.proposed[0]!.kind }] });
    lines.push(
      '',
      '## Waiting for approval',
      '',
      `Approve with \`POST /api/reconcile/${input.reconcileId}/approve\` and a body naming the actions (e.g. \`${example}\`), or \`{"all": true}\` for every one; or \`npm run reconcile -- --approve ${input.reconcileId}\` locally.`,
      '',
    );
    for (const f of proposals.slice(0, 50))
      lines.push(`- ${f.serialNumber} (${f.class}): ${f.proposed.map((p) => p.kind).join(', ')} — ${f.evidence.join('; ')}`);
    if (proposals.length > 50) lines.push(`- … and ${proposals.length - 50} more in report.csv`);
  }
  return `${lines.join('\n')}\n`;
}

/** With BASELINE_FILE: the tenant baseline's drift, as `npm run baseline -- plan` shows it. */
function baselineSection(input: ReconcileReportInput): string[] {
  const d = input.baselineDrift;
  if (!d) return [];
  const out = ['', '## Baseline drift', ''];
  if (d.error) return [...out, `The baseline could not be planned: ${d.error}`];
  if (d.changes + d.conflicts === 0)
    return [...out, `The tenant matches the baseline (${input.settings.baselineFile ?? 'BASELINE_FILE'}).`];
  out.push(
    `${d.changes} change(s) and ${d.conflicts} conflict(s) against ${input.settings.baselineFile ?? 'BASELINE_FILE'}; \`npm run baseline -- apply\`, as an administrator, makes them (the reconciliation never does):`,
    '',
    '```',
    ...d.lines,
    ...(d.more > 0 ? [`… and ${d.more} more line(s): run \`npm run baseline -- plan\``] : []),
    '```',
  );
  return out;
}

/** The findings of one class from the parts, in part order, a part at a time. */
async function* ofClass(store: ReconcileStore, reconcileId: string, parts: number, cls: Finding['class']): AsyncGenerator<Finding> {
  for (let part = 0; part < parts; part++) for (const f of await store.readPart(reconcileId, part)) if (f.class === cls) yield f;
}

async function* jsonPieces(header: object, sorted: readonly Finding[], foreign: () => AsyncIterable<Finding>): AsyncGenerator<string> {
  yield `${JSON.stringify(header).slice(0, -1)},"findings":[`;
  let first = true;
  for (const f of sorted) {
    yield `${first ? '' : ','}\n${JSON.stringify(f)}`;
    first = false;
  }
  for await (const f of foreign()) {
    yield `${first ? '' : ','}\n${JSON.stringify(f)}`;
    first = false;
  }
  yield '\n]}\n';
}

/**
 * Findings that need attention are held and sorted (as many as the ledger has drifts); devices in
 * order are counted only; foreign registrations — as many as the tenant holds — are streamed from
 * the parts after them, so the step's memory follows the ledger, not the tenant.
 */
export async function writeReconcileReport(
  deps: { objects: ObjectStore; store: ReconcileStore },
  input: ReconcileReportInput,
): Promise<ReconcileOutcome> {
  const survey = input.survey ?? NO_SURVEY;
  const listed: Finding[] = [];
  for (let part = 0; part < survey.parts; part++) {
    for (const f of await deps.store.readPart(input.reconcileId, part)) if (f.class !== 'in-order' && f.class !== 'foreign') listed.push(f);
  }
  listed.sort(reportOrder);
  const foreign = () => ofClass(deps.store, input.reconcileId, survey.parts, 'foreign');
  const folder = input.reconcileId;
  const { repair, sync, stopped, baselineDrift } = input;
  const header = {
    reconcileId: input.reconcileId,
    generatedAt: input.now,
    mode: input.settings.mode,
    byClass: survey.byClass,
    examined: survey.findings,
    pages: survey.pages,
    ...(repair ? { repair } : {}),
    ...(sync ? { sync } : {}),
    ...(stopped ? { stopped } : {}),
    ...(baselineDrift ? { baselineDrift } : {}),
  };
  await deps.objects.putStream(CONTAINERS.reports, `${folder}/report.json`, jsonPieces(header, listed, foreign), 'application/json');
  async function* csvRows() {
    for (const f of listed) yield findingCsvRow(f);
    for await (const f of foreign()) yield findingCsvRow(f);
  }
  await deps.objects.putStream(
    CONTAINERS.reports,
    `${folder}/report.csv`,
    csvChunks(RECONCILE_REPORT_COLUMNS, csvRows()),
    'text/csv; charset=utf-8',
  );
  await deps.objects.put(CONTAINERS.reports, `${folder}/summary.md`, summaryMarkdown(input, listed), 'text/markdown; charset=utf-8');
  return {
    reconcileId: input.reconcileId,
    mode: input.settings.mode,
    reportPath: `${CONTAINERS.reports}/${folder}/report.json`,
    findings: survey.findings,
    byClass: survey.byClass,
    ...(repair ? { repair } : {}),
    ...(stopped ? { stopped } : {}),
    ...(baselineDrift ? { baselineDrift } : {}),
  };
}
