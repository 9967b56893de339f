/**
 * CSV for people who open it in Excel: RFC 4180 quoting, CRLF, a UTF-8 BOM (without one Excel reads
 * UTF-8 as the local ANSI code page), and no formula injection. Serials, group tags and user names
 * come from files anyone can drop, so a cell such as `=HYPERLINK(...)` must reach the spreadsheet as
 * text: following OWASP's CSV-injection guidance, a text cell whose first non-space character is
 * `=`, `+`, `-`, `@`, a tab or a carriage return is prefixed with a single quote. Numbers are written
 * as numbers (a negative number is not a formula).
 */

export type CsvCell = string | number | undefined;
export type CsvRow = Readonly<Record<string, CsvCell>>;

export const UTF8_BOM = '\uFEFF';
const DANGEROUS_START = /^[ ]*[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;

/** Neutralises a text value that a spreadsheet would run as a formula. */
export function neutralizeFormula(value: string): string {
  return DANGEROUS_START.test(value) ? `'${value}` : value;
}

/** One cell, neutralised and quoted as RFC 4180 requires. */
export function csvCell(value: CsvCell): string {
  if (value === undefined) return '';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`csv-writer: cannot write the number ${value}`);
    return String(value);
  }
  const safe = neutralizeFormula(value);
  return NEEDS_QUOTES.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** One record, including its CRLF. Columns missing from the row are empty. */
export function csvLine(columns: readonly string[], row: CsvRow): string {
  return `${columns.map((c) => csvCell(row[c])).join(',')}\r\n`;
}

function headerLine(columns: readonly string[]): string {
  if (columns.length === 0) throw new Error('csv-writer: at least one column is needed');
  return `${UTF8_BOM}${columns.map((c) => csvCell(c)).join(',')}\r\n`;
}

/** The whole CSV as one string (BOM, header, rows). For large reports use `csvChunks`. */
export function toCsv(columns: readonly string[], rows: Iterable<CsvRow>): string {
  let out = headerLine(columns);
  for (const row of rows) out += csvLine(columns, row);
  return out;
}

/**
 * The same CSV as a stream of text chunks (BOM and header first, then about `batchRows` rows per
 * chunk), from a sync or async row source; feed it to `Readable.from()` to upload without holding
 * the report in memory.
 */
export async function* csvChunks(
  columns: readonly string[],
  rows: Iterable<CsvRow> | AsyncIterable<CsvRow>,
  batchRows = 256,
): AsyncGenerator<string, void, undefined> {
  yield headerLine(columns);
  let batch = '';
  let n = 0;
  for await (const row of rows) {
    batch += csvLine(columns, row);
    if (++n >= batchRows) {
      yield batch;
      batch = '';
      n = 0;
    }
  }
  if (batch) yield batch;
}
