/**
 * ObjectStore over Azure Blob Storage: a connection string locally (Azurite), a managed identity
 * in Azure (shared keys are disabled there).
 */
import { BlobServiceClient, RestError, type ContainerClient } from '@azure/storage-blob';
import { DefaultAzureCredential, ManagedIdentityCredential } from '@azure/identity';
import type { StorageAuth } from '../config';
import type { ObjectStore, StoredObject } from './object-store';

/** Block size of streamed uploads. */
const STREAM_BLOCK = 1024 * 1024;

export function blobServiceFor(auth: StorageAuth): BlobServiceClient {
  if (auth.kind === 'connection-string') return BlobServiceClient.fromConnectionString(auth.connectionString);
  const credential = auth.clientId ? new ManagedIdentityCredential({ clientId: auth.clientId }) : new DefaultAzureCredential();
  return new BlobServiceClient(auth.blobServiceUri, credential);
}

function isStatus(error: unknown, ...codes: number[]): boolean {
  return error instanceof RestError && error.statusCode !== undefined && codes.includes(error.statusCode);
}

export class BlobObjectStore implements ObjectStore {
  private readonly ensured = new Map<string, Promise<unknown>>();

  constructor(private readonly service: BlobServiceClient) {}

  /** Containers are created on first write (infra creates them in Azure; Azurite starts empty). */
  private async container(name: string): Promise<ContainerClient> {
    const client = this.service.getContainerClient(name);
    if (!this.ensured.has(name))
      this.ensured.set(
        name,
        client.createIfNotExists().catch(() => undefined),
      );
    await this.ensured.get(name);
    return client;
  }

  async get(container: string, path: string): Promise<StoredObject | undefined> {
    const blob = (await this.container(container)).getBlockBlobClient(path);
    try {
      // One request: the content and the etag of the same version (two calls could pair a version's
      // content with the next version's etag, and a conditional write would then clobber a change).
      const response = await blob.download();
      const chunks: Buffer[] = [];
      for await (const chunk of response.readableStreamBody as AsyncIterable<Buffer>) chunks.push(chunk);
      return { data: Buffer.concat(chunks), etag: response.etag ?? '' };
    } catch (error) {
      if (isStatus(error, 404)) return undefined;
      throw error;
    }
  }

  async etagOf(container: string, path: string): Promise<string | undefined> {
    try {
      return (await (await this.container(container)).getBlockBlobClient(path).getProperties()).etag ?? '';
    } catch (error) {
      if (isStatus(error, 404)) return undefined;
      throw error;
    }
  }

  async openRead(container: string, path: string, etag?: string): Promise<AsyncIterable<Uint8Array> | undefined> {
    const blob = (await this.container(container)).getBlockBlobClient(path);
    try {
      const response = await blob.download(0, undefined, etag ? { conditions: { ifMatch: etag } } : undefined);
      const body = response.readableStreamBody;
      if (!body) return undefined;
      return body as AsyncIterable<Uint8Array>;
    } catch (error) {
      if (isStatus(error, 404, 412)) return undefined;
      throw error;
    }
  }

  async put(container: string, path: string, data: Buffer | string, contentType = 'application/json'): Promise<string> {
    const body = Buffer.from(data);
    const response = await (
      await this.container(container)
    )
      .getBlockBlobClient(path)
      .uploadData(body, { blobHTTPHeaders: { blobContentType: contentType } });
    return response.etag ?? '';
  }

  async putStream(
    container: string,
    path: string,
    pieces: AsyncIterable<string | Uint8Array>,
    contentType = 'application/json',
  ): Promise<string> {
    const blob = (await this.container(container)).getBlockBlobClient(path);
    const headers = { blobHTTPHeaders: { blobContentType: contentType } };
    // Staged as blocks of STREAM_BLOCK bytes from two buffers used in turn (one filling while the
    // other is in flight), then committed: readers see the old blob or the whole new one, never a part.
    // A fresh Buffer per piece (what the SDK's uploadStream takes) left megabytes of dead buffers
    // outside the heap until V8's next GC: a 100,000-device report is ~150 MB of text (issue 16).
    let buffer = Buffer.allocUnsafe(STREAM_BLOCK);
    let other = Buffer.allocUnsafe(STREAM_BLOCK);
    const encoder = new TextEncoder();
    const blockIds: string[] = [];
    let filled = 0;
    let inFlight: Promise<unknown> = Promise.resolve();
    const stage = async () => {
      // Block ids of one blob must all have the same length.
      const id = Buffer.from(`block-${String(blockIds.length).padStart(6, '0')}`).toString('base64');
      blockIds.push(id);
      await inFlight; // the other buffer's block: sent before that buffer is filled again
      inFlight = blob.stageBlock(id, buffer.subarray(0, filled), filled);
      inFlight.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
      [buffer, other] = [other, buffer];
      filled = 0;
    };
    try {
      for await (const piece of pieces) {
        if (typeof piece === 'string') {
          let rest = piece;
          while (rest.length > 0) {
            // Whole characters only: `read` says how much of the string went in.
            const { read, written } = encoder.encodeInto(rest, buffer.subarray(filled));
            filled += written;
            rest = rest.slice(read);
            if (rest.length > 0) await stage();
          }
        } else {
          for (let at = 0; at < piece.length;) {
            const n = Math.min(piece.length - at, STREAM_BLOCK - filled);
            buffer.set(piece.subarray(at, at + n), filled);
            filled += n;
            at += n;
            if (filled === STREAM_BLOCK) await stage();
          }
        }
      }
      if (filled > 0) await stage();
      await inFlight;
    } finally {
      await inFlight.catch(() => undefined);
    }
    if (blockIds.length === 0) return (await blob.upload(Buffer.alloc(0), 0, headers)).etag ?? '';
    return (await blob.commitBlockList(blockIds, headers)).etag ?? '';
  }

  async putIf(container: string, path: string, data: Buffer | string, ifMatch: string | null): Promise<boolean> {
    const body = Buffer.from(data);
    try {
      await (
        await this.container(container)
      )
        .getBlockBlobClient(path)
        .uploadData(body, { conditions: ifMatch === null ? { ifNoneMatch: '*' } : { ifMatch } });
      return true;
    } catch (error) {
      if (isStatus(error, 409, 412)) return false;
      throw error;
    }
  }

  async deleteIf(container: string, path: string, etag: string): Promise<void> {
    try {
      await (await this.container(container)).getBlockBlobClient(path).delete({ conditions: { ifMatch: etag } });
    } catch (error) {
      if (!isStatus(error, 404, 412)) throw error;
    }
  }

  async copy(from: { container: string; path: string; etag?: string }, to: { container: string; path: string }): Promise<void> {
    // Streamed through the app rather than a server-side copy: a same-account copy authorized by a
    // managed identity needs extra source authorization, and intake files are small (size-capped).
    const source = (await this.container(from.container)).getBlockBlobClient(from.path);
    const target = (await this.container(to.container)).getBlockBlobClient(to.path);
    const download = await source.download(0, undefined, from.etag ? { conditions: { ifMatch: from.etag } } : undefined);
    const body = download.readableStreamBody;
    if (!body) throw new Error(`copy source ${from.container}/${from.path} has no body`);
    await target.uploadStream(body as NodeJS.ReadableStream & import('node:stream').Readable, 4 * 1024 * 1024, 2, {
      blobHTTPHeaders: { blobContentType: download.contentType ?? 'text/csv' },
    });
  }

  async *list(container: string, prefix: string): AsyncIterable<string> {
    for await (const blob of (await this.container(container)).listBlobsFlat({ prefix })) yield blob.name;
  }
}
