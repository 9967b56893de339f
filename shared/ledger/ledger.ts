/**
 * Where ledger entries live: one row per device in the app's storage account (Table storage;
 * Azurite serves it locally), keyed so "where is serial X?" is one point read — partition = two hex
 * digits of the serial key's sha256 (256 partitions, so a run's writes go in transactions of up to
 * 100 per partition), row = the serial key.
 */
import { createHash } from 'node:crypto';
import { LedgerEntry, serialKey } from './entry';

export interface Ledger {
  get(serial: string): Promise<LedgerEntry | undefined>;
  /** Records entries, replacing those of the same serials (the latest run that handled a device wins). */
  upsert(entries: readonly LedgerEntry[]): Promise<void>;
  /** Every entry, a page at a time. */
  entries(): AsyncIterable<LedgerEntry>;
  /** Small markers (e.g. "backfilled from reports") beside the entries. */
  getMarker(name: string): Promise<string | undefined>;
  setMarker(name: string, value: string): Promise<void>;
}

export function partitionOf(serial: string): string {
  return createHash('sha256').update(serialKey(serial)).digest('hex').slice(0, 2);
}

/** A Table RowKey may not hold / \\ # ? or control characters: the serial key, URI-encoded. */
export function rowKeyOf(serial: string): string {
  return encodeURIComponent(serialKey(serial)).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The in-memory ledger: the same keys and semantics, for tests and benchmarks. */
export class MemoryLedger implements Ledger {
  private readonly rows = new Map<string, LedgerEntry>();
  private readonly markers = new Map<string, string>();

  async get(serial: string): Promise<LedgerEntry | undefined> {
    return this.rows.get(`${partitionOf(serial)}/${rowKeyOf(serial)}`);
  }
  async upsert(entries: readonly LedgerEntry[]): Promise<void> {
    for (const e of entries) this.rows.set(`${partitionOf(e.serialNumber)}/${rowKeyOf(e.serialNumber)}`, LedgerEntry.parse(e));
  }
  async *entries(): AsyncIterable<LedgerEntry> {
    yield* [...this.rows.values()];
  }
  async getMarker(name: string): Promise<string | undefined> {
    return this.markers.get(name);
  }
  async setMarker(name: string, value: string): Promise<void> {
    this.markers.set(name, value);
  }
}
