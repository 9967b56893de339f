/**
 * One physical line → its fields, read by csv-parse: RFC 4180 quoting and `""` escapes, the
 * delimiter, and whitespace around quoted fields (`a, "b" ,c`). The line splitter (./lines) has already
 * cut the file at every CR/LF and capped the line's length, so csv-parse sees exactly one record and
 * a quote it finds unclosed costs this line only.
 *
 * csv-parse's errors become the intake's quote problems by their code (QUOTE_PROBLEM below). Codes
 * that these fixed options cannot raise on any input mean a programming error and are rethrown.
 */
import { CsvError, parse, type CsvErrorCode, type Options } from 'csv-parse/sync';

export type QuoteProblem = 'unclosed-quote' | 'text-after-quote';

/** `column` is 1-based: the field where csv-parse stopped. */
export type LineFields = { ok: true; fields: string[] } | { ok: false; problem: QuoteProblem; column: number };

/**
 * Every code csv-parse declares, so an upgrade that adds one fails to compile here until it is placed.
 * `undefined`: never raised with OPTIONS, whatever the line holds:
 * - INVALID_OPENING_QUOTE and CSV_INVALID_CLOSING_QUOTE only without relax_quotes (with it, a stray
 *   quote is data, and text after a closing quote raises the NON_TRIMABLE code under rtrim);
 * - the column-count codes need a second record or `columns`; a line is one record, and the intake's
 *   rule is relative to the header (trailing empty columns and missing optional fields are fine), so
 *   it lives in ./validate-row;
 * - CSV_MAX_RECORD_SIZE: the line cap is ./lines' job, before csv-parse sees the line;
 * - the rest validate options, columns and casting, which are not used.
 */
const QUOTE_PROBLEM: Record<CsvErrorCode, QuoteProblem | undefined> = {
  CSV_QUOTE_NOT_CLOSED: 'unclosed-quote',
  CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE: 'text-after-quote',
  CSV_INVALID_CLOSING_QUOTE: undefined,
  INVALID_OPENING_QUOTE: undefined,
  CSV_RECORD_INCONSISTENT_FIELDS_LENGTH: undefined,
  CSV_RECORD_INCONSISTENT_COLUMNS: undefined,
  CSV_MAX_RECORD_SIZE: undefined,
  CSV_INVALID_ARGUMENT: undefined,
  CSV_INVALID_COLUMN_DEFINITION: undefined,
  CSV_INVALID_COLUMN_MAPPING: undefined,
  CSV_INVALID_OPTION_BOM: undefined,
  CSV_INVALID_OPTION_CAST: undefined,
  CSV_INVALID_OPTION_CAST_DATE: undefined,
  CSV_INVALID_OPTION_COLUMNS: undefined,
  CSV_INVALID_OPTION_COMMENT: undefined,
  CSV_INVALID_OPTION_DELIMITER: undefined,
  CSV_INVALID_OPTION_GROUP_COLUMNS_BY_NAME: undefined,
  CSV_INVALID_OPTION_ON_RECORD: undefined,
  CSV_OPTION_COLUMNS_MISSING_NAME: undefined,
  CSV_UNKNOWN_ERROR: undefined,
};

const OPTIONS: Options = {
  quote: '"',
  escape: '"',
  // A quote inside an unquoted field is data (`=HYPERLINK("x")`, hand-edited files), not an error.
  relax_quotes: true,
  // Blanks before an opening quote and after a closing one are tolerated (`a, "b" ,c`); every value
  // is trimmed downstream anyway, and csv-parse's blanks are String.prototype.trim()'s.
  ltrim: true,
  rtrim: true,
  // The line holds one record; its length against the header is ./validate-row's rule.
  relax_column_count: true,
  // Stated, not discovered: the line has no CR/LF, and discovery would look for one at every byte
  // (allocating as it goes: 10× slower on a 2 KB hash line, measured).
  record_delimiter: '\n',
};

const byDelimiter = new Map<string, Options>();

function optionsFor(delimiter: string): Options {
  let options = byDelimiter.get(delimiter);
  if (!options) byDelimiter.set(delimiter, (options = { ...OPTIONS, delimiter }));
  return options;
}

export function parseCsvLine(line: string, delimiter: string): LineFields {
  // Quote-free lines (nearly all of a device CSV: one 4 KB hash per row) need nothing csv-parse
  // does beyond splitting and trimming, and it costs 3–4× the file's parse time on them
  // (docs/PERFORMANCE.md). Proven equal to csv-parse on such lines: tests/unit/intake/csv-line.test.ts.
  if (line.indexOf(OPTIONS.quote as string) < 0) return { ok: true, fields: line.split(delimiter).map((field) => field.trim()) };
  let records: string[][];
  try {
    records = parse(line, optionsFor(delimiter));
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    const problem = QUOTE_PROBLEM[error.code];
    if (!problem)
      throw new Error(`csv-parse raised ${error.code}, which the intake's options should rule out: ${error.message}`, { cause: error });
    const index = typeof error.index === 'number' ? error.index : 0;
    return { ok: false, problem, column: index + 1 };
  }
  // To csv-parse an empty line holds no record; as one empty field it counts as blank, like `,,`.
  return { ok: true, fields: records[0] ?? [''] };
}
