import { describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
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
    expect(parseCsvLine('F-2,,h,=HYPERLINK("http://x"),', ',')).toEqual({
      ok: true,
      fields: ['F-2', '', 'h', '=HYPERLINK("http://x")', ''],
    });
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

describe('the quote-free fast path reads every line exactly as csv-parse does', () => {
  // The same options as csv-line.ts, through csv-parse itself: the oracle.
  const viaCsvParse = (line: string, delimiter: string): string[] =>
    parse(line, {
      quote: '"',
      escape: '"',
      relax_quotes: true,
      ltrim: true,
      rtrim: true,
      relax_column_count: true,
      record_delimiter: '\n',
      delimiter,
    })[0] ?? [''];

  /** mulberry32, so a failure names a reproducible line. */
  function dice(seed: number): () => number {
    let s = seed >>> 0;
    return () => {
      s = (s + 0x6d2b79f5) >>> 0;
      let t = Math.imul(s ^ (s >>> 15), s | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }
  // Delimiters, every kind of blank String.prototype.trim removes (and some it does not), text, NUL.
  const ALPHABET = [
    ',',
    ';',
    '\t',
    ' ',
    '\u00a0',
    '\u2003',
    '\u3000',
    '\ufeff',
    '\u200b',
    '\u000b',
    '\u000c',
    'a',
    'Z',
    '9',
    '-',
    '=',
    '+',
    '@',
    "'",
    'é',
    '名',
    '\u0000',
    '|',
  ];

  it.each([',', ';', '\t', '|'])('on 20,000 random quote-free lines with delimiter %j', (delimiter) => {
    const roll = dice(delimiter.charCodeAt(0));
    for (let n = 0; n < 20_000; n++) {
      const length = Math.floor(roll() * 24);
      let line = '';
      for (let i = 0; i < length; i++) line += ALPHABET[Math.floor(roll() * ALPHABET.length)];
      const fast = parseCsvLine(line, delimiter);
      expect(fast, JSON.stringify(line)).toEqual({ ok: true, fields: viaCsvParse(line, delimiter) });
    }
  });
});
