import { describe, expect, it } from 'vitest';
import { generateHardwareHash } from '../../../local/fixtures/hardware-hash-generator';
import { readIntakeCsv } from '../../../shared/intake';
import { chunked, expectNoSecretsInMessages, expectWellFormedStream, hash, HEADER, HEADER5, parse, verdicts } from './helpers';

/** Deterministic pseudo-random bytes (xorshift), so "binary garbage" is the same on every run. */
function garbage(length: number, seed = 0x9e3779b9): Buffer {
  const out = Buffer.alloc(length);
  let x = seed >>> 0;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

function hashBytes(serial: string): Buffer {
  return Buffer.from(generateHardwareHash({ serialNumber: serial, manufacturer: 'Contoso', model: 'Laptop 7', padding: 64 }), 'base64');
}

describe('files that are not a CSV of devices', () => {
  const cases: Array<[string, Buffer | string, RegExp]> = [
    [
      'an empty file',
      '',
      /The file is empty\. Expected a CSV whose first line is the header 'Device Serial Number,Windows Product ID,Hardware Hash'/,
    ],
    ['a file holding only a UTF-8 BOM', Buffer.from([0xef, 0xbb, 0xbf]), /only blank lines/],
    ['only blank lines', '\r\n\r\n  \r\n', /only blank lines/],
    ['a header and no rows', `${HEADER5}\r\n\r\n`, /has a header but no device rows/],
    [
      'a wrong header',
      'Name,Email,Department\nAdele,adele@contoso.com,Sales\n',
      /The first line 'Name,Email,Department' is not a device CSV header\. Expected/,
    ],
    [
      'a header without the hash column',
      'Device Serial Number,Windows Product ID,Group Tag\nX,,Sales\n',
      /has no 'Hardware Hash' column\. Expected/,
    ],
    ['a header without the serial column', 'Windows Product ID,Hardware Hash\n,T0\n', /has no 'Device Serial Number' column/],
    [
      'a headerless file (first line is a device)',
      `AIS-1,,${hash('AIS-1')}\n`,
      /looks like a device row, not a header: the header line is missing/,
    ],
    ['a duplicated column', `${HEADER},Hardware Hash\n`, /names the column 'Hardware Hash' twice/],
    [
      'a PNG image',
      Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), garbage(500)]),
      /The file is a PNG image, not a CSV of devices/,
    ],
    ['a JPEG image', Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), garbage(500)]), /a JPEG image/],
    [
      'an Excel workbook',
      Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), garbage(500)]),
      /an Excel \.xlsx workbook is one: save it with 'CSV \(Comma delimited\)'/,
    ],
    ['a PDF', Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1'), /a PDF document/],
    ['binary garbage', garbage(200_000), /not a device CSV|not a text CSV|no line break/],
    [
      'a header full of NUL bytes',
      Buffer.concat([Buffer.from('Device\0Serial\0Number,'), garbage(100), Buffer.from('\n')]),
      /NUL or other control bytes/,
    ],
  ];
  for (const [name, input, reason] of cases) {
    it(`rejects ${name} with a reason naming what was expected`, async () => {
      const p = await parse(typeof input === 'string' ? Buffer.from(input) : input, { chunkSize: 997 });
      expectWellFormedStream(p);
      // Only a header event (when the header itself was fine) may come before the rejection.
      expect(p.events.filter((e) => e.kind !== 'header' && e.kind !== 'rejected-file')).toEqual([]);
      expect(p.rejectedFile).toMatch(reason);
    });
  }

  it('never echoes a hash or a UPN from a headerless file in the reason', async () => {
    const h = hash('AIS-9');
    const p = await parse(`AIS-9,,${h},Sales,adele.vance@contoso.com\n`);
    expect(p.rejectedFile).toMatch(/header/i);
    expectNoSecretsInMessages(p, [h, 'adele.vance@contoso.com']);
  });

  it('rejects a 10 MB single line without buffering it, whether it is the header or a row', async () => {
    const huge = Buffer.alloc(10 * 1024 * 1024, 0x41);
    const asHeader = await parse(huge, { chunkSize: 256 * 1024 });
    expect(asHeader.events).toHaveLength(1);
    expect(asHeader.rejectedFile).toMatch(
      /^Line 1, where the header should be, is 10485760 characters long with no line break \(the limit is 65536\)/,
    );

    const before = Buffer.from(`${HEADER}\nA-1,,${hash('A-1')}\nA-2,,`);
    const after = Buffer.from(`\nA-3,,${hash('A-3')}\n`);
    const p = await parse(Buffer.concat([before, huge, after]), { chunkSize: 256 * 1024 });
    expectWellFormedStream(p);
    expect(verdicts(p)).toEqual(['2:valid', '3:rejected:line-too-long', '4:valid']);
    expect(p.rows[1]).toMatchObject({ message: expect.stringMatching(/^Line 3 is 10485765 characters long; the limit is 65536\./) });
  });

  it('applies maxLineBytes and rejects the whole file past maxRows', async () => {
    const long = `${HEADER}\nA-1,,${hash('A-1', 'Contoso', 'Laptop 7', 2000)}\n`;
    const p = await parse(long, { maxLineBytes: 1024 });
    expect(verdicts(p)).toEqual(['2:rejected:line-too-long']);

    const rows = [1, 2, 3].map((i) => `R-${i},,${hash(`R-${i}`)}`).join('\n');
    const capped = await parse(`${HEADER}\n${rows}\n`, { maxRows: 2 });
    expectWellFormedStream(capped);
    expect(capped.rows).toHaveLength(2);
    expect(capped.rejectedFile).toBe(
      'The file has more than 2 device rows, the most one file may hold (app setting MAX_FILE_ROWS). Split it into files of at most 2 rows, or raise MAX_FILE_ROWS.',
    );
    const exact = await parse(`${HEADER}\n${rows}\n`, { maxRows: 3 });
    expect(exact.end).toMatchObject({ rowCount: 3, validCount: 3 });
  });

  it('stops reading and releases the source as soon as the file is rejected', async () => {
    const track = (first: Buffer) => {
      const state = { pulled: 0, returned: false };
      const source: AsyncIterable<Uint8Array> = {
        [Symbol.asyncIterator]: () => ({
          next: async () => {
            state.pulled++;
            return state.pulled === 1 ? { done: false, value: first } : { done: false, value: Buffer.alloc(64 * 1024, 0x41) };
          },
          return: async () => {
            state.returned = true;
            return { done: true, value: undefined };
          },
        }),
      };
      return { source, state };
    };
    // An endless source: only stopping early lets these finish.
    for (const first of [Buffer.from('Name,Email\nA,B\n'), Buffer.from([0x89, 0x50, 0x4e, 0x47])]) {
      const { source, state } = track(first);
      const events = [];
      for await (const e of readIntakeCsv(source)) events.push(e);
      expect(events).toEqual([{ kind: 'rejected-file', reason: expect.any(String) }]);
      expect(state.returned).toBe(true);
      expect(state.pulled).toBeLessThan(5);
    }
  });

  it('refuses invalid options loudly', async () => {
    const run = async (options: object): Promise<void> => {
      for await (const _ of readIntakeCsv(chunked(Buffer.from(HEADER)), options)) void _;
    };
    await expect(run({ maxRows: 0 })).rejects.toThrow(/maxRows/);
    await expect(run({ maxLineBytes: 10 })).rejects.toThrow(/maxLineBytes/);
    await expect(run({ maxRow: 5 })).rejects.toThrow(/maxRow/);
  });

  it('passes a failure of the source on instead of ending as if the file were complete', async () => {
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield Buffer.from(`${HEADER}\nS-1,,${hash('S-1')}\n`);
      throw new Error('blob download reset');
    }
    const seen: string[] = [];
    const run = async (): Promise<void> => {
      for await (const e of readIntakeCsv(failing())) seen.push(e.kind);
    };
    await expect(run()).rejects.toThrow('blob download reset');
    expect(seen).not.toContain('end');
  });

  it('fails loudly on a source that yields text instead of bytes', async () => {
    const strings = ['Device Serial Number,Windows Product ID,Hardware Hash\n'] as unknown as Uint8Array[];
    const run = async (): Promise<void> => {
      for await (const _ of readIntakeCsv(strings)) void _;
    };
    await expect(run()).rejects.toThrow(/yielded string chunks; pass raw bytes/);
  });
});

