import { describe, expect, it } from 'vitest';
import { expectWellFormedStream, hash, HEADER, parse } from './helpers';

const BOM8 = Buffer.from([0xef, 0xbb, 0xbf]);

function utf16be(text: string): Buffer {
  const le = Buffer.from(text, 'utf16le');
  for (let i = 0; i + 1 < le.length; i += 2) {
    const a = le[i]!;
    le[i] = le[i + 1]!;
    le[i + 1] = a;
  }
  return le;
}

const text = `${HEADER},Group Tag\r\nE-1,,${hash('E-1')},Zürich\r\nE-2,,${hash('E-2')},Malmö\r\n`;

describe('intake encodings', () => {
  const cases: Array<[string, Buffer]> = [
    ['utf-8', Buffer.from(text, 'utf8')],
    ['utf-8-bom', Buffer.concat([BOM8, Buffer.from(text, 'utf8')])],
    ['utf-16le', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')])],
    ['utf-16be', Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be(text)])],
    ['windows-1252', Buffer.from(text, 'latin1')],
  ];
  for (const [encoding, bytes] of cases) {
    for (const chunkSize of [1, 3, 4096]) {
      it(`decodes ${encoding} read in ${chunkSize}-byte chunks`, async () => {
        const p = await parse(bytes, { chunkSize });
        expectWellFormedStream(p);
        expect(p.header).toMatchObject({ encoding, format: 'intune', columns: [...HEADER.split(','), 'Group Tag'], warnings: [] });
        expect(
          p.rows.map((r) => (r.status === 'valid' ? `${r.line}:${r.serialNumber}:${r.groupTag}:${r.warnings.length}` : r.status)),
        ).toEqual(['2:E-1:Zürich:0', '3:E-2:Malmö:0']);
      });
    }
  }

  it('reads UTF-16LE without a byte-order mark, with a warning', async () => {
    const p = await parse(Buffer.from(text, 'utf16le'), { chunkSize: 5 });
    expectWellFormedStream(p);
    expect(p.header!.encoding).toBe('utf-16le');
    expect(p.header!.warnings.join(' ')).toContain('without a byte-order mark');
    expect(p.rows.map((r) => r.status)).toEqual(['valid', 'valid']);
  });

  it('switches to Windows-1252 when the first non-ASCII byte comes after a long ASCII start, and says so at the end', async () => {
    const rows: string[] = [];
    for (let i = 0; i < 60; i++) rows.push(`L-${i},,${hash(`L-${i}`, 'Contoso', 'Laptop 7', 1500)},Sales`);
    rows.push(`L-late,,${hash('L-late')},Zürich`);
    const bytes = Buffer.from(`${HEADER},Group Tag\r\n${rows.join('\r\n')}\r\n`, 'latin1');
    expect(bytes.indexOf(0xfc)).toBeGreaterThan(64 * 1024);
    const p = await parse(bytes, { chunkSize: 1000 });
    expectWellFormedStream(p);
    expect(p.header!.encoding).toBe('utf-8');
    expect(p.rows.at(-1)).toMatchObject({ status: 'valid', serialNumber: 'L-late', groupTag: 'Zürich' });
    expect(p.end!.warnings.join(' ')).toContain('windows-1252');
  });

  it('keeps a UTF-8 file UTF-8 when its first non-ASCII character is late, with no warning', async () => {
    const rows: string[] = [];
    for (let i = 0; i < 60; i++) rows.push(`M-${i},,${hash(`M-${i}`, 'Contoso', 'Laptop 7', 1500)},Sales`);
    rows.push(`M-late,,${hash('M-late')},Zürich`);
    const p = await parse(Buffer.from(`${HEADER},Group Tag\n${rows.join('\n')}\n`, 'utf8'), { chunkSize: 777 });
    expectWellFormedStream(p);
    expect(p.rows.at(-1)).toMatchObject({ status: 'valid', groupTag: 'Zürich' });
    expect(p.end!.warnings).toEqual([]);
  });

  it('flags a row holding bytes invalid in an otherwise UTF-8 file (replacement characters), without losing the row', async () => {
    const good = Buffer.from(`${HEADER},Group Tag\nV-1,,${hash('V-1')},Zürich\nV-0,,${hash('V-0')},Malmö Süd\n`, 'utf8');
    const bad = Buffer.concat([
      Buffer.from(`V-2,,${hash('V-2')},Sales\n`),
      Buffer.from('V-3,,'),
      Buffer.from(hash('V-3')),
      Buffer.from(',Lab,\xff\n', 'latin1'),
    ]);
    const p = await parse(Buffer.concat([good, bad]));
    expectWellFormedStream(p);
    expect(p.header!.encoding).toBe('utf-8');
    expect(p.rows.map((r) => r.status)).toEqual(['valid', 'valid', 'valid', 'rejected']);
    // The stray byte sits in a column past the header: the row is reported, not silently accepted.
    expect(p.rows[3]).toMatchObject({ code: 'wrong-column-count', serialNumber: 'V-3' });
    const q = await parse(Buffer.concat([good, Buffer.from('V-4,,'), Buffer.from(hash('V-4')), Buffer.from(',Lab\xff\n', 'latin1')]));
    expect(q.header!.encoding).toBe('utf-8');
    expect(q.rows[2]).toMatchObject({ status: 'rejected', code: 'bad-group-tag' });
  });
});
