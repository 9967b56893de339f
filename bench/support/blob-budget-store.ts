/**
 * The budget record as a blob with If-Match / If-None-Match: the alternative to Table storage that
 * bench/budget-store.ts measures against it (the app uses TableBudgetStore, the faster of the two).
 */
import type { BlockBlobClient } from '@azure/storage-blob';
import { BudgetStateSchema, type BudgetState } from '../../shared/graph/budget/model';
import type { BudgetStore, Versioned } from '../../shared/graph/budget/store';

const statusOf = (error: unknown) =>
  typeof error === 'object' && error !== null ? (error as { statusCode?: number }).statusCode : undefined;

export class BlobBudgetStore implements BudgetStore {
  constructor(private readonly blob: BlockBlobClient) {}

  async read(): Promise<Versioned | undefined> {
    try {
      // One round trip: the body and the ETag of that very version.
      const res = await this.blob.download();
      const chunks: Buffer[] = [];
      for await (const c of res.readableStreamBody ?? []) chunks.push(Buffer.from(c as Buffer));
      return { state: BudgetStateSchema.parse(JSON.parse(Buffer.concat(chunks).toString('utf8'))), etag: res.etag ?? '' };
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  async write(state: BudgetState, etag: string | undefined): Promise<boolean> {
    const body = JSON.stringify(state);
    try {
      await this.blob.upload(body, Buffer.byteLength(body), { conditions: etag === undefined ? { ifNoneMatch: '*' } : { ifMatch: etag } });
      return true;
    } catch (error) {
      if (statusOf(error) === 412 || statusOf(error) === 409) return false;
      throw error;
    }
  }
}
