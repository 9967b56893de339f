/**
 * The report rendered piece by piece, for runs of any size: row verdicts and device states are
 * joined as they are read (both come in ascending line order, see run/model.ts), and report.json /
 * report.csv come out as text pieces to upload as they are produced. The output is byte for byte
 * what `JSON.stringify(buildReport(…), null, 2)` and `reportCsv` give for the same run.
 */
import type { ChunkState, DeviceState, RowRecord } from '../run/model';
import { csvChunks } from './csv-writer';
import { REPORT_COLUMNS, reportCsvRow, reportRow, type ReportHeader, type ReportRow } from './run-report';

/** Rows per piece of report.json (about 1.5 KB each). */
const JSON_ROWS_PER_PIECE = 200;

async function* devicesOf(chunks: AsyncIterable<ChunkState>): AsyncGenerator<DeviceState, void, undefined> {
  // Within a chunk the devices are in file order already; sorting guards the join against a writer
  // that reorders them, at the cost of one chunk.
  for await (const chunk of chunks) yield* [...chunk.devices].sort((a, b) => a.line - b.line);
}

/** Every row with its device's state (valid rows), a merge join on the line number. */
export async function* joinReportRows(
  rows: AsyncIterable<RowRecord>,
  chunks: AsyncIterable<ChunkState>,
): AsyncGenerator<ReportRow, void, undefined> {
  const devices = devicesOf(chunks);
  let next = await devices.next();
  try {
    for await (const row of rows) {
      while (!next.done && next.value.line < row.line) next = await devices.next();
      yield reportRow(row, !next.done && next.value.line === row.line ? next.value : undefined);
    }
  } finally {
    await devices.return(undefined);
  }
}

/** report.json: the header's fields as `JSON.stringify(report, null, 2)` writes them, then the rows as they come. */
export async function* reportJsonPieces(header: ReportHeader, rows: AsyncIterable<ReportRow>): AsyncGenerator<string, void, undefined> {
  // `rows` is the document's last key: render the header with an empty list and open it up.
  const closed = JSON.stringify({ ...header, rows: [] }, null, 2);
  const emptyTail = '[]\n}';
  if (!closed.endsWith(emptyTail)) throw new Error('report header: unexpected JSON layout');
  let piece = closed.slice(0, -emptyTail.length);
  let count = 0;
  for await (const row of rows) {
    // Rows sit two levels deep: every line of their own rendering is indented by four spaces.
    piece += `${count === 0 ? '[\n' : ',\n'}    ${JSON.stringify(row, null, 2).replace(/\n/g, '\n    ')}`;
    if (++count % JSON_ROWS_PER_PIECE === 0) {
      yield piece;
      piece = '';
    }
  }
  yield `${piece}${count === 0 ? '[]' : '\n  ]'}\n}`;
}

/** report.csv, BOM and header first. */
export async function* reportCsvPieces(rows: AsyncIterable<ReportRow>): AsyncGenerator<string, void, undefined> {
  yield* csvChunks(REPORT_COLUMNS, mapRows(rows, reportCsvRow));
}

async function* mapRows<T, U>(items: AsyncIterable<T>, f: (item: T) => U): AsyncGenerator<U, void, undefined> {
  for await (const item of items) yield f(item);
}
