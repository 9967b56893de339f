import { expect } from 'vitest';
import { generateHardwareHash } from '../../../local/fixtures/hardware-hash-generator';
import { readIntakeCsv, type IntakeEvent, type IntakeOptions, type RowVerdict } from '../../../shared/intake';

export const HEADER = 'Device Serial Number,Windows Product ID,Hardware Hash';
export const HEADER5 = `${HEADER},Group Tag,Assigned User`;

export function hash(serialNumber: string, manufacturer = 'Contoso', model = 'Laptop 7', padding = 64): string {
  return generateHardwareHash({ serialNumber, manufacturer, model, padding });
}

/** Feeds bytes in chunks of `chunkSize`, so decoders and the line splitter see every kind of boundary. */
export async function* chunked(bytes: Uint8Array, chunkSize = 64 * 1024): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += chunkSize) yield bytes.subarray(i, Math.min(bytes.length, i + chunkSize));
}

export interface Parsed {
  events: IntakeEvent[];
  rows: RowVerdict[];
  header?: Extract<IntakeEvent, { kind: 'header' }>;
  end?: Extract<IntakeEvent, { kind: 'end' }>;
  rejectedFile?: string;
}

export async function parse(
  input: string | Uint8Array | AsyncIterable<Uint8Array>,
  options?: IntakeOptions & { chunkSize?: number },
): Promise<Parsed> {
  const { chunkSize, ...intakeOptions } = options ?? {};
  const source =
    typeof input === 'string'
      ? chunked(Buffer.from(input, 'utf8'), chunkSize)
      : input instanceof Uint8Array
        ? chunked(input, chunkSize)
        : input;
  const events: IntakeEvent[] = [];
  for await (const e of readIntakeCsv(source, intakeOptions)) events.push(e);
  const parsed: Parsed = { events, rows: [] };
  for (const e of events) {
    if (e.kind === 'row') parsed.rows.push(e.row);
    else if (e.kind === 'header') parsed.header = e;
    else if (e.kind === 'end') parsed.end = e;
    else parsed.rejectedFile = e.reason;
  }
  return parsed;
}

/** The event stream's shape: header, rows, end — or a single rejected-file (possibly after rows). */
export function expectWellFormedStream(p: Parsed): void {
  const kinds = p.events.map((e) => e.kind);
  if (p.rejectedFile !== undefined) {
    expect(kinds.filter((k) => k === 'rejected-file')).toHaveLength(1);
    expect(kinds[kinds.length - 1]).toBe('rejected-file');
    expect(kinds).not.toContain('end');
    return;
  }
  expect(kinds[0]).toBe('header');
  expect(kinds[kinds.length - 1]).toBe('end');
  expect(kinds.filter((k) => k === 'header')).toHaveLength(1);
  expect(kinds.filter((k) => k === 'end')).toHaveLength(1);
  const end = p.end!;
  expect(end.rowCount).toBe(p.rows.length);
  expect(end.validCount + end.rejectedCount + end.duplicateCount).toBe(end.rowCount);
  expect(end.validCount).toBe(p.rows.filter((r) => r.status === 'valid').length);
  expect(end.rejectedCount).toBe(p.rows.filter((r) => r.status === 'rejected').length);
  expect(end.duplicateCount).toBe(p.rows.filter((r) => r.status === 'duplicate').length);
  // Every row reported once, by increasing line number.
  const lines = p.rows.map((r) => r.line);
  expect(new Set(lines).size).toBe(lines.length);
  expect([...lines].sort((a, b) => a - b)).toEqual(lines);
}

/** One verdict per expected line, in order: `valid`, `rejected:<code>` or `duplicate:<key>@<line>`. */
export function verdicts(p: Parsed): string[] {
  return p.rows.map((r) => {
    if (r.status === 'valid') return `${r.line}:valid`;
    if (r.status === 'rejected') return `${r.line}:rejected:${r.code}`;
    return `${r.line}:duplicate:${r.key}@${r.duplicateOfLine}`;
  });
}

/** No message, warning or reason may carry a hash (or a 16-character piece of one) or a UPN. */
export function expectNoSecretsInMessages(p: Parsed, secrets: string[]): void {
  const texts: string[] = [];
  for (const e of p.events) {
    if (e.kind === 'header') texts.push(...e.warnings);
    if (e.kind === 'end') texts.push(...e.warnings);
    if (e.kind === 'rejected-file') texts.push(e.reason);
    if (e.kind === 'row') {
      const r = e.row;
      if (r.status === 'valid') texts.push(...r.warnings.map((w) => w.message));
      else texts.push(r.message);
    }
  }
  for (const secret of secrets) {
    const probes =
      secret.length > 16 ? [secret.slice(0, 16), secret.slice(-16), secret.slice(secret.length >> 1, (secret.length >> 1) + 16)] : [secret];
    for (const text of texts) for (const probe of probes) expect(text).not.toContain(probe);
  }
}
