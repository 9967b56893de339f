import { describe, expect, it } from 'vitest';
import { NcrontabError, parseNcrontab } from '../../local/host/triggers/ncrontab';

const at = (iso: string) => new Date(iso);
const next = (expr: string, base: string) => parseNcrontab(expr).nextAfter(at(base))?.toISOString() ?? null;

function series(expr: string, base: string, count: number): string[] {
  const schedule = parseNcrontab(expr);
  const out: string[] = [];
  let t = at(base);
  for (let i = 0; i < count; i++) {
    const n = schedule.nextAfter(t);
    if (!n) break;
    out.push(n.toISOString());
    t = n;
  }
  return out;
}

describe('NCRONTAB parsing', () => {
  it('requires exactly six fields', () => {
    expect(() => parseNcrontab('*/5 * * * *')).toThrow(/6 fields.*found 5/);
    expect(() => parseNcrontab('0 0 * * * * *')).toThrow(/found 7/);
    expect(() => parseNcrontab('')).toThrow(NcrontabError);
  });

  it('tolerates repeated spaces between fields', () => {
    expect(next('0  */5 *  * * *', '2026-01-01T00:01:00Z')).toBe('2026-01-01T00:05:00.000Z');
  });

  it.each([
    ['60 * * * * *', /Second.*60 is outside 0-59/],
    ['* 60 * * * *', /Minute.*outside 0-59/],
    ['* * 24 * * *', /Hour.*outside 0-23/],
    ['* * * 0 * *', /Day.*outside 1-31/],
    ['* * * 32 * *', /Day.*outside 1-31/],
    ['* * * * 13 *', /Month.*outside 1-12/],
    ['* * * * * 7', /DayOfWeek.*outside 0-6/],
    ['* * * * Foo *', /'Foo' is not one of January/],
    ['* * * ? * *', /Day.*must be a number/],
    ['* * * L * *', /Day.*must be a number/],
    ['1a * * * * *', /not a number/],
    ['*/x * * * * *', /step 'x' is not a number/],
    ['1,,2 * * * * *', /list element is empty/],
    ['1-2-3 * * * * *', /not a number/],
    ['* * * * * MON#2', /not one of Sunday/],
  ])('rejects %s with a specific message', (expr, message) => {
    expect(() => parseNcrontab(expr)).toThrow(message);
  });
});

describe('NCRONTAB next occurrence (UTC)', () => {
  it('every 5 minutes, at second 0', () => {
    expect(series('0 */5 * * * *', '2026-03-10T10:03:27Z', 3)).toEqual([
      '2026-03-10T10:05:00.000Z',
      '2026-03-10T10:10:00.000Z',
      '2026-03-10T10:15:00.000Z',
    ]);
  });

  it('is strictly after the base, ignoring milliseconds', () => {
    expect(next('* * * * * *', '2026-03-10T10:00:00.000Z')).toBe('2026-03-10T10:00:01.000Z');
    expect(next('* * * * * *', '2026-03-10T10:00:00.999Z')).toBe('2026-03-10T10:00:01.000Z');
    expect(next('0 0 * * * *', '2026-03-10T10:00:00Z')).toBe('2026-03-10T11:00:00.000Z');
  });

  it('every 10 seconds rolls over minutes and hours', () => {
    expect(series('*/10 * * * * *', '2026-12-31T23:59:45Z', 3)).toEqual([
      '2026-12-31T23:59:50.000Z',
      '2027-01-01T00:00:00.000Z',
      '2027-01-01T00:00:10.000Z',
    ]);
  });

  it('lists, ranges and ranges with steps', () => {
    expect(series('0 0 9-17/4 * * *', '2026-03-10T09:30:00Z', 4)).toEqual([
      '2026-03-10T13:00:00.000Z',
      '2026-03-10T17:00:00.000Z',
      '2026-03-11T09:00:00.000Z',
      '2026-03-11T13:00:00.000Z',
    ]);
    expect(series('5,40 15,45 * * * *', '2026-03-10T09:00:00Z', 3)).toEqual([
      '2026-03-10T09:15:05.000Z',
      '2026-03-10T09:15:40.000Z',
      '2026-03-10T09:45:05.000Z',
    ]);
  });

  it('a/n means from a to the maximum every n (NCrontab)', () => {
    expect(series('0 50/4 * * * *', '2026-03-10T09:00:00Z', 4)).toEqual([
      '2026-03-10T09:50:00.000Z',
      '2026-03-10T09:54:00.000Z',
      '2026-03-10T09:58:00.000Z',
      '2026-03-10T10:50:00.000Z',
    ]);
  });

  it('a reversed range is swapped, as NCrontab does', () => {
    expect(next('0 0 17-9 * * *', '2026-03-10T10:00:00Z')).toBe('2026-03-10T11:00:00.000Z');
  });

  it('a step of 0 behaves as 1, as NCrontab does', () => {
    expect(next('*/0 * * * * *', '2026-03-10T10:00:00Z')).toBe('2026-03-10T10:00:01.000Z');
  });

  it('weekday names and ranges: weekdays at 08:30', () => {
    // 2026-03-13 is a Friday.
    expect(series('0 30 8 * * Mon-Fri', '2026-03-13T09:00:00Z', 2)).toEqual(['2026-03-16T08:30:00.000Z', '2026-03-17T08:30:00.000Z']);
    expect(next('0 30 8 * * 1-5', '2026-03-13T09:00:00Z')).toBe('2026-03-16T08:30:00.000Z');
  });

  it('names are case-insensitive prefixes, first match wins', () => {
    expect(next('0 0 0 1 jan *', '2026-03-01T00:00:00Z')).toBe('2027-01-01T00:00:00.000Z');
    expect(next('0 0 0 1 DECEMBER *', '2026-03-01T00:00:00Z')).toBe('2026-12-01T00:00:00.000Z');
    // 'T' is a prefix of Tuesday first (Sunday=0 … Tuesday=2). 2026-03-10 is a Tuesday.
    expect(next('0 0 12 * * T', '2026-03-09T00:00:00Z')).toBe('2026-03-10T12:00:00.000Z');
    expect(next('0 0 12 * * sun', '2026-03-09T00:00:00Z')).toBe('2026-03-15T12:00:00.000Z');
  });

  it('Sunday is 0', () => {
    expect(next('0 0 0 * * 0', '2026-03-09T00:00:00Z')).toBe('2026-03-15T00:00:00.000Z');
  });

  it('day-of-month AND day-of-week must both match (NCrontab, unlike classic cron)', () => {
    // The next Friday the 13th after 2026-03-14 is 2026-11-13.
    expect(next('0 0 0 13 * 5', '2026-03-14T00:00:00Z')).toBe('2026-11-13T00:00:00.000Z');
  });

  it('skips months without the day', () => {
    expect(series('0 0 0 31 * *', '2026-01-31T00:00:00Z', 3)).toEqual([
      '2026-03-31T00:00:00.000Z',
      '2026-05-31T00:00:00.000Z',
      '2026-07-31T00:00:00.000Z',
    ]);
  });

  it('29 February only in leap years', () => {
    expect(next('0 0 0 29 2 *', '2026-03-01T00:00:00Z')).toBe('2028-02-29T00:00:00.000Z');
  });

  it('a date that never exists never fires', () => {
    expect(parseNcrontab('0 0 0 30 2 *').nextAfter(at('2026-01-01T00:00:00Z'))).toBeNull();
  });

  it('rejects an invalid base', () => {
    expect(() => parseNcrontab('* * * * * *').nextAfter(new Date('nope'))).toThrow(/invalid Date/);
  });
});
