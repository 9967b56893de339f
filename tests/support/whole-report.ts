/**
 * A report rendered from a run held whole: the oracle the streamed report (shared/report/
 * report-stream.ts) is compared with on large runs. It shares the row renderings with the product
 * (reportRow, reportCsvRow, SummaryBuilder), so row content is pinned separately by hand-written
 * golden files (tests/unit/report-golden.test.ts); what this oracle checks is the streaming: order,
 * joins, pieces, and that nothing is lost or repeated.
 */
import type { StageCounts } from '../../shared/contracts/run';
import { toCsv } from '../../shared/report/csv-writer';
import { REPORT_COLUMNS, SummaryBuilder, reportCsvRow, reportHeader, reportRow, type RunReport } from '../../shared/report/run-report';
import type { ChunkState, DeviceState, RowRecord, RunManifest } from '../../shared/run/model';

export function buildReport(manifest: RunManifest, rows: RowRecord[], chunks: ChunkState[], counts: StageCounts, now: string): RunReport {
  const devices = new Map<number, DeviceState>();
  for (const chunk of chunks) for (const d of chunk.devices) devices.set(d.line, d);
  return { ...reportHeader(manifest, counts, now), rows: rows.map((row) => reportRow(row, devices.get(row.line))) };
}

export function reportCsv(report: RunReport): string {
  return toCsv(REPORT_COLUMNS, report.rows.map(reportCsvRow));
}

export function reportSummary(report: RunReport): string {
  const summary = new SummaryBuilder();
  for (const row of report.rows) summary.add(row);
  return summary.render(report);
}
