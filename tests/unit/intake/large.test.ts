import { describe, expect, it } from 'vitest';
import { generateHardwareHash } from '../../../local/fixtures/hardware-hash-generator';
import { readIntakeCsv } from '../../../shared/intake';
import { HEADER } from './helpers';

const ROWS = 100_000;

type Expected = 'valid' | 'rejected:hash-not-base64' | 'duplicate:hash' | 'blank';

/** Row i (0-based) of the generated file: mostly valid, with known bad, duplicate and blank lines. */
function kindOf(i: number): Expected {
  if (i % 5000 === 4999) return 'blank';
  if (i % 1000 === 500) return 'rejected:hash-not-base64';
  if (i % 997 === 1) return 'duplicate:hash';
  return 'valid';
}

// One real synthetic hash with a fixed-width serial; each row gets a copy with its own serial
// written in, so every row has a distinct, structurally valid hash without generating 100,000.
const TEMPLATE_SERIAL = 'BIG-000000';
const template = Buffer.from(
  generateHardwareHash({ serialNumber: TEMPLATE_SERIAL, manufacturer: 'Contoso', model: 'Laptop 7', padding: 64 }),
  'base64',
);
const serialAt = template.indexOf(TEMPLATE_SERIAL, 0, 'latin1');

function serialOf(n: number): string {
  return `BIG-${String(n).padStart(6, '0')}`;
}

function hashOf(n: number): string {
  const bytes = Buffer.from(template);
  bytes.write(serialOf(n), serialAt, 'latin1');
  return bytes.toString('base64');
}

function rowText(i: number): string {
  const kind = kindOf(i);
  if (kind === 'blank') return '';
  if (kind === 'rejected:hash-not-base64') return `${serialOf(i)},,not-base64-${i}`;
  // A duplicate repeats row i-1 (within 100,000 rows that row is never blank or rejected; duplicateOfLine is checked).
  const n = kind === 'duplicate:hash' ? i - 1 : i;
  return `${serialOf(n)},,${hashOf(n)}`;
}

async function* generatedFile(): AsyncGenerator<Uint8Array> {
  let buf = `${HEADER}\r\n`;
  for (let i = 0; i < ROWS; i++) {
    buf += `${rowText(i)}\r\n`;
    if (buf.length > 64 * 1024) {
      yield Buffer.from(buf);
      buf = '';
    }
  }
  yield Buffer.from(buf);
}

describe('a 100,000-row file', () => {
  // A bound for a loaded CI machine (it takes a few seconds), not a timing assertion.
  it('gives every row exactly one verdict, in order, with the right line numbers', { timeout: 180_000 }, async () => {
    expect(serialAt).toBeGreaterThan(0);
    expect(kindOf(0)).toBe('valid');
    let expectedIndex = 0;
    let header = 0;
    let end: { rowCount: number; validCount: number; rejectedCount: number; duplicateCount: number; blankLineCount: number } | undefined;
    const tally = { valid: 0, rejected: 0, duplicate: 0, blank: 0 };
    for await (const event of readIntakeCsv(generatedFile())) {
      if (event.kind === 'header') header++;
      else if (event.kind === 'end') end = event;
      else if (event.kind === 'rejected-file') throw new Error(`file rejected: ${event.reason}`);
      else {
        while (kindOf(expectedIndex) === 'blank') {
          tally.blank++;
          expectedIndex++;
        }
        const row = event.row;
        const got = row.status === 'valid' ? 'valid' : row.status === 'rejected' ? `rejected:${row.code}` : `duplicate:${row.key}`;
        // Line = index + 2 (line 1 is the header); checked per row without keeping the events.
        if (row.line !== expectedIndex + 2 || got !== kindOf(expectedIndex)) {
          throw new Error(`line ${row.line}: got ${got}, expected line ${expectedIndex + 2} to be ${kindOf(expectedIndex)}`);
        }
        if (row.status === 'duplicate' && row.duplicateOfLine !== row.line - 1)
          throw new Error(`line ${row.line}: duplicate of ${row.duplicateOfLine}`);
        if (
          row.status === 'valid' &&
          (row.serialNumber !== serialOf(expectedIndex) || row.hashSerialNumber !== row.serialNumber || row.warnings.length > 0)
        ) {
          throw new Error(`line ${row.line}: unexpected valid row ${JSON.stringify({ ...row, hardwareHash: undefined })}`);
        }
        tally[row.status]++;
        expectedIndex++;
      }
    }
    while (expectedIndex < ROWS && kindOf(expectedIndex) === 'blank') {
      tally.blank++;
      expectedIndex++;
    }
    expect(header).toBe(1);
    expect(expectedIndex).toBe(ROWS);
    expect(tally.blank).toBe(20);
    expect(tally.rejected).toBe(100);
    expect(tally.duplicate).toBeGreaterThan(90);
    expect(end).toEqual({
      kind: 'end',
      rowCount: ROWS - tally.blank,
      validCount: tally.valid,
      rejectedCount: tally.rejected,
      duplicateCount: tally.duplicate,
      blankLineCount: tally.blank,
      warnings: [],
    });
  });
});
