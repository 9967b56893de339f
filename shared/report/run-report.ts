/**
 * The per-run report: every CSV row with its verdict and, for valid rows, the device's final state,
 * error code, remediation and the time each stage was passed. Three renderings of one model:
 * report.json (machines), report.csv (Excel; formula-injection safe) and summary.md (people).
 * Hardware hashes and user principal names never appear in any of them.
 * Everything here works row by row (reportHeader, reportRow, reportCsvRow, SummaryBuilder), so the
 * finalize step streams a report of any size (report-stream.ts).
 */
import type { RunStop, StageCounts } from '../contracts';
import type { DeviceState, RowRecord, RunManifest } from '../run/model';
import type { CsvRow } from './csv-writer';

export interface ReportRow extends RowRecord {
  device?: Omit<DeviceState, 'line' | 'serialNumber' | 'groupTag'>;
}

export interface RunReport {
  runId: string;
  source: RunManifest['source'];
  status: 'completed' | 'rejected';
  generatedAt: string;
  fileRejected?: string;
  format?: string;
  encoding?: string;
  warnings: string[];
  /** A permanent failure stopped the run: what failed and how to fix it. */
  stopped?: RunStop;
  counts: StageCounts;
  rows: ReportRow[];
}

export type ReportHeader = Omit<RunReport, 'rows'>;

/** Everything in the report but its rows (their order is the JSON's key order). */
export function reportHeader(manifest: RunManifest, counts: StageCounts, now: string, stopped?: RunStop): ReportHeader {
  return {
    runId: manifest.runId,
    source: manifest.source,
    status: manifest.fileRejected || counts.valid === 0 ? 'rejected' : 'completed',
    generatedAt: now,
    fileRejected: manifest.fileRejected,
    format: manifest.format,
    encoding: manifest.encoding,
    warnings: manifest.warnings,
    ...(stopped ? { stopped } : {}),
    counts,
  };
}

/** One row of the report: the row's verdict and, for a valid row, its device's state. */
export function reportRow(row: RowRecord, d: DeviceState | undefined): ReportRow {
  if (!d) return row;
  const { line: _line, serialNumber: _serial, groupTag: _tag, ...device } = d;
  return { ...row, device };
}

export const REPORT_COLUMNS = [
  'line',
  'serialNumber',
  'rowStatus',
  'result',
  'failedStage',
  'code',
  'message',
  'remediation',
  'manufacturer',
  'model',
  'groupTag',
  'autopilotId',
  'importStatus',
  'importError',
  'profileStatus',
  'profileId',
  'espId',
  'importedAt',
  'registeredAt',
  'inGroupAt',
  'profileAssignedAt',
  'espConfirmedAt',
  'finishedAt',
  'warnings',
];

function resultOf(row: ReportRow): string {
  if (row.status !== 'valid') return row.status;
  return row.device?.result ?? 'pending';
}

/** The report.csv record of one row. */
export function reportCsvRow(row: ReportRow): CsvRow {
  const d = row.device;
  return {
    line: row.line,
    serialNumber: row.serialNumber,
    rowStatus: row.status,
    result: resultOf(row),
    failedStage: d?.failure?.stage,
    code: d?.failure?.code ?? row.code,
    message: d?.failure?.message ?? row.message,
    remediation: d?.failure?.remediation,
    manufacturer: row.manufacturer,
    model: row.model,
    groupTag: row.groupTag,
    autopilotId: d?.ztdId,
    importStatus: d?.importStatus,
    importError: d?.importErrorCode ? `${d.importErrorCode} ${d.importErrorName ?? ''}`.trim() : d?.importErrorName,
    profileStatus: d?.profileStatus,
    profileId: d?.profileId,
    espId: d?.espId,
    importedAt: d?.at.imported,
    registeredAt: d?.at.registered,
    inGroupAt: d?.at.inGroup,
    profileAssignedAt: d?.at.profileAssigned,
    espConfirmedAt: d?.at.espConfirmed,
    finishedAt: d?.at.finished,
    warnings: row.warnings.join(' | '),
  };
}

/** Lines shown per problem; the rest are counted. */
const LINES_SHOWN = 10;
/** Rows with warnings listed one by one; the rest are counted. */
const WARNED_SHOWN = 50;

