/**
 * The per-run report: every CSV row with its verdict and, for valid rows, the device's final state,
 * error code, remediation and the time each stage was passed. Three renderings of one model:
 * report.json (machines), report.csv (Excel; formula-injection safe) and summary.md (people).
 * Hardware hashes and user principal names never appear in any of them.
 */
import type { StageCounts } from '../contracts';
import type { ChunkState, DeviceState, RowRecord, RunManifest } from '../run/model';
import { toCsv } from './csv-writer';

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
  counts: StageCounts;
  rows: ReportRow[];
}

export function buildReport(manifest: RunManifest, rows: RowRecord[], chunks: ChunkState[], counts: StageCounts, now: string): RunReport {
  const devices = new Map<number, DeviceState>();
  for (const chunk of chunks) for (const d of chunk.devices) devices.set(d.line, d);
  return {
    runId: manifest.runId,
    source: manifest.source,
    status: manifest.fileRejected || counts.valid === 0 ? 'rejected' : 'completed',
    generatedAt: now,
    fileRejected: manifest.fileRejected,
    format: manifest.format,
    encoding: manifest.encoding,
    warnings: manifest.warnings,
    counts,
    rows: rows.map((row) => {
      const d = devices.get(row.line);
      if (!d) return row;
      const { line: _line, serialNumber: _serial, groupTag: _tag, ...device } = d;
      return { ...row, device };
    }),
  };
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

export function reportCsv(report: RunReport): string {
  return toCsv(
    REPORT_COLUMNS,
    report.rows.map((row) => {
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
    }),
  );
}

function lineList(lines: number[]): string {
  const shown = lines.slice(0, 10).join(', ') + (lines.length > 10 ? ', …' : '');
  return `${lines.length === 1 ? 'line' : 'lines'} ${shown}`;
}

function mdEscape(text: string): string {
  return text.replace(/[|\\`*_<>[\]]/g, (c) => `\\${c}`).replace(/\r?\n/g, ' ');
}

export function reportSummary(report: RunReport): string {
  const c = report.counts;
  const lines = [
    `# Autopilot intake run ${report.runId}`,
    '',
    `- Source: \`${mdEscape(`${report.source.container}/${report.source.name}`)}\` (version ${mdEscape(report.source.etag)})`,
    `- Status: **${report.status}**${report.fileRejected ? ` — ${mdEscape(report.fileRejected)}` : ''}`,
    `- Format: ${report.format ?? 'n/a'}, encoding: ${report.encoding ?? 'n/a'}`,
    `- Generated: ${report.generatedAt}`,
    '',
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
  if (report.warnings.length) lines.push('## File warnings', '', ...report.warnings.map((w) => `- ${mdEscape(w)}`), '');
  const problems = new Map<string, { message: string; remediation: string; lines: number[] }>();
  for (const row of report.rows) {
    const code = row.device?.failure?.code ?? (row.status !== 'valid' ? row.code : undefined);
    if (!code) continue;
    const entry = problems.get(code) ?? { message: row.device?.failure?.message ?? row.message ?? '', remediation: row.device?.failure?.remediation ?? '', lines: [] };
    entry.lines.push(row.line);
    problems.set(code, entry);
  }
  if (problems.size) {
    lines.push('## Problems', '', '| code | rows | example | what to do |', '|---|---:|---|---|');
    for (const [code, p] of problems) lines.push(`| ${mdEscape(code)} | ${p.lines.length} (${lineList(p.lines)}) | ${mdEscape(p.message)} | ${mdEscape(p.remediation || 'see the example')} |`);
    lines.push('');
  }
  const warned = report.rows.filter((row) => row.warnings.length > 0);
  if (warned.length) {
    lines.push('## Row warnings (imported, but check them)', '');
    for (const row of warned.slice(0, 50)) lines.push(`- line ${row.line}: ${mdEscape(row.warnings.join('; '))}`);
    if (warned.length > 50) lines.push(`- … and ${warned.length - 50} more rows (see report.csv)`);
    lines.push('');
  }
  lines.push('Per-device details: `report.csv` and `report.json` next to this file.', '');
  return lines.join('\n');
}
