/**
 * The CSV intake: a stream of bytes in, a stream of events out (see ./types for the contract).
 * Memory stays bounded whatever the file: one chunk, one line (capped by maxLineBytes) and the
 * duplicate index's fixed-size digests are all that is held.
 *
 * Fields are read by csv-parse (./csv-line), one physical line at a time, behind the line splitter
 * (./lines). csv-parse is not given the stream itself: its max_record_size aborts the whole parse,
 * even with skip_records_with_error it keeps buffering an over-long record, and a quoted field that
 * is never closed swallows the rest of the file. The splitter guards it: every CR/LF ends a line, a
 * line over maxLineBytes is dropped as it streams past, and csv-parse sees one capped line, so an
 * unclosed quote or an over-long line costs only its own line and the line numbers are the file's.
 * Device CSVs have no multi-line values, so nothing is lost. csv-parse's sync API, called per line,
 * is at most 1.4× slower than one long-lived streaming parser fed the same lines (bench/csv-line.ts);
 * unlike that parser it starts every line clean. It does cost speed against the former hand-written
 * splitter (2.5–4.4× slower intake, docs/PERFORMANCE.md): accepted for one well-known reader of CSV.
 */
import { z } from 'zod';
import { parseCsvLine } from './csv-line';
import { openText } from './decode';
import { DuplicateIndex } from './dedupe';
import { EXPECTED_FILE } from './expected';
import { recognizeHeader, type Header } from './header';
import { splitLines } from './lines';
import type { IntakeEvent, IntakeOptions, RowVerdict } from './types';
import { showSerial, validateRow } from './validate-row';

/** The most data rows one file may hold unless the caller says otherwise (the app: MAX_FILE_ROWS). */
export const DEFAULT_MAX_ROWS = 1_000_000;
export const DEFAULT_MAX_LINE_BYTES = 64 * 1024;

const Options = z
  .object({
    maxRows: z.number().int().positive().default(DEFAULT_MAX_ROWS),
    maxLineBytes: z.number().int().min(1024).default(DEFAULT_MAX_LINE_BYTES),
  })
  .strict();

function isBlank(fields: string[]): boolean {
  return fields.every((f) => f.trim() === '');
}

