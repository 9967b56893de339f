import { describe, expect, it } from 'vitest';
import { parseCsvLine } from '../../../shared/intake/csv-line';

/** One line through csv-parse: the fields, or the quote problem (by csv-parse's error code) and its 1-based column. */
describe('parseCsvLine (csv-parse, one physical line)', () => {
  it('splits on the given delimiter and keeps empty fields', () => {
    expect(parseCsvLine('A-1,,hash,Sales,', ',')).toEqual({ ok: true, fields: ['A-1', '', 'hash', 'Sales', ''] });
    expect(parseCsvLine('A-1;;hash', ';')).toEqual({ ok: true, fields: ['A-1', '', 'hash'] });
    expect(parseCsvLine('A-1\t\thash\t', '\t')).toEqual({ ok: true, fields: ['A-1', '', 'hash', ''] });
    expect(parseCsvLine('a;b,c', ',')).toEqual({ ok: true, fields: ['a;b', 'c'] });
  });

  it('reads an empty line as one empty field and a line of delimiters as empty fields', () => {
    expect(parseCsvLine('', ',')).toEqual({ ok: true, fields: [''] });
    expect(parseCsvLine(',,', ',')).toEqual({ ok: true, fields: ['', '', ''] });
  });

  it('reads RFC 4180 quoting: delimiters inside quotes, doubled quotes, quoted empty fields', () => {
    expect(parseCsvLine('"a,b","say ""hi""","",x', ',')).toEqual({ ok: true, fields: ['a,b', 'say "hi"', '', 'x'] });
    expect(parseCsvLine('"a\tb"\t"c"', '\t')).toEqual({ ok: true, fields: ['a\tb', 'c'] });
  });

  it('tolerates blanks around a quoted field and trims them around unquoted ones', () => {
    expect(parseCsvLine('a, "b" ,c', ',')).toEqual({ ok: true, fields: ['a', 'b', 'c'] });
    expect(parseCsvLine(' x , y ', ',')).toEqual({ ok: true, fields: ['x', 'y'] });
    expect(parseCsvLine(' "a" \t b ', '\t')).toEqual({ ok: true, fields: ['a', 'b'] });
  });

  it('keeps a quote inside an unquoted field as data', () => {
    expect(parseCsvLine('F-2,,h,=HYPERLINK("http://x"),', ',')).toEqual({ ok: true, fields: ['F-2', '', 'h', '=HYPERLINK("http://x")', ''] });
    expect(parseCsvLine('\u201CA\u201D,o"brien', ',')).toEqual({ ok: true, fields: ['\u201CA\u201D', 'o"brien'] });
  });

  it('keeps control characters and U+FFFD as data: the row checks judge them', () => {
    expect(parseCsvLine('a,Sal\0es,Sa\tles,33\uFFFD', ',')).toEqual({ ok: true, fields: ['a', 'Sal\0es', 'Sa\tles', '33\uFFFD'] });
  });

  it('reports a quote left open to the end of the line (CSV_QUOTE_NOT_CLOSED) with its column', () => {
    expect(parseCsvLine('QU-1,,"hash,,', ',')).toEqual({ ok: false, problem: 'unclosed-quote', column: 3 });
    expect(parseCsvLine('"', ',')).toEqual({ ok: false, problem: 'unclosed-quote', column: 1 });
    expect(parseCsvLine('a,"b""', ',')).toEqual({ ok: false, problem: 'unclosed-quote', column: 2 });
  });

  it('reports text after a closing quote (CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE) with its column', () => {
    expect(parseCsvLine('QU-2,,"hash"x,,', ',')).toEqual({ ok: false, problem: 'text-after-quote', column: 3 });
    expect(parseCsvLine('"a" "b",c', ',')).toEqual({ ok: false, problem: 'text-after-quote', column: 1 });
    expect(parseCsvLine('"a,b"c"', ',')).toEqual({ ok: false, problem: 'text-after-quote', column: 1 });
  });

  it('reads a long quote-free line whole', () => {
    const hash = 'A'.repeat(60_000);
    expect(parseCsvLine(`S-1,,${hash},Sales`, ',')).toEqual({ ok: true, fields: ['S-1', '', hash, 'Sales'] });
  });
});
