/**
 * Bad input (issue 6): malformed and hostile files dropped at once — encodings, truncation, huge
 * lines, formula payloads, binary, odd names, 100,000 rows. The host must not crash, every file
 * must end archived with a report, and every data row must be in that report exactly once (a file
 * rejected as a whole says why instead). Report CSVs must not carry live spreadsheet formulas.
 */
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvRow, CSV_HEADER, hashFor, serialsFor } from '../../bench/support/csv';
import { startBenchStack, type BenchStack } from '../../bench/support/stack';
import { dropBlob, listBlobs, readBlobText, readReport, waitForRun } from '../../bench/support/run';
import { CONTAINERS } from '../../shared/storage/object-store';
import { FULL, TENANT_DEVICES, TENANT_SERIAL_PREFIX } from './support';

interface BadFile {
  name: string;
  body: Buffer;
  /** Data rows the report must list, when the file is not rejected as a whole; undefined = not asserted exactly. */
  rows?: number;
  /** The whole file must be rejected. */
  rejected?: boolean;
  /** Part of the small (`npm test`) set. */
  ci?: boolean;
}

const CRLF = '\r\n';
const utf8 = (s: string) => Buffer.from(s, 'utf8');
const lines = (...rows: string[]) => [CSV_HEADER, ...rows].join(CRLF) + CRLF;

function utf16be(s: string): Buffer {
  const le = Buffer.from(s, 'utf16le');
  for (let i = 0; i + 1 < le.length; i += 2) [le[i], le[i + 1]] = [le[i + 1]!, le[i]!];
  return le;
}