/** PowerShell's Export-Csv without -NoTypeInformation and Excel's "sep=" hint put a line before the header. */
function preambleWarning(text: string): string | undefined {
  const t = text.trim();
  if (/^#TYPE\b/i.test(t)) return "Skipped the '#TYPE …' line PowerShell writes before the header (use Export-Csv -NoTypeInformation).";
  if (/^"?sep=.?"?$/i.test(t)) return "Skipped Excel's 'sep=' line before the header.";
  return undefined;
}

/**
 * Reads a device CSV from a byte stream (a blob download, an HTTP body, a file stream, or an array of
 * buffers) and yields the header, one verdict per data row and the totals — or why the file is not a
 * CSV of devices. Throws only for invalid options or when the source itself fails.
 */
export async function* readIntakeCsv(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: IntakeOptions = {},
): AsyncGenerator<IntakeEvent, void, undefined> {
  const { maxRows, maxLineBytes } = Options.parse(options);
  const opened = await openText(source);
  if (opened.kind === 'empty') {
    yield { kind: 'rejected-file', reason: `The file is empty. ${EXPECTED_FILE}` };
    return;
  }
  if (opened.kind === 'not-text') {
    yield { kind: 'rejected-file', reason: opened.reason };
    return;
  }
  const text = opened.text;
  const preamble: string[] = [];
  let header: Header | undefined;
  let headerEncoding = text.encoding;
  const counts = { rowCount: 0, validCount: 0, rejectedCount: 0, duplicateCount: 0, blankLineCount: 0 };
  const duplicates = new DuplicateIndex();

  for await (const physical of splitLines(text.chunks, maxLineBytes)) {
    if (!header) {
      if (physical.tooLong) {
        yield {
          kind: 'rejected-file',
          reason: `Line ${physical.line}, where the header should be, is ${physical.length} characters long with no line break (the limit is ${maxLineBytes}): this is not a device CSV. ${EXPECTED_FILE}`,
        };
        return;
      }
      if (physical.text.trim() === '' || /^[,;\t\s]*$/.test(physical.text)) continue;
      const skipped = preambleWarning(physical.text);
      if (skipped && preamble.length === 0) {
        preamble.push(skipped);
        continue;
      }
      const recognized = recognizeHeader(physical.text);
      if (!recognized.ok) {
        yield { kind: 'rejected-file', reason: recognized.reason };
        return;
      }
      header = recognized.header;
      headerEncoding = text.encoding;
      yield {
        kind: 'header',
        format: header.format,
        encoding: headerEncoding,
        columns: header.columns,
        warnings: [...text.warnings, ...preamble, ...header.warnings],
      };
      continue;
    }

    let verdict: RowVerdict;
    if (physical.tooLong) {
      verdict = {
        status: 'rejected',
        line: physical.line,
        code: 'line-too-long',
        message: `Line ${physical.line} is ${physical.length} characters long; the limit is ${maxLineBytes}. A device row is a few KB: check for a missing line break or pasted data.`,
      };
    } else {
      const split = parseCsvLine(physical.text, header.delimiter);
      if (split.ok && isBlank(split.fields)) {
        counts.blankLineCount++;
        continue;
      }
      if (!split.ok) {
        verdict = {
          status: 'rejected',
          line: physical.line,
          code: 'malformed-quotes',
          message:
            split.problem === 'unclosed-quote'
              ? `Line ${physical.line}: the quoted field in column ${split.column} is not closed on the same line (values cannot contain line breaks). Fix or remove the quotation mark.`
              : `Line ${physical.line}: column ${split.column} has text after its closing quotation mark. Quote the whole value or remove the quotation marks.`,
        };
      } else {
        verdict = validateRow(physical.line, split.fields, header);
      }
    }

    counts.rowCount++;
    if (counts.rowCount > maxRows) {
      yield {
        kind: 'rejected-file',
        reason: `The file has more than ${maxRows.toLocaleString('en-US')} device rows, the most one file may hold (app setting MAX_FILE_ROWS). Split it into files of at most ${maxRows.toLocaleString('en-US')} rows, or raise MAX_FILE_ROWS.`,
      };
      return;
    }
    if (verdict.status === 'valid') {
      const hit = duplicates.check(verdict.line, verdict.serialNumber, verdict.hardwareHash);
      if (hit) {
        const what = hit.key === 'hash' ? 'the same hardware hash' : `the same serial number but a different hardware hash`;
        verdict = {
          status: 'duplicate',
          line: verdict.line,
          key: hit.key,
          duplicateOfLine: hit.firstLine,
          serialNumber: verdict.serialNumber,
          message: `Line ${verdict.line} (serial ${showSerial(verdict.serialNumber)}) repeats line ${hit.firstLine} with ${what}; only line ${hit.firstLine} is imported.`,
        };
      }
    }
    if (verdict.status === 'valid') counts.validCount++;
    else if (verdict.status === 'rejected') counts.rejectedCount++;
    else counts.duplicateCount++;
    yield { kind: 'row', row: verdict };
  }

  if (!header) {
    yield {
      kind: 'rejected-file',
      reason:
        preamble.length > 0
          ? `The file has no header line after its preamble. ${EXPECTED_FILE}`
          : `The file holds only blank lines. ${EXPECTED_FILE}`,
    };
    return;
  }
  if (counts.rowCount === 0) {
    yield { kind: 'rejected-file', reason: `The file has a header but no device rows. Add one line per device under the header.` };
    return;
  }
  const warnings: string[] = [];
  if (text.encoding !== headerEncoding) {
    warnings.push(
      `The start of the file was plain ASCII; later non-ASCII bytes are not valid UTF-8, so the file was read as ${text.encoding}.`,
    );
  }
  yield { kind: 'end', ...counts, warnings };
}
