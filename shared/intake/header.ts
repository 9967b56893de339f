/**
 * Recognises the header line and maps columns by name. Names are matched ignoring case and
 * whitespace (the portal is strict about both; real files from ConfigMgr, Excel and hand edits are
 * not), and every deviation from the documented spelling becomes a warning in the report.
 */
import { parseCsvLine } from './csv-line';
import type { IntakeFormat } from './types';
import { EXPECTED_FILE } from './expected';

export type ColumnKey = 'serial' | 'productId' | 'hash' | 'groupTag' | 'assignedUser' | 'manufacturer' | 'model' | 'orderId';

/** The documented spellings (Microsoft Learn's template and Get-WindowsAutopilotInfo's output). */
export const CANONICAL: Record<ColumnKey, string> = {
  serial: 'Device Serial Number',
  productId: 'Windows Product ID',
  hash: 'Hardware Hash',
  groupTag: 'Group Tag',
  assignedUser: 'Assigned User',
  manufacturer: 'Manufacturer name',
  model: 'Device model',
  orderId: 'OrderID',
};

const BY_NORMALIZED = new Map<string, ColumnKey>(
  (Object.entries(CANONICAL) as Array<[ColumnKey, string]>).map(([key, name]) => [normalizeName(name), key]),
);

function normalizeName(name: string): string {
  return name.replace(/[\s\uFEFF]+/g, '').toLowerCase();
}

export interface Header {
  format: IntakeFormat;
  delimiter: string;
  columns: string[];
  /** Index of each recognised column in a row. */
  index: Partial<Record<ColumnKey, number>>;
  warnings: string[];
}

export type HeaderResult = { ok: true; header: Header } | { ok: false; reason: string };

const DELIMITERS: Array<{ char: string; name: string }> = [
  { char: ',', name: 'comma' },
  { char: ';', name: 'semicolon' },
  { char: '\t', name: 'tab' },
];

const BASE64ISH = /^[A-Za-z0-9+/=]{40,}$/;

/** Shows a cell found where a header should be without ever echoing a hash or a user name (it may be data). */
function showCell(cell: string): string {
  const t = cell.trim();
  if (BASE64ISH.test(t)) return '<long base64 value>';
  if (t.includes('@')) return '<value with @>';
  return t.length > 40 ? `${t.slice(0, 40)}…` : t;
}

function describeCells(cells: string[]): string {
  return `'${cells.slice(0, 8).map(showCell).join(',')}'${cells.length > 8 ? ` and ${cells.length - 8} more` : ''}`;
}

function tryDelimiter(cells: string[]): { index: Partial<Record<ColumnKey, number>>; unknown: string[]; duplicate?: string } {
  const index: Partial<Record<ColumnKey, number>> = {};
  const unknown: string[] = [];
  for (let i = 0; i < cells.length; i++) {
    const raw = (cells[i] ?? '').trim();
    const key = BY_NORMALIZED.get(normalizeName(raw));
    if (!key) {
      if (raw !== '') unknown.push(raw);
      continue;
    }
    if (index[key] !== undefined) return { index, unknown, duplicate: CANONICAL[key] };
    index[key] = i;
  }
  return { index, unknown };
}

export function recognizeHeader(line: string): HeaderResult {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/.test(line)) {
    return {
      ok: false,
      reason:
        'The first line contains NUL or other control bytes: this is binary data, not a text CSV ' +
        `(or UTF-16 text that was damaged). ${EXPECTED_FILE}`,
    };
  }
  let best: { delimiter: { char: string; name: string }; cells: string[]; found: ReturnType<typeof tryDelimiter> } | undefined;
  for (const delimiter of DELIMITERS) {
    const split = parseCsvLine(line, delimiter.char);
    if (!split.ok) continue;
    const found = tryDelimiter(split.fields);
    const score = Object.keys(found.index).length;
    if (!best || score > Object.keys(best.found.index).length) best = { delimiter, cells: split.fields, found };
  }
  if (!best) {
    return { ok: false, reason: `The first line has an unbalanced quotation mark, so it is not a readable CSV header. ${EXPECTED_FILE}` };
  }
  const { delimiter, cells, found } = best;
  if (found.duplicate) {
    return { ok: false, reason: `The header names the column '${found.duplicate}' twice; keep exactly one. ${EXPECTED_FILE}` };
  }
  const { index } = found;
  const missing = (['serial', 'hash'] as const).filter((k) => index[k] === undefined).map((k) => `'${CANONICAL[k]}'`);
  if (missing.length > 0) {
    const recognised = Object.keys(index).length;
    const looksLikeData = cells.some((c) => BASE64ISH.test(c.trim()));
    const why = looksLikeData
      ? 'The first line looks like a device row, not a header: the header line is missing.'
      : recognised === 0
        ? `The first line ${describeCells(cells)} is not a device CSV header.`
        : `The header ${describeCells(cells)} has no ${missing.join(' and no ')} column.`;
    return { ok: false, reason: `${why} ${EXPECTED_FILE}` };
  }

  const warnings: string[] = [];
  if (delimiter.char !== ',') {
    warnings.push(`Columns are separated by ${delimiter.name}s, not commas; accepted, but Intune's own import needs commas.`);
  }
  for (const [key, i] of Object.entries(index) as Array<[ColumnKey, number]>) {
    const written = (cells[i] ?? '').trim();
    if (written !== CANONICAL[key]) {
      warnings.push(
        `Column '${written}' was read as '${CANONICAL[key]}' (differs in case or spacing; Intune's own import is case-sensitive).`,
      );
    }
  }
  if (found.unknown.length > 0) {
    const shown = found.unknown.slice(0, 8).map((u) => `'${showCell(u)}'`);
    if (found.unknown.length > 8) shown.push(`and ${found.unknown.length - 8} more`);
    warnings.push(`Ignored unknown column(s): ${shown.join(', ')}.`);
  }
  if (index.productId === undefined) warnings.push(`No '${CANONICAL.productId}' column; the product key is left empty.`);

  let format: IntakeFormat = 'intune';
  if (index.manufacturer !== undefined || index.model !== undefined) {
    format = 'partner';
    if (index.manufacturer === undefined || index.model === undefined) {
      warnings.push(
        `Partner format with only one of '${CANONICAL.manufacturer}' and '${CANONICAL.model}'; the other is taken from the hash alone.`,
      );
    }
  } else if (index.orderId !== undefined && index.groupTag === undefined) {
    format = 'legacy-orderid';
  }
  if (index.orderId !== undefined) {
    warnings.push(
      index.groupTag === undefined
        ? `The legacy '${CANONICAL.orderId}' column is used as the group tag.`
        : `Both '${CANONICAL.groupTag}' and the legacy '${CANONICAL.orderId}' are present; '${CANONICAL.groupTag}' wins where both are filled.`,
    );
  }
  return {
    ok: true,
    header: { format, delimiter: delimiter.char, columns: cells.map((c) => c.trim()), index, warnings },
  };
}
