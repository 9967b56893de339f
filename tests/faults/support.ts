/**
 * Shared by the fault suites: a mixed intake file whose every row has a known true outcome, the
 * per-row projection of a report that two runs of the same file must agree on, and the checks
 * that no device was lost, duplicated or left without a final state.
 *
 * Size: `npm test` runs small versions; FAULTS_FULL=1 runs the sizes issue 6 names (see
 * docs/RELIABILITY.md for the commands and figures).
 */
import { expect } from 'vitest';
import { csvRow, CSV_HEADER, serialsFor } from '../../bench/support/csv';
import type { Report } from '../../bench/support/run';

export const FULL = process.env.FAULTS_FULL === '1';

/** Serials already registered in the tenant (seeded): importing them again answers 806. */
export const TENANT_SERIAL_PREFIX = 'SEED';
export const TENANT_DEVICES = 20;
/** Serials registered to another tenant (seeded): importing them answers 808. */
export const FOREIGN_SERIALS = ['FOREIGN0001', 'FOREIGN0002'];

export function faultSeed(): Record<string, unknown> {
  return { otherTenantDevices: FOREIGN_SERIALS.map((serialNumber) => ({ serialNumber })) };
}

/** What a row must end as: the parse verdict, and for valid rows the device's final result. */
export interface RowTruth {
  line: number;
  serial: string;
  status: 'valid' | 'rejected' | 'duplicate';
  result?: 'confirmed' | 'failed';
  alreadyRegistered?: boolean;
  failureCode?: string;
  /** New to the tenant: exactly one successful import of it is allowed. */
  fresh: boolean;
}

export interface MixedFile {
  csv: string;
  truth: RowTruth[];
  freshSerials: string[];
}

/**
 * `fresh` new devices, then one device the tenant already holds (806 → confirmed, already
 * registered), one registered to another tenant (808 → failed), a row repeating the first serial
 * (duplicate) and a row with a broken hash (rejected). Line numbers are 1-based file lines
 * (the header is line 1).
 */
export function mixedFile(prefix: string, fresh: number, tenantSerialIndex = 1): MixedFile {
  const serials = serialsFor(prefix, fresh);
  const tenantSerial = `${TENANT_SERIAL_PREFIX}${String(tenantSerialIndex).padStart(String(TENANT_DEVICES).length, '0')}`;
  const rows: string[] = [];
  const truth: RowTruth[] = [];
  const add = (row: string, t: Omit<RowTruth, 'line'>) => {
    rows.push(row);
    truth.push({ ...t, line: rows.length + 1 });
  };
  // The device the tenant already holds and the foreign one come first, so they share the first
  // import chunk — the one the crash suite's import kill leaves in doubt (a device registered
  // before the run must still be told apart from one the lost call registered).
  add(csvRow(tenantSerial), { serial: tenantSerial, status: 'valid', result: 'confirmed', alreadyRegistered: true, fresh: false });
  add(csvRow(FOREIGN_SERIALS[0]!), { serial: FOREIGN_SERIALS[0]!, status: 'valid', result: 'failed', failureCode: '808', fresh: false });
  for (const s of serials) add(csvRow(s), { serial: s, status: 'valid', result: 'confirmed', alreadyRegistered: false, fresh: true });
  add(csvRow(serials[0]!), { serial: serials[0]!, status: 'duplicate', fresh: false });
  add(`${prefix}BAD,,AAAA-not-base64!!,`, { serial: `${prefix}BAD`, status: 'rejected', fresh: false });
  return { csv: [CSV_HEADER, ...rows].join('\r\n') + '\r\n', truth, freshSerials: serials };
}

/** The part of a report row that must not depend on faults, crashes or timing. */
export interface RowOutcome {
  line: number;
  status: string;
  code?: string;
  result?: string;
  failureStage?: string;
  failureCode?: string;
  alreadyRegistered?: boolean;
}

export function outcomes(report: Report): RowOutcome[] {
  return report.rows
    .map((r) => ({
      line: r.line,
      status: r.status,
      ...(r.status !== 'valid' && r.code ? { code: r.code.replace(/[A-Z]+\d+/g, '<serial>') } : {}),
      ...(r.device
        ? {
            result: r.device.result,
            alreadyRegistered: r.device.alreadyRegistered,
            ...(r.device.failure ? { failureStage: r.device.failure.stage, failureCode: r.device.failure.code } : {}),
          }
        : {}),
    }))
    .sort((a, b) => a.line - b.line);
}

/** Every row of the file is in the report once, and ends where the truth says. */
export function expectTruth(report: Report, truth: RowTruth[], context: string): void {
  const lines = report.rows.map((r) => r.line);
  expect(new Set(lines).size, `${context}: a row is reported twice`).toBe(lines.length);
  expect(
    [...lines].sort((a, b) => a - b),
    `${context}: rows lost or invented`,
  ).toEqual(truth.map((t) => t.line));
  const byLine = new Map(report.rows.map((r) => [r.line, r]));
  for (const t of truth) {
    const row = byLine.get(t.line)!;
    const where = `${context}: line ${t.line} (${t.status}${t.result ? ` → ${t.result}` : ''})`;
    expect(row.status, where).toBe(t.status);
    if (t.status !== 'valid') continue;
    expect(row.device?.result, `${where}: no final state`).toBe(t.result);
    if (t.alreadyRegistered !== undefined) expect(row.device?.alreadyRegistered, where).toBe(t.alreadyRegistered);
    if (t.failureCode) expect(row.device?.failure?.code, where).toBe(t.failureCode);
  }
}

/** No fresh serial was accepted for import more than once. */
export function expectNoDuplicateImports(imports: Map<string, number>, fresh: string[], context: string): void {
  const twice = fresh.filter((s) => (imports.get(s.toLowerCase()) ?? 0) > 1);
  expect(twice, `${context}: serials imported more than once`).toEqual([]);
  const never = fresh.filter((s) => (imports.get(s.toLowerCase()) ?? 0) === 0);
  expect(never, `${context}: fresh serials never imported`).toEqual([]);
}
