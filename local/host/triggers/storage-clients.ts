import { BlobServiceClient } from '@azure/storage-blob';
import { QueueServiceClient } from '@azure/storage-queue';

/**
 * One client per connection string (clients pool their HTTP connections). Accepts every form the SDKs
 * accept, including `UseDevelopmentStorage=true` (Azurite on its default ports).
 */
const blobClients = new Map<string, BlobServiceClient>();
/**
 * Local storage answers in milliseconds or not at all: retry briefly so a stopped Azurite fails a start
 * or a scan within seconds instead of the SDK's default minutes-long backoff.
 */
export const STORAGE_RETRY = { maxTries: 3, retryDelayInMs: 200, maxRetryDelayInMs: 2000, tryTimeoutInMs: 60_000 } as const;
const queueClients = new Map<string, QueueServiceClient>();

function describe(connectionString: string): string {
  // Never echo the key: name the endpoint only.
  const endpoint = /BlobEndpoint=([^;]+)/i.exec(connectionString)?.[1] ?? /AccountName=([^;]+)/i.exec(connectionString)?.[1];
  return endpoint ? `'${endpoint}'` : 'the given connection string';
}

export function blobServiceFor(connectionString: string): BlobServiceClient {
  let client = blobClients.get(connectionString);
  if (!client) {
    try {
      client = BlobServiceClient.fromConnectionString(connectionString, { retryOptions: STORAGE_RETRY });
    } catch (err) {
      throw new Error(`Cannot create a blob client for ${describe(connectionString)}: ${(err as Error).message}`, { cause: err });
    }
    blobClients.set(connectionString, client);
  }
  return client;
}

export function queueServiceFor(connectionString: string): QueueServiceClient {
  let client = queueClients.get(connectionString);
  if (!client) {
    try {
      client = QueueServiceClient.fromConnectionString(connectionString, { retryOptions: STORAGE_RETRY });
    } catch (err) {
      throw new Error(`Cannot create a queue client for ${describe(connectionString)}: ${(err as Error).message}`, { cause: err });
    }
    queueClients.set(connectionString, client);
  }
  return client;
}

/** HTTP status of a storage error (RestError), if any. */
export function statusOf(err: unknown): number | undefined {
  if (typeof err === 'object' && err !== null && 'statusCode' in err) {
    const code = (err as { statusCode?: unknown }).statusCode;
    return typeof code === 'number' ? code : undefined;
  }
  return undefined;
}

/** Storage error code (x-ms-error-code), if any. */
export function errorCodeOf(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = (err as { code?: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}
