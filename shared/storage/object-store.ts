/**
 * The narrow blob surface the pipeline needs. Activities depend on this interface, so tests give
 * them the in-memory store and production gives them Azure Blob Storage (Azurite locally).
 */
export interface StoredObject {
  data: Buffer;
  etag: string;
}

export interface ObjectStore {
  get(container: string, path: string): Promise<StoredObject | undefined>;
  /** The current version's etag without its content (an intake file can be tens of MB); undefined if absent. */
  etagOf(container: string, path: string): Promise<string | undefined>;
  /** Streams a blob; with `etag`, only that version (a newer upload must not be read by an older run). */
  openRead(container: string, path: string, etag?: string): Promise<AsyncIterable<Uint8Array> | undefined>;
  put(container: string, path: string, data: Buffer | string, contentType?: string): Promise<string>;
  /**
   * Writes a blob from text or bytes produced piece by piece (a report as large as the run), holding
   * only a block or two of it at a time; the blob appears whole when the last piece is in.
   */
  putStream(container: string, path: string, pieces: AsyncIterable<string | Uint8Array>, contentType?: string): Promise<string>;
  /** Optimistic concurrency: `ifMatch` = current etag, or null to create only if absent. False on conflict. */
  putIf(container: string, path: string, data: Buffer | string, ifMatch: string | null): Promise<boolean>;
  /** Deletes only that version; a newer upload under the same name is left alone. */
  deleteIf(container: string, path: string, etag: string): Promise<void>;
  /** Names under a prefix, a page at a time (reconciliation's backfill walks the reports). */
  list(container: string, prefix: string): AsyncIterable<string>;
  /** Server-side copy of an exact version; resolves once the copy is complete. */
  copy(from: { container: string; path: string; etag?: string }, to: { container: string; path: string }): Promise<void>;
}

export const CONTAINERS = {
  intake: 'autopilot-intake',
  reports: 'autopilot-reports',
  archive: 'autopilot-intake-archive',
  state: 'autopilot-state',
} as const;

/** An ETag as a version's identity: weak prefix and quotes dropped (services and SDKs differ in both). */
export function normalizeEtag(etag: string): string {
  return etag.replace(/^W\//, '').replace(/"/g, '');
}

export function sameEtag(a: string, b: string): boolean {
  return normalizeEtag(a) === normalizeEtag(b);
}