/** Seeded bytes, so a failure can be reproduced. */
function junk(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let s = seed >>> 0;
  for (let i = 0; i < length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

function badFiles(): BadFile[] {
  // Every file gets serials of its own, so files dropped together do not meet at the service.
  let used = 0;
  const mk = (build: (s: { a: string; b: string; c: string; d: string; ok3: string }) => BadFile): BadFile => {
    const [a, b, c, d] = serialsFor('BADX', 4, used + 1) as [string, string, string, string];
    used += 4;
    return build({ a, b, c, d, ok3: lines(csvRow(a), csvRow(b), csvRow(c)) });
  };
  const files: BadFile[] = [
    // Encodings
    mk((s) => ({
      name: 'enc/utf16le-bom.csv',
      body: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(s.ok3, 'utf16le')]),
      rows: 3,
      ci: true,
    })),
    mk((s) => ({ name: 'enc/utf16be-bom.csv', body: Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be(s.ok3)]), rows: 3 })),
    mk((s) => ({ name: 'enc/utf16le-no-bom.csv', body: Buffer.from(s.ok3, 'utf16le'), rows: 3 })),
    mk((s) => ({ name: 'enc/utf8-bom.csv', body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8(s.ok3)]), rows: 3 })),
    mk((s) => ({
      name: 'enc/ansi-1252.csv',
      body: Buffer.from(lines(`${s.a},,${hashFor(s.a)},Café`, `${s.b},,${hashFor(s.b)},Ventes`), 'latin1'),
      rows: 2,
    })),
    mk((s) => ({
      name: 'enc/invalid-utf8.csv',
      body: Buffer.concat([utf8(lines(csvRow(s.a))), Buffer.from([0xc3, 0x28, 0xa0, 0xa1, 0x2c, 0x2c, 0x0d, 0x0a])]),
      rows: 2,
      ci: true,
    })),
    // UTF-32 is not an encoding device CSVs come in (nor one the intake reads): the file is refused as a whole.
    mk((s) => ({
      name: 'enc/utf32-bom.csv',
      body: Buffer.concat([Buffer.from([0xff, 0xfe, 0x00, 0x00]), Buffer.from(s.ok3, 'utf16le')]),
      rejected: true,
    })),
    mk((s) => ({ name: 'enc/bom-mid-file.csv', body: utf8(lines(csvRow(s.a), `\uFEFF${csvRow(s.b)}`)), rows: 2 })),
    mk((s) => ({ name: 'enc/smart-quotes-1252.csv', body: Buffer.from(lines(`\u201C${s.a}\u201D,,${hashFor(s.a)},`), 'latin1'), rows: 1 })),
    // Truncation
    mk(() => ({ name: 'trunc/empty.csv', body: Buffer.alloc(0), rejected: true, ci: true })),
    mk(() => ({ name: 'trunc/header-only.csv', body: utf8(CSV_HEADER + CRLF), rejected: true })),
    mk(() => ({ name: 'trunc/half-header.csv', body: utf8('Device Serial Num'), rejected: true })),
    mk((s) => ({
      name: 'trunc/mid-hash.csv',
      body: utf8(lines(csvRow(s.a)) + `${s.b},,${hashFor(s.b).slice(0, Math.floor(hashFor(s.b).length / 2))}`),
      rows: 2,
      ci: true,
    })),
    mk((s) => ({ name: 'trunc/mid-row-no-newline.csv', body: utf8(lines(csvRow(s.a)) + `${s.b},,`), rows: 2 })),
    mk(() => ({ name: 'trunc/blank-lines-only.csv', body: utf8(CSV_HEADER + CRLF + CRLF.repeat(50)), rejected: true })),
    // Huge lines
    mk((s) => ({
      name: 'huge/5mb-line.csv',
      body: utf8(lines(csvRow(s.a), `${s.b},,${'A'.repeat(5 * 1024 * 1024)},`, csvRow(s.c))),
      rows: 3,
      ci: true,
    })),
    mk((s) => ({ name: 'huge/long-serial.csv', body: utf8(lines(`${'S'.repeat(10_000)},,${hashFor(s.a)},`)), rows: 1 })),
    mk((s) => ({
      name: 'huge/1000-columns-header.csv',
      body: utf8([CSV_HEADER + ','.repeat(1000) + 'X', csvRow(s.a)].join(CRLF) + CRLF),
      rows: 1,
    })),
    // Formula payloads and markup
    mk((s) => ({
      name: 'formula/serial-cmd.csv',
      body: utf8(
        lines(
          `=cmd|' /C calc'!A0,,${hashFor(s.a)},`,
          `+SUM(1+1),,${hashFor(s.b)},`,
          `@HYPERLINK("http://x"),,${hashFor(s.c)},`,
          `-2+3,,${hashFor(s.d)},`,
        ),
      ),
      rows: 4,
      ci: true,
    })),
    mk((s) => ({
      name: 'formula/group-tag.csv',
      body: utf8(
        lines(
          `${s.a},,${hashFor(s.a)},=1+1`,
          `${s.b},,${hashFor(s.b)},"=HYPERLINK(""http://evil"",""x"")"`,
          `${s.c},,${hashFor(s.c)},\t=2`,
        ),
      ),
      rows: 3,
    })),
    mk((s) => ({ name: 'formula/html-script.csv', body: utf8(lines(`<script>alert(1)</script>,,${hashFor(s.a)},<b>x</b>`)), rows: 1 })),
    mk((s) => ({ name: 'formula/rtl-override.csv', body: utf8(lines(`${s.a}\u202Egpj.exe,,${hashFor(s.a)},`)), rows: 1 })),
    // Binary and other formats
    mk(() => ({ name: 'bin/random.csv', body: junk(64 * 1024, 1), rejected: true, ci: true })),
    mk(() => ({
      name: 'bin/png.csv',
      body: Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), junk(4096, 2)]),
      rejected: true,
    })),
    mk((s) => ({ name: 'bin/gzip.csv', body: gzipSync(utf8(s.ok3)), rejected: true })),
    mk(() => ({ name: 'bin/zip-xlsx.csv', body: Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), junk(4096, 3)]), rejected: true })),
    mk(() => ({ name: 'bin/pdf.csv', body: Buffer.concat([utf8('%PDF-1.7\n'), junk(2048, 4)]), rejected: true })),
    mk((s) => ({
      name: 'bin/nul-bytes.csv',
      body: Buffer.concat([utf8(lines(csvRow(s.a))), Buffer.from([0, 0, 0, 0x2c, 0, 0x2c, 0x0d, 0x0a])]),
      rows: 2,
    })),
    mk((s) => ({
      name: 'bin/json.csv',
      body: utf8(JSON.stringify({ importedWindowsAutopilotDeviceIdentities: [{ serialNumber: s.a }] })),
      rejected: true,
    })),
    // Dialects and structure
    mk((s) => ({ name: 'dialect/semicolon.csv', body: utf8(s.ok3.replace(/,/g, ';')), rows: 3 })),
    mk((s) => ({ name: 'dialect/tab.csv', body: utf8(s.ok3.replace(/,/g, '\t')), rows: 3 })),
    mk((s) => ({ name: 'dialect/cr-only.csv', body: utf8(s.ok3.replace(/\r\n/g, '\r')), rows: 3 })),
    mk((s) => ({
      name: 'dialect/mixed-endings.csv',
      body: utf8([CSV_HEADER, csvRow(s.a), csvRow(s.b), csvRow(s.c)].join('\n') + '\r\n'),
      rows: 3,
    })),
    mk((s) => ({ name: 'struct/unbalanced-quotes.csv', body: utf8(lines(`"${s.a},,${hashFor(s.a)},`, csvRow(s.b))), rows: 2, ci: true })),
    // Device CSVs have no multi-line values: each physical line is a row, the two halves rejected on their own.
    mk((s) => ({ name: 'struct/quoted-newline.csv', body: utf8(lines(`"${s.a}\nX",,${hashFor(s.a)},`, csvRow(s.b))), rows: 3 })),
    mk((s) => ({ name: 'struct/extra-columns.csv', body: utf8(lines(`${s.a},,${hashFor(s.a)},,extra,more`)), rows: 1 })),
    mk((s) => ({
      name: 'struct/no-hash-column.csv',
      body: utf8(['Device Serial Number,Windows Product ID,Group Tag', `${s.a},,`].join(CRLF)),
      rejected: true,
    })),
    mk((s) => ({
      name: 'struct/duplicate-header.csv',
      body: utf8(['Device Serial Number,Hardware Hash,Hardware Hash', `${s.a},${hashFor(s.a)},${hashFor(s.a)}`].join(CRLF)),
      rejected: true,
    })),
    mk((s) => ({ name: 'struct/header-repeated.csv', body: utf8(lines(csvRow(s.a), CSV_HEADER, csvRow(s.b))), rows: 3 })),
    // Lines of empty fields are blank lines, not rows.
    mk((s) => ({ name: 'struct/only-commas.csv', body: utf8(lines(',,,', ',,,', csvRow(s.a))), rows: 1 })),
    mk((s) => ({ name: 'struct/duplicate-rows.csv', body: utf8(lines(csvRow(s.a), csvRow(s.a), csvRow(s.a))), rows: 3 })),
    mk((s) => ({
      name: 'struct/hash-with-spaces.csv',
      body: utf8(lines(`${s.a},,"${hashFor(s.a).replace(/(.{76})/g, '$1 ')}",`)),
      rows: 1,
    })),
    mk((s) => ({
      name: 'struct/case-and-order.csv',
      body: utf8(['hardware hash,DEVICE SERIAL NUMBER', `${hashFor(s.a)},${s.a}`].join(CRLF)),
      rows: 1,
    })),
    // Odd names (the content is a valid little file)
    mk((s) => ({ name: 'odd/spaces in name .csv', body: utf8(lines(csvRow(s.a))), rows: 1, ci: true })),
    mk((s) => ({ name: 'odd/ünïcødé-名前-🚀.csv', body: utf8(lines(csvRow(s.a))), rows: 1 })),
    mk((s) => ({ name: 'odd/hash#percent%20+plus.csv', body: utf8(lines(csvRow(s.b))), rows: 1 })),
    mk((s) => ({ name: "odd/quote'and;semi&amp=.csv", body: utf8(lines(csvRow(s.c))), rows: 1 })),
    mk((s) => ({ name: `odd/${'long'.repeat(60)}.csv`, body: utf8(lines(csvRow(s.d))), rows: 1 })),
    mk((s) => ({ name: 'odd/NO-EXTENSION', body: utf8(lines(csvRow(s.a))), rows: 1 })),
    mk((s) => ({ name: 'odd/deep/a/b/c/d/e/f/UPPER.CSV', body: utf8(lines(csvRow(s.b))), rows: 1 })),
  ];
  // 100,000 rows whose hashes are junk: every one must be reported (rejected), none imported.
  const many = Array.from({ length: 100_000 }, (_, i) => `MANY${i},,AAAA${i},`);
  files.push({ name: 'size/100000-rows.csv', body: utf8(lines(...many)), rows: 100_000 });
  return files;
}

