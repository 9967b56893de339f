import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type AzuriteInstance } from '../support/azurite';
import { api, APPS, pollUntil, startHostProcess, type HostProcess } from './support/host-process';

// The intake's trigger shape through the host: an Event Grid trigger the host feeds BlobCreated
// events of a container (LOCAL_HOST_EVENTGRID_BLOB_SOURCES, as infra's Event Grid subscription does in
// Azure). The function must get the event — the blob's identity — and never the blob's bytes.

let azurite: AzuriteInstance;
let host: HostProcess;
let stateDir: string;

beforeAll(async () => {
  azurite = await startAzurite();
  stateDir = mkdtempSync(join(tmpdir(), 'host-eventgrid-'));
  host = await startHostProcess({
    appDir: join(APPS, 'event-grid-starter'),
    stateDir,
    env: {
      AzureWebJobsStorage: azurite.connectionString,
      LOCAL_HOST_BLOB_POLL_MS: '200',
      LOCAL_HOST_EVENTGRID_BLOB_SOURCES: 'onBlobCreated=drops',
    },
  });
});

afterAll(async () => {
  await host?.kill();
  await azurite?.stop();
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
});

describe('Event Grid trigger fed BlobCreated events by the local host', () => {
  it('hands the function the BlobCreated event of each new version — container, name, ETag, length — and none of its content', async () => {
    const drops = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('drops');
    await drops.createIfNotExists();
    const body = `Device Serial Number,Windows Product ID,Hardware Hash\r\n${'CONTENT-MARKER,,AAAA\r\n'.repeat(5000)}`;
    const uploaded = await drops.getBlockBlobClient('oem/big.csv').upload(body, Buffer.byteLength(body), {
      blobHTTPHeaders: { blobContentType: 'text/csv' },
    });
    const bare = uploaded.etag!.replace(/"/g, '');
    const recorded = await pollUntil('the function ran', async () => {
      const r = await api(`${host.url}/durabletask/instances/created-${bare}`);
      const b = r.body as { runtimeStatus?: string; output?: unknown };
      return r.status === 200 && b.runtimeStatus === 'Completed' ? b.output : undefined;
    });
    const { event } = recorded as { event: Record<string, unknown> };
    expect(event).toMatchObject({
      eventType: 'Microsoft.Storage.BlobCreated',
      subject: '/blobServices/default/containers/drops/blobs/oem/big.csv',
      data: {
        eTag: bare,
        contentLength: Buffer.byteLength(body),
        contentType: 'text/csv',
        blobType: 'BlockBlob',
        url: `${drops.url}/oem/big.csv`,
      },
      metadataVersion: '1',
    });
    // What the function got, whole: no byte of the blob is in it.
    expect(JSON.stringify(recorded)).not.toContain('CONTENT-MARKER');
    expect(JSON.stringify(recorded).length).toBeLessThan(2000);
  });
});
