/** The ObjectStore contract (./object-store-contract.ts) on the in-memory store and on the blob store over Azurite. */
import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, beforeAll } from 'vitest';
import { BlobObjectStore } from '../../shared/storage/blob-store';
import { MemoryObjectStore } from '../../shared/storage/memory-store';
import { startAzurite, type AzuriteInstance } from '../support/azurite';
import { objectStoreContract } from './object-store-contract';

let azurite: AzuriteInstance | undefined;
beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => azurite?.stop());

function blobStore(): BlobObjectStore {
  if (!azurite) throw new Error('Azurite did not start (see beforeAll)');
  return new BlobObjectStore(BlobServiceClient.fromConnectionString(azurite.connectionString));
}

objectStoreContract('MemoryObjectStore', () => new MemoryObjectStore());
objectStoreContract('BlobObjectStore on Azurite', blobStore);
