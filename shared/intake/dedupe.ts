/**
 * Duplicate detection within one file, the only state of the parse that grows with the file. Per
 * valid row it keeps a 12-byte digest of the serial and one of the hash (never the 1–4 KB hash
 * itself, never the serial) with the row's line, in two open-addressing tables held in plain
 * buffers: 16 bytes a slot, ≤ 50 % full, so 32–64 bytes per row per key kind, outside the V8 heap
 * (the worker's 256 MB old-space cap does not count it) and without one heap object per row.
 * A Map of digest strings took ~140 bytes of heap per row (120 MB at 1,000,000 rows, issue 16).
 *
 * Not flat: whether a row repeats an earlier one can only be told from every earlier row's keys,
 * so some memory per distinct row is the floor short of an external store (a second pass over the
 * file or a sorted spill to disk), which a 1,000,000-row file (64 MB here) does not need.
 */
import { createHash } from 'node:crypto';

/** 96 bits: a collision among even millions of keys is far less likely than a disk error. */
const DIGEST_BYTES = 12;
const SLOT_BYTES = DIGEST_BYTES + 4;
const INITIAL_SLOTS = 1 << 12;

function digest(kind: string, key: string): Buffer {
  return createHash('sha256').update(kind).update('\0').update(key).digest();
}

/**
 * Digest → line, in one buffer of slots [12-byte digest][uint32 line + 1] (0: empty). The digests
 * are uniform, so their first four bytes pick the slot; collisions probe linearly. Doubles at half full.
 */
export class DigestTable {
  private slots: Buffer;
  private mask: number;
  private count = 0;

  constructor(initialSlots = INITIAL_SLOTS) {
    const size = 2 ** Math.ceil(Math.log2(Math.max(initialSlots, 2)));
    this.slots = Buffer.alloc(size * SLOT_BYTES);
    this.mask = size - 1;
  }

  get size(): number {
    return this.count;
  }

  /** Bytes held (the buffer's length): what the table costs, outside the heap. */
  get bytes(): number {
    return this.slots.length;
  }

  /** The line recorded for `key` (its first DIGEST_BYTES bytes), or undefined. */
  get(key: Buffer): number | undefined {
    const at = this.find(key);
    const stored = this.slots.readUInt32LE(at + DIGEST_BYTES);
    return stored === 0 ? undefined : stored - 1;
  }

  /** Records `key` → `line` (a key already there keeps its first line). */
  set(key: Buffer, line: number): void {
    const at = this.find(key);
    if (this.slots.readUInt32LE(at + DIGEST_BYTES) !== 0) return;
    key.copy(this.slots, at, 0, DIGEST_BYTES);
    this.slots.writeUInt32LE(line + 1, at + DIGEST_BYTES);
    if (++this.count * 2 > this.mask + 1) this.grow();
  }

  /** Byte offset of `key`'s slot, or of the empty slot where it would go. */
  private find(key: Buffer): number {
    let slot = key.readUInt32LE(0) & this.mask;
    for (;;) {
      const at = slot * SLOT_BYTES;
      if (this.slots.readUInt32LE(at + DIGEST_BYTES) === 0 || this.slots.compare(key, 0, DIGEST_BYTES, at, at + DIGEST_BYTES) === 0)
        return at;
      slot = (slot + 1) & this.mask;
    }
  }

  private grow(): void {
    const old = this.slots;
    this.slots = Buffer.alloc(old.length * 2);
    this.mask = this.mask * 2 + 1;
    for (let at = 0; at < old.length; at += SLOT_BYTES) {
      if (old.readUInt32LE(at + DIGEST_BYTES) === 0) continue;
      const to = this.find(old.subarray(at, at + DIGEST_BYTES));
      old.copy(this.slots, to, at, at + SLOT_BYTES);
    }
  }
}

export interface DuplicateHit {
  key: 'serial' | 'hash';
  firstLine: number;
}

export class DuplicateIndex {
  private readonly serials = new DigestTable();
  private readonly hashes = new DigestTable();

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

  /** Bytes both tables hold. */
  get bytes(): number {
    return this.serials.bytes + this.hashes.bytes;
  }
}
