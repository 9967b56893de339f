/**
 * Sets of GUIDs (Autopilot ids, Entra deviceIds) held in plain buffers. A large run's confirm step
 * holds several such sets of up to 100,000 ids each for one step (the run's devices, the ones a
 * tenant-sized walk found); as strings in a Set each id costs ~90 bytes of V8 heap, which the heap
 * then grows by again as headroom. Here an id is its 16 bytes (and a byte of marks) in an
 * open-addressing table half to three quarters full (24–36 bytes an id, outside the heap, no object
 * per id): the confirm phase's peak grew with the file (issue 16).
 *
 * GUIDs compare without regard to case, as the service treats them. Anything that is not a GUID
 * (never an id the service hands out; test fakes use such ids) is kept as given beside the table.
 */
import type { IdSet } from './gateway';

/** Hex digit values by character code; -1 for anything else. */
const HEX = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) {
  HEX['0123456789abcdef'.charCodeAt(i)] = i;
  HEX['0123456789ABCDEF'.charCodeAt(i)] = i;
}
const KEY_BYTES = 16;
const INITIAL_SLOTS = 1 << 10;
/** The ids a set also keeps as strings, in order, for the few callers that go through them (small runs). */
const LISTED = 1_000;

/** The 16 bytes of a GUID written into `into`; false when `id` is not a GUID (8-4-4-4-12 hex digits). */
export function guidBytes(id: string, into: Buffer): boolean {
  if (id.length !== 36) return false;
  let byte = 0;
  for (let i = 0; i < 36;) {
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (id.charCodeAt(i) !== 45) return false;
      i++;
      continue;
    }
    const high = HEX[id.charCodeAt(i)] ?? -1;
    const low = HEX[id.charCodeAt(i + 1)] ?? -1;
    if (high < 0 || low < 0) return false;
    into[byte++] = (high << 4) | low;
    i += 2;
  }
  return true;
}

