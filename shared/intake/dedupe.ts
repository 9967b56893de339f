/**
 * Duplicate detection within one file, the only state that grows with the file. It keeps a 12-byte
 * digest per key (never the 1–4 KB hash itself, never the serial): about 140 bytes per valid row, 14 MB for 100,000 rows.
 */
import { createHash } from 'node:crypto';

function digest(kind: string, key: string): string {
  // 96 bits: a collision among even millions of keys is far less likely than a disk error. Kept as a
  // flat 12-character one-byte string (a slice of a longer string would pin its parent in memory).
  return createHash('sha256').update(kind).update('\0').update(key).digest().toString('latin1', 0, 12);
}

export interface DuplicateHit {
  key: 'serial' | 'hash';
  firstLine: number;
}

export class DuplicateIndex {
  private readonly serials = new Map<string, number>();
  private readonly hashes = new Map<string, number>();

  /** Records the row if it is new; otherwise tells which earlier row it repeats (hash first: same device). */
  check(line: number, serialNumber: string, hardwareHash: string): DuplicateHit | undefined {
    const serialKey = digest('serial', serialNumber.trim().toUpperCase());
    const hashKey = digest('hash', hardwareHash);
    const byHash = this.hashes.get(hashKey);
    if (byHash !== undefined) return { key: 'hash', firstLine: byHash };
    const bySerial = this.serials.get(serialKey);
    if (bySerial !== undefined) return { key: 'serial', firstLine: bySerial };
    this.hashes.set(hashKey, line);
    this.serials.set(serialKey, line);
    return undefined;
  }
}
