import { randomUUID } from 'node:crypto';
import { z } from 'zod';

/**
 * Azurite emits no Event Grid events, so the local host plays the storage account's system topic for
 * the Event Grid trigger functions it is told about (`LOCAL_HOST_EVENTGRID_BLOB_SOURCES`, parsed here):
 * the blob listener finds each new blob version (receipts, retries, poison: ./blob-listener.ts, with
 * `content: false`, so no bytes are read) and the function gets the `Microsoft.Storage.BlobCreated`
 * event Event Grid would POST to `/runtime/webhooks/eventgrid?functionName=<name>`.
 *
 * The event's shape is the Event Grid schema of Blob Storage's BlobCreated (Microsoft Learn, "Azure
 * Blob Storage as an Event Grid source", event properties and the Event Grid schema example; the data
 * fields as `StorageBlobCreatedEventData` in @azure/eventgrid names them): `subject`
 * `/blobServices/default/containers/<container>/blobs/<name>`, `data.eTag` the version's ETag without
 * quotes (the example shows `0x8D4BCC2E4835CD0`), `data.url` the blob's URL, `contentLength` and
 * `contentType` the blob's headers.
 */

/** `function=container` pairs, comma-separated: which container's BlobCreated events reach which function. */
const Sources = z
  .string()
  .transform((s) => s.split(',').map((pair) => pair.trim()))
  .pipe(
    z.array(
      z
        .string()
        .regex(/^[A-Za-z][\w-]*=[a-z0-9](?:[a-z0-9]|-(?!-)){1,61}[a-z0-9]$/, 'each entry is <functionName>=<container>')
        .transform((pair) => {
          const [functionName, container] = pair.split('=') as [string, string];
          return { functionName, container };
        }),
    ),
  );

export type BlobEventSource = { functionName: string; container: string };

export function parseBlobEventSources(value: string | undefined): BlobEventSource[] {
  if (value === undefined || value.trim() === '') return [];
  const parsed = Sources.safeParse(value);
  if (!parsed.success) throw new Error(`LOCAL_HOST_EVENTGRID_BLOB_SOURCES: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  return parsed.data;
}

/** The account name of a connection string (Azurite's is devstoreaccount1), for the event's topic. */
function accountOf(connectionString: string): string {
  return /(?:^|;)AccountName=([^;]+)/i.exec(connectionString)?.[1] ?? 'devstoreaccount1';
}

export function blobCreatedEvent(args: {
  connectionString: string;
  container: string;
  blobName: string;
  url: string;
  properties: Record<string, unknown>;
}): Record<string, unknown> {
  const p = args.properties;
  const etag = typeof p.ETag === 'string' ? p.ETag.replace(/^"|"$/g, '') : undefined;
  return {
    id: randomUUID(),
    topic: `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/local/providers/Microsoft.Storage/storageAccounts/${accountOf(args.connectionString)}`,
    subject: `/blobServices/default/containers/${args.container}/blobs/${args.blobName}`,
    eventType: 'Microsoft.Storage.BlobCreated',
    eventTime: typeof p.LastModified === 'string' ? p.LastModified : new Date().toISOString(),
    data: {
      api: 'PutBlob',
      requestId: randomUUID(),
      eTag: etag,
      contentType: p.ContentType,
      contentLength: p.ContentLength,
      blobType: 'BlockBlob',
      url: args.url,
      sequencer: (etag ?? '').padStart(32, '0'),
      storageDiagnostics: { batchId: randomUUID() },
    },
    dataVersion: '',
    metadataVersion: '1',
  };
}