function lineList(count: number, shownLines: number[]): string {
  const shown = shownLines.slice(0, LINES_SHOWN).join(', ') + (count > LINES_SHOWN ? ', …' : '');
  return `${count === 1 ? 'line' : 'lines'} ${shown}`;
}

function mdEscape(text: string): string {
  return text.replace(/[|\\`*_<>[\]]/g, (c) => `\\${c}`).replace(/\r?\n/g, ' ');
}

/**
 * summary.md, fed one report row at a time: it keeps per problem code a count and the first lines,
 * and the first rows with warnings — what the summary shows — so its memory does not follow the run.
 */
export class SummaryBuilder {
  private readonly problems = new Map<string, { message: string; remediation: string; count: number; lines: number[] }>();
  private readonly warned: { line: number; warnings: string[] }[] = [];
  private warnedCount = 0;

  add(row: ReportRow): void {
    const code = row.device?.failure?.code ?? (row.status !== 'valid' ? row.code : undefined);
    if (code) {
      const entry = this.problems.get(code) ?? {
        message: row.device?.failure?.message ?? row.message ?? '',
        remediation: row.device?.failure?.remediation ?? '',
        count: 0,
        lines: [],
      };
      entry.count++;
      if (entry.lines.length < LINES_SHOWN) entry.lines.push(row.line);
      this.problems.set(code, entry);
    }
    if (row.warnings.length > 0) {
      if (this.warned.length < WARNED_SHOWN) this.warned.push({ line: row.line, warnings: row.warnings });
      this.warnedCount++;
    }
  }

  render(header: ReportHeader): string {
    const c = header.counts;
    const lines = [
      `# Autopilot intake run ${header.runId}`,
      '',
      `- Source: \`${mdEscape(`${header.source.container}/${header.source.name}`)}\` (version ${mdEscape(header.source.etag)})`,
      `- Status: **${header.status}**${header.fileRejected ? ` — ${mdEscape(header.fileRejected)}` : ''}`,
      `- Format: ${header.format ?? 'n/a'}, encoding: ${header.encoding ?? 'n/a'}`,
      `- Generated: ${header.generatedAt}`,
      '',
      ...(header.stopped
        ? [
            `**The run stopped in its ${header.stopped.phase} phase: ${mdEscape(header.stopped.message)}**`,
            '',
            `Fix: ${mdEscape(header.stopped.fix)}`,
            '',
          ]
        : []),
      '| stage | devices |',
      '|---|---:|',
      `| rows in file | ${c.rows} |`,
      `| valid rows | ${c.valid} |`,
      `| rejected rows | ${c.rejectedRows} |`,
      `| duplicate rows | ${c.duplicateRows} |`,
      `| imported (incl. already registered) | ${c.imported} |`,
      `| registered in Autopilot | ${c.registered} |`,
      `| in expected group(s) | ${c.inGroup} |`,
      `| deployment profile assigned | ${c.profileAssigned} |`,
      `| expected ESP applies | ${c.espConfirmed} |`,
      `| **confirmed** | **${c.confirmed}** |`,
      `| **failed** | **${c.failed}** |`,
      '',
    ];
    if (header.warnings.length) lines.push('## File warnings', '', ...header.warnings.map((w) => `- ${mdEscape(w)}`), '');
    if (this.problems.size) {
      lines.push('## Problems', '', '| code | rows | example | what to do |', '|---|---:|---|---|');
      for (const [code, p] of this.problems)
        lines.push(
          `| ${mdEscape(code)} | ${p.count} (${lineList(p.count, p.lines)}) | ${mdEscape(p.message)} | ${mdEscape(p.remediation || 'see the example')} |`,
        );
      lines.push('');
    }
    if (this.warnedCount) {
      lines.push('## Row warnings (imported, but check them)', '');
      for (const row of this.warned) lines.push(`- line ${row.line}: ${mdEscape(row.warnings.join('; '))}`);
      if (this.warnedCount > WARNED_SHOWN) lines.push(`- … and ${this.warnedCount - WARNED_SHOWN} more rows (see report.csv)`);
      lines.push('');
    }
    lines.push('Per-device details: `report.csv` and `report.json` next to this file.', '');
    return lines.join('\n');
  }
}
