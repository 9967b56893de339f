import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { csvCell, csvChunks, neutralizeFormula, toCsv } from '../../shared/report/csv-writer';
import { readIntakeCsv } from '../../shared/intake';
import { generateHardwareHash } from '../../local/fixtures/hardware-hash-generator';

describe('csv writer', () => {
  it('writes a UTF-8 BOM, a header and CRLF rows, with empty cells for missing values', () => {
    const csv = toCsv(
      ['serial', 'count', 'note'],
      [
        { serial: 'A-1', count: 3, note: 'ok' },
        { serial: 'A-2', count: undefined },
      ],
    );
    expect(csv).toBe('\uFEFFserial,count,note\r\nA-1,3,ok\r\nA-2,,\r\n');
    expect(Buffer.from(csv, 'utf8').subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
  });

  it('quotes as RFC 4180 requires: commas, quotes, line breaks and edge spaces', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('cr\rhere')).toBe('"cr\rhere"');
    expect(csvCell(' padded ')).toBe('" padded "');
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('')).toBe('');
  });

  it('neutralises every formula trigger OWASP lists by prefixing a single quote', () => {
    for (const payload of ['=1+1', '+1+1', '-1+1', '@SUM(A1)', '\t=1', '\r=1', "=cmd|' /C calc'!A0", '  =1+1']) {
      expect(neutralizeFormula(payload)).toBe(`'${payload}`);
    }
    expect(csvCell('=HYPERLINK("http://x","y")')).toBe(`"'=HYPERLINK(""http://x"",""y"")"`);
    expect(csvCell('\t=1')).toBe(`'\t=1`);
    expect(csvCell('\r=1')).toBe(`"'\r=1"`);
    // Text that merely contains the characters later is untouched; numbers stay numbers.
    expect(csvCell('AIS-0001')).toBe('AIS-0001');
    expect(csvCell('user@contoso.com')).toBe('user@contoso.com');
    expect(csvCell(-5)).toBe('-5');
    expect(() => csvCell(Number.NaN)).toThrow(/NaN/);
    expect(toCsv(['=bad header'], [])).toBe("\uFEFF'=bad header\r\n");
  });

  it('streams the same bytes as toCsv, in batches, from sync and async sources', async () => {
    const rows = Array.from({ length: 1000 }, (_, i) => ({ serial: `S-${i}`, tag: i % 7 === 0 ? '=1+1' : 'Sales, EMEA', n: i }));
    const whole = toCsv(['serial', 'tag', 'n'], rows);
    const chunks: string[] = [];
    for await (const c of csvChunks(['serial', 'tag', 'n'], rows, 100)) chunks.push(c);
    expect(chunks).toHaveLength(11);
    expect(chunks.join('')).toBe(whole);
    async function* asyncRows() {
      yield* rows;
    }
    const viaStream = await new Promise<string>((resolve, reject) => {
      let out = '';
      Readable.from(csvChunks(['serial', 'tag', 'n'], asyncRows()))
        .on('data', (d: string) => (out += d))
        .on('end', () => resolve(out))
        .on('error', reject);
    });
    expect(viaStream).toBe(whole);
  });

  it('round-trips through the intake parser; a neutralised cell reads back with its leading quote', async () => {
    const serial = '=1+2';
    const hash = generateHardwareHash({ serialNumber: serial, manufacturer: 'Contoso', model: 'Laptop 7', padding: 32 });
    const csv = toCsv(
      ['Device Serial Number', 'Windows Product ID', 'Hardware Hash', 'Group Tag'],
      [{ 'Device Serial Number': serial, 'Hardware Hash': hash, 'Group Tag': 'Sales' }],
    );
    const events = [];
    for await (const e of readIntakeCsv([Buffer.from(csv, 'utf8')])) events.push(e);
    expect(events[0]).toMatchObject({ kind: 'header', encoding: 'utf-8-bom' });
    // The neutralising quote is part of the written value: a spreadsheet shows =1+2 as text.
    expect(events[1]).toMatchObject({
      kind: 'row',
      row: { status: 'valid', serialNumber: "'=1+2", hashSerialNumber: '=1+2', warnings: [{ code: 'serial-mismatch' }] },
    });
  });
});
