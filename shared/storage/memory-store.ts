import type { ObjectStore, StoredObject } from './object-store';

/** In-memory ObjectStore for unit tests: same semantics as the blob store, including etags. */
export class MemoryObjectStore implements ObjectStore {
  private readonly blobs = new Map<string, StoredObject>();
  private counter = 0;

  private key(container: string, path: string): string {
    return `${container}/${path}`;
  }

  async get(container: string, path: string): Promise<StoredObject | undefined> {
    const blob = this.blobs.get(this.key(container, path));
    // A copy, as a download is: a caller that changes what it read must not change what is stored.
    return blob && { data: Buffer.from(blob.data), etag: blob.etag };
  }

  async etagOf(container: string, path: string): Promise<string | undefined> {
    return this.blobs.get(this.key(container, path))?.etag;
  }

  async openRead(container: string, path: string, etag?: string): Promise<AsyncIterable<Uint8Array> | undefined> {
    const blob = this.blobs.get(this.key(container, path));
    if (!blob || (etag && blob.etag !== etag)) return undefined;
    const data = blob.data;
    return (async function* () {
      for (let i = 0; i < data.length; i += 64 * 1024) yield data.subarray(i, i + 64 * 1024);
    })();
  }

  async put(container: string, path: string, data: Buffer | string, _contentType?: string): Promise<string> {
    const etag = `"0x${(++this.counter).toString(16)}"`;
    this.blobs.set(this.key(container, path), { data: Buffer.from(data), etag });
    return etag;
  }

  async putStream(container: string, path: string, pieces: AsyncIterable<string | Uint8Array>, contentType?: string): Promise<string> {
    const parts: Buffer[] = [];
    for await (const piece of pieces) parts.push(typeof piece === 'string' ? Buffer.from(piece, 'utf8') : Buffer.from(piece));
    return this.put(container, path, Buffer.concat(parts), contentType);
  }

  async putIf(container: string, path: string, data: Buffer | string, ifMatch: string | null): Promise<boolean> {
    const current = this.blobs.get(this.key(container, path));
    if (ifMatch === null ? current !== undefined : current?.etag !== ifMatch) return false;
    await this.put(container, path, data);
    return true;
  }

  async deleteIf(container: string, path: string, etag: string): Promise<void> {
    if (this.blobs.get(this.key(container, path))?.etag === etag) this.blobs.delete(this.key(container, path));
  }

  async copy(from: { container: string; path: string; etag?: string }, to: { container: string; path: string }): Promise<void> {
    const blob = this.blobs.get(this.key(from.container, from.path));
    if (!blob || (from.etag && blob.etag !== from.etag)) throw new Error(`copy source ${from.container}/${from.path} not found`);
    await this.put(to.container, to.path, blob.data);
  }

  async *list(container: string, prefix: string): AsyncIterable<string> {
    const start = `${container}/${prefix}`;
    for (const key of [...this.blobs.keys()].sort()) if (key.startsWith(start)) yield key.slice(container.length + 1);
  }
}