/** The GUID whose 16 bytes start at `at`, in lower case. */
export function guidText(buffer: Buffer, at: number): string {
  const hex = buffer.toString('hex', at, at + KEY_BYTES);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A well-spread slot from all 16 bytes: ids such as `…-000000000001` differ only at the end. */
function spread(key: Buffer): number {
  let h = key.readUInt32LE(0) ^ key.readUInt32LE(4) ^ key.readUInt32LE(8) ^ key.readUInt32LE(12);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * GUID keys with a fixed number of value bytes each, in one buffer of slots
 * [1 byte: used][16-byte key][value bytes]; collisions probe linearly (the slot is mixed from
 * all 16 bytes, so ids that differ only at the end still spread). At three quarters full it grows by
 * half again, not double: between half and three quarters full after that (doubling leaves a table
 * 3/8 to 3/4 full, a third more bytes for the same ids), and old and new together take 2.5 times the
 * old table while it grows instead of 3.
 */
export class GuidSlots {
  private slots: Buffer;
  private capacity = INITIAL_SLOTS;
  private count = 0;
  private readonly slotBytes: number;
  private readonly key = Buffer.alloc(KEY_BYTES);

  constructor(readonly valueBytes = 0) {
    this.slotBytes = 1 + KEY_BYTES + valueBytes;
    this.slots = Buffer.alloc(INITIAL_SLOTS * this.slotBytes);
  }

  get size(): number {
    return this.count;
  }

  /** Bytes held, outside the heap. */
  get bytes(): number {
    return this.slots.length;
  }

  /** The offset of the value bytes of `id`'s slot (added if `add`), or undefined (absent, or not a GUID). */
  locate(id: string, add: boolean): number | undefined {
    if (!guidBytes(id, this.key)) return undefined;
    let at = this.find(this.key, this.slots, this.capacity);
    if (this.slots[at] === 0) {
      if (!add) return undefined;
      this.slots[at] = 1;
      this.key.copy(this.slots, at + 1);
      if (++this.count * 4 > this.capacity * 3) {
        this.grow();
        at = this.find(this.key, this.slots, this.capacity);
      }
    }
    return at + 1 + KEY_BYTES;
  }

  /** Every id in the table (lower case) with the offset of its value bytes, in slot order. */
  *entries(): Generator<{ id: string; at: number }> {
    for (let at = 0; at < this.slots.length; at += this.slotBytes)
      if (this.slots[at] !== 0) yield { id: guidText(this.slots, at + 1), at: at + 1 + KEY_BYTES };
  }

  /** The buffer the offsets `locate` gives point into (replaced when the table grows). */
  get buffer(): Buffer {
    return this.slots;
  }

  private find(key: Buffer, slots: Buffer, capacity: number): number {
    // The hash scaled to [0, capacity): any capacity, not only powers of two (exact: < 2^53).
    let slot = Math.floor((spread(key) * capacity) / 2 ** 32);
    for (;;) {
      const at = slot * this.slotBytes;
      if (slots[at] === 0 || slots.compare(key, 0, KEY_BYTES, at + 1, at + 1 + KEY_BYTES) === 0) return at;
      slot = slot + 1 === capacity ? 0 : slot + 1;
    }
  }

  private grow(): void {
    const old = this.slots;
    const capacity = Math.ceil(this.capacity * 1.5);
    const slots = Buffer.alloc(capacity * this.slotBytes);
    for (let at = 0; at < old.length; at += this.slotBytes) {
      if (old[at] === 0) continue;
      const to = this.find(old.subarray(at + 1, at + 1 + KEY_BYTES), slots, capacity);
      old.copy(slots, to, at, at + this.slotBytes);
    }
    this.slots = slots;
    this.capacity = capacity;
  }
}

/** Where a walk of a tenant-sized list keeps the ids it finds: a set of its own, or marks on one the caller holds. */
export interface IdCollector extends IdSet {
  add(id: string): unknown;
}

/** Marks a GuidSet's ids can carry, each a bit of their one value byte. */
export const MARKS = 8;

/**
 * A set of ids: GUIDs in a GuidSlots table, anything else in a Map. Each id can carry up to eight
 * marks, so a walk that filters on the set ("the run's devices") can mark what it found ("members of
 * group g") in place instead of copying those ids into a table of their own.
 */
export class GuidSet implements IdSet {
  private readonly guids = new GuidSlots(1);
  /** Ids that are not GUIDs, with their marks. */
  private readonly others = new Map<string, number>();
  private readonly listed: string[] = [];

  add(id: string): this {
    const before = this.size;
    if (this.guids.locate(id, true) === undefined && !this.others.has(id)) this.others.set(id, 0);
    if (this.size > before && this.listed.length < LISTED) this.listed.push(id);
    return this;
  }

  has(id: string): boolean {
    return this.guids.locate(id, false) !== undefined || this.others.has(id);
  }

  get size(): number {
    return this.guids.size + this.others.size;
  }

  /** The ids as added, for a set of at most 1,000 (the per-device paths of small runs). */
  items(): string[] {
    if (this.size > LISTED) throw new Error(`GuidSet.items(): ${this.size} ids, more than the ${LISTED} it lists`);
    return [...this.listed];
  }

  /** The ids carrying mark `bit` (0–7), as a collector a walk adds to: only ids this set holds are kept. */
  marks(bit: number): IdCollector {
    if (!Number.isInteger(bit) || bit < 0 || bit >= MARKS) throw new RangeError(`GuidSet mark ${bit}: 0 to ${MARKS - 1}`);
    const flag = 1 << bit;
    return {
      add: (id) => {
        const at = this.guids.locate(id, false);
        if (at !== undefined) this.guids.buffer[at]! |= flag;
        else if (this.others.has(id)) this.others.set(id, this.others.get(id)! | flag);
      },
      has: (id) => {
        const at = this.guids.locate(id, false);
        return at !== undefined ? (this.guids.buffer[at]! & flag) !== 0 : ((this.others.get(id) ?? 0) & flag) !== 0;
      },
    };
  }
}