describe('rows that fail validation', () => {
  it('gives each broken row a specific code and message, and imports the good ones', async () => {
    const good = hash('OK-1');
    const truncated = hashBytes('TR-1');
    const badMagic = hashBytes('BM-1');
    badMagic[0] = 0x58;
    const badRecord = hashBytes('BR-1');
    badRecord.writeUInt16LE(0xfff0, 6);
    const noSerial = generateHardwareHash({ serialNumber: '', manufacturer: 'Contoso', model: 'X', padding: 64 });
    const noMaker = generateHardwareHash({ serialNumber: 'NM-1', manufacturer: '', model: 'X', padding: 64 });
    const upn = 'adele.vance@contoso';
    const lines = [
      HEADER5,
      `OK-1,,${good},Sales,adele.vance@contoso.com`,
      `,,${hash('MS-1')},,`,
      `NH-1,,,,`,
      `NB-1,,${good.slice(0, 40)}!!${good.slice(40)},,`,
      `BM-1,,${badMagic.toString('base64')},,`,
      `TR-1,,${truncated.subarray(0, truncated.length - 12).toString('base64')},,`,
      `BR-1,,${badRecord.toString('base64')},,`,
      `HS-1,,${noSerial},,`,
      `NM-1,,${noMaker},,`,
      `GT-1,,${hash('GT-1')},Sales/EMEA,`,
      `GT-2,,${hash('GT-2')},${'x'.repeat(129)},`,
      `UP-1,,${hash('UP-1')},,${upn}`,
      `UP-2,,${hash('UP-2')},,not a upn`,
      `WC-1`,
      `WC-2,,${hash('WC-2')},Sales,a@b.co,extra`,
      `QU-1,,"${hash('QU-1')},,`,
      `QU-2,,"${hash('QU-2')}"x,,`,
      `NU-1,,${hash('NU-1')},Sal\0es,`,
      `TB-1,,${hash('TB-1')},Sa\tles,`,
      `OK-2,,${hash('OK-2')},Zürich Süd_2.0-b,o'brien.x@sub.contoso.co.uk`,
    ];
    const p = await parse(lines.join('\r\n'));
    expectWellFormedStream(p);
    expect(verdicts(p)).toEqual([
      '2:valid',
      '3:rejected:missing-serial',
      '4:rejected:missing-hash',
      '5:rejected:hash-not-base64',
      '6:rejected:hash-bad-magic',
      '7:rejected:hash-truncated',
      '8:rejected:hash-bad-record',
      '9:rejected:hash-missing-serial',
      '10:rejected:hash-missing-manufacturer',
      '11:rejected:bad-group-tag',
      '12:rejected:bad-group-tag',
      '13:rejected:bad-upn',
      '14:rejected:bad-upn',
      '15:rejected:wrong-column-count',
      '16:rejected:wrong-column-count',
      '17:rejected:malformed-quotes',
      '18:rejected:malformed-quotes',
      '19:rejected:control-characters',
      '20:rejected:control-characters',
      '21:valid',
    ]);
    const byLine = new Map(p.rows.map((r) => [r.line, r]));
    expect(byLine.get(4)).toMatchObject({
      serialNumber: 'NH-1',
      message: expect.stringMatching(/^Line 4 \(serial NH-1\) has no 'Hardware Hash'\. Collect the hash again/),
    });
    expect(byLine.get(7)).toMatchObject({ message: expect.stringContaining('truncated or corrupt') });
    expect(byLine.get(11)).toMatchObject({
      message: expect.stringContaining('only letters, digits, spaces, hyphens (-), underscores (_) and dots (.)'),
    });
    expect(byLine.get(12)).toMatchObject({ message: expect.stringContaining('129 characters long; the limit is 128') });
    expect(byLine.get(13)).toMatchObject({ serialNumber: 'UP-1', message: expect.stringContaining('name@domain.tld') });
    expect(byLine.get(15)).toMatchObject({ message: expect.stringContaining('cut short') });
    expect(byLine.get(16)).toMatchObject({ serialNumber: 'WC-2', message: expect.stringContaining('unquoted comma') });
    expect(byLine.get(17)).toMatchObject({ message: expect.stringContaining('not closed on the same line') });
    expect(byLine.get(21)).toMatchObject({ groupTag: 'Zürich Süd_2.0-b', assignedUser: "o'brien.x@sub.contoso.co.uk" });
    expect(byLine.get(3)).not.toHaveProperty('serialNumber');
    expectNoSecretsInMessages(p, [good, upn, 'adele.vance@contoso.com', badMagic.toString('base64'), noMaker]);
  });

  it('recognises a file cut off in the middle of a row (no final line break) as a truncated hash', async () => {
    const last = hash('CUT-2', 'Contoso', 'Laptop 7', 1000);
    const text = `${HEADER}\r\nCUT-1,,${hash('CUT-1')}\r\nCUT-2,,${last.slice(0, 301)}`;
    const p = await parse(text, { chunkSize: 100 });
    expectWellFormedStream(p);
    expect(verdicts(p)).toEqual(['2:valid', '3:rejected:hash-truncated']);
    expect(p.rows[1]).toMatchObject({
      serialNumber: 'CUT-2',
      message: expect.stringContaining('stops after 301 characters, in the middle of a base64 group: it was cut off'),
    });
    // Cut on a 4-character boundary it still decodes, and the declared length gives it away.
    const q = await parse(`${HEADER}\nCUT-3,,${hash('CUT-3', 'Contoso', 'Laptop 7', 1000).slice(0, 300)}`);
    expect(verdicts(q)).toEqual(['2:rejected:hash-truncated']);
    expect(q.rows[0]).toMatchObject({ message: expect.stringContaining('truncated or corrupt') });
  });

  it('gives every line of binary garbage after a good header its own verdict, and imports none of it', async () => {
    const bytes = Buffer.concat([
      Buffer.from(`${HEADER}\r\nG-1,,${hash('G-1')}\r\n`),
      garbage(300_000, 12345),
      Buffer.from(`\r\nG-2,,${hash('G-2')}\r\n`),
    ]);
    const p = await parse(bytes, { chunkSize: 4096 });
    expectWellFormedStream(p);
    const physicalLines = bytes.toString('latin1').split(/\r\n|\n|\r/).length - 1;
    expect(p.rows.length + p.end!.blankLineCount).toBe(physicalLines - 1);
    expect(p.rows[0]).toMatchObject({ status: 'valid', serialNumber: 'G-1' });
    expect(p.rows.at(-1)).toMatchObject({ status: 'valid', serialNumber: 'G-2' });
    expect(p.rows.slice(1, -1).every((r) => r.status === 'rejected')).toBe(true);
  });

  it('never shows a user name that sits in the serial column', async () => {
    const p = await parse(`${HEADER}\nadele.vance@contoso.com,,not-a-hash\n`);
    expect(verdicts(p)).toEqual(['2:rejected:hash-not-base64']);
    expectNoSecretsInMessages(p, ['adele.vance@contoso.com']);
  });

  it('keeps formula payloads as data: valid where well-formed, never evaluated or altered', async () => {
    const payload = "=cmd|' /C calc'!A0";
    const h = hash(payload);
    const p = await parse(
      [
        HEADER5,
        `"${payload}",,${h},,`,
        `F-1,+1+2,${hash('F-1')},,`,
        `F-2,,${hash('F-2')},=HYPERLINK("http://x"),`,
        `F-3,,${hash('F-3')},,@SUM(1+1)`,
        `F-4,,${hash('F-4')},-2+3,`,
      ].join('\n'),
    );
    expectWellFormedStream(p);
    expect(verdicts(p)).toEqual(['2:valid', '3:valid', '4:rejected:bad-group-tag', '5:rejected:bad-upn', '6:rejected:bad-group-tag']);
    expect(p.rows[0]).toMatchObject({ serialNumber: payload, hashSerialNumber: payload, warnings: [] });
    expect(p.rows[1]).toMatchObject({ productKey: '+1+2' });
  });

  it('flags bytes that are invalid in the encoding on a row that otherwise imports', async () => {
    const bytes = Buffer.concat([
      Buffer.from(`${HEADER},Group Tag\nI-1,,${hash('I-1')},Zürich\nI-0,,${hash('I-0')},Malmö Süd\nI-2,33\xff,`, 'utf8'),
      Buffer.from(`${hash('I-2')},Lab\n`),
    ]);
    // 'I-2,33\xff' was built from a JS string: re-encode that one byte as a raw invalid UTF-8 byte.
    const raw = Buffer.from(bytes.toString('utf8').replace('33\u00ff', '33\u0001'), 'utf8');
    raw[raw.indexOf(0x01)] = 0xff;
    const p = await parse(raw);
    expectWellFormedStream(p);
    expect(p.header!.encoding).toBe('utf-8');
    expect(p.rows[2]).toMatchObject({ status: 'valid', productKey: '33\uFFFD', warnings: [{ code: 'invalid-encoding' }] });
  });
});