/**
 * Cells a spreadsheet would run as a formula: after unquoting (RFC 4180), a text cell whose first
 * character is one of OWASP's CSV-injection triggers — = + - @ tab carriage-return
 * (owasp.org/www-community/attacks/CSV_Injection). The product prefixes such cells with '. Read here
 * from the file's own bytes, independent of the product's writer; the header row is skipped.
 */
function liveFormulaCells(csv: string): string[] {
  const cells: string[] = [];
  const text = csv.replace(/^\uFEFF/, '');
  let i = text.indexOf('\n') + 1;
  while (i > 0 && i < text.length) {
    let value = '';
    if (text[i] === '"') {
      let j = i + 1;
      for (;;) {
        const q = text.indexOf('"', j);
        if (q < 0) throw new Error('report.csv: unclosed quote');
        value += text.slice(j, q);
        if (text[q + 1] === '"') {
          value += '"';
          j = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
    } else {
      const end = text.slice(i).search(/,|\r\n|\n/);
      value = end < 0 ? text.slice(i) : text.slice(i, i + end);
      i = end < 0 ? text.length : i + end;
    }
    // A number is a number, not a formula (the line column); any other cell is text.
    if (/^[=+\-@\t\r]/.test(value) && !/^-?\d+(\.\d+)?$/.test(value)) cells.push(value);
    if (text.startsWith('\r\n', i)) i += 2;
    else if (text[i] === ',' || text[i] === '\n') i += 1;
  }
  return cells;
}

describe('bad input: malformed and hostile files', () => {
  let stack: BenchStack;
  const files = badFiles().filter((f) => FULL || f.ci);

  beforeAll(async () => {
    // A short registration deadline keeps a device that is never found from holding a run for an hour.
    stack = await startBenchStack({ tenantDevices: TENANT_DEVICES, appSettings: { REGISTRATION_DEADLINE_MINUTES: '0.5' } });
  }, 120_000);
  afterAll(async () => stack?.dispose());

  it(
    `${files.length} files: no crash, each archived with a report, every row accounted for`,
    async () => {
      const drops = await Promise.all(files.map(async (f) => ({ file: f, ...(await dropBlob(stack, `bad/${f.name}`, f.body)) })));
      const problems: string[] = [];
      for (const { file, runId, droppedAt } of drops) {
        const where = `bad/${file.name}`;
        try {
          await waitForRun(stack, runId, droppedAt, { timeoutMs: FULL ? 900_000 : 300_000, pollMs: 250 });
        } catch (error) {
          problems.push(`${where}: ${(error as Error).message.split('\n')[0]}`);
          continue;
        }
        const report = await readReport(stack, runId);
        const rejected = report.fileRejected !== undefined;
        if (!file.rejected && file.rows === undefined) problems.push(`${where}: the suite gives this file no expected verdict`);
        if (!file.rejected && rejected) problems.push(`${where}: rejected whole (${report.fileRejected}), expected ${file.rows} rows`);
        if (file.rejected && !rejected) problems.push(`${where}: expected the whole file rejected, got ${report.status}`);
        if (!rejected) {
          const lineNumbers = report.rows.map((r) => r.line);
          if (new Set(lineNumbers).size !== lineNumbers.length) problems.push(`${where}: a line is reported twice`);
          if (report.counts.rows !== report.rows.length)
            problems.push(`${where}: counts.rows ${report.counts.rows} but ${report.rows.length} rows listed`);
          if (file.rows !== undefined && report.rows.length !== file.rows)
            problems.push(`${where}: ${report.rows.length} rows reported, the file has ${file.rows}`);
          const unsettled = report.rows.filter((r) => r.status === 'valid' && !r.device?.result);
          if (unsettled.length > 0) problems.push(`${where}: ${unsettled.length} valid rows without a final state`);
        } else if (report.rows.length > 0) {
          problems.push(`${where}: rejected file lists rows`);
        }
        const csv = (await readBlobText(stack, CONTAINERS.reports, `${runId}/report.csv`)) ?? '';
        const live = liveFormulaCells(csv);
        if (live.length > 0) problems.push(`${where}: report.csv has a live formula cell: ${live[0]!.slice(0, 120)}`);
      }
      const archived = new Set(await listBlobs(stack, CONTAINERS.archive));
      for (const { file } of drops) {
        if (!archived.has(`processed/bad/${file.name}`) && !archived.has(`rejected/bad/${file.name}`))
          problems.push(`bad/${file.name}: not archived`);
      }
      const left = await listBlobs(stack, CONTAINERS.intake);
      if (left.length > 0) problems.push(`left in the intake container: ${left.join(', ')}`);
      if (stack.host.child.exitCode !== null || stack.host.child.signalCode !== null) problems.push('the host process died');
      expect(problems).toEqual([]);
    },
    FULL ? 1_800_000 : 600_000,
  );

  it('a row whose serial differs from the one in its hash, for a device the tenant already holds, ends confirmed as already registered', async () => {
    // The intake imports serial-mismatch rows on purpose (shared/intake/README.md). Intune answers
    // 806 for a hash it already holds; the device is registered under the serial inside the hash.
    const tenantSerial = `${TENANT_SERIAL_PREFIX}${'1'.padStart(String(TENANT_DEVICES).length, '0')}`;
    const body = [CSV_HEADER, `TYPO${tenantSerial},,${hashFor(tenantSerial)},`].join(CRLF) + CRLF;
    const { runId, droppedAt } = await dropBlob(stack, 'bad/mismatch/known-hash-typo-serial.csv', body);
    await waitForRun(stack, runId, droppedAt, { timeoutMs: 300_000 });
    const row = (await readReport(stack, runId)).rows[0];
    expect(row?.status).toBe('valid');
    expect({ result: row?.device?.result, alreadyRegistered: row?.device?.alreadyRegistered, failure: row?.device?.failure?.code }).toEqual(
      {
        result: 'confirmed',
        alreadyRegistered: true,
        failure: undefined,
      },
    );
  }, 400_000);
});
