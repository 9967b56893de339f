import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DigestTable, DuplicateIndex } from '../../../shared/intake/dedupe';

const key = (text: string) => createHash('sha256').update(text).digest();

describe('the duplicate index', () => {
  it('names the first line a serial or a hash repeats, hash first, serials case- and blank-insensitive', () => {
    const index = new DuplicateIndex();
    expect(index.check(2, 'SN-1', 'HASH-A')).toBeUndefined();
    expect(index.check(3, 'SN-2', 'HASH-B')).toBeUndefined();
    expect(index.check(4, ' sn-1 ', 'HASH-C')).toEqual({ key: 'serial', firstLine: 2 });
    expect(index.check(5, 'SN-9', 'HASH-B')).toEqual({ key: 'hash', firstLine: 3 });
    expect(index.check(6, 'SN-2', 'HASH-A')).toEqual({ key: 'hash', firstLine: 2 });
    // A repeated row is not recorded: its serial stays free for nobody but the first.
    expect(index.check(7, 'SN-9', 'HASH-D')).toBeUndefined();
  });

  it('keeps every key through many doublings, with its first line, in at most 64 bytes a key (slots of 16 bytes, at least a quarter full)', () => {
    const table = new DigestTable(2);
    const n = 200_000;
    for (let i = 0; i < n; i++) table.set(key(`k${i}`), i + 2);
    table.set(key('k5'), 999_999); // a key already there keeps its first line
    expect(table.size).toBe(n);
    for (let i = 0; i < n; i += 997) expect(table.get(key(`k${i}`))).toBe(i + 2);
    expect(table.get(key('k5'))).toBe(7);
    expect(table.get(key('absent'))).toBeUndefined();
    expect(table.bytes).toBeLessThanOrEqual(n * 64);
    expect(table.bytes).toBeGreaterThanOrEqual(n * 32);
  });

  it('tells keys apart that share their first bytes (the slot they hash to)', () => {
    const table = new DigestTable(8);
    const a = Buffer.alloc(32, 0);
    const b = Buffer.alloc(32, 0);
    b[11] = 1; // same slot, different digest
    const c = Buffer.alloc(32, 0);
    c[12] = 1; // differs only past the 12 bytes kept: the same key
    table.set(a, 10);
    table.set(b, 20);
    expect(table.get(a)).toBe(10);
    expect(table.get(b)).toBe(20);
    expect(table.get(c)).toBe(10);
  });

  it('records line 0 as a line, not as an empty slot', () => {
    const table = new DigestTable();
    table.set(key('zero'), 0);
    expect(table.get(key('zero'))).toBe(0);
  });
});
