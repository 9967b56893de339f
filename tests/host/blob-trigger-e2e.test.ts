import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { QueueServiceClient } from '@azure/storage-queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type AzuriteInstance } from '../support/azurite';
import { api, APPS, localActivity, pollUntil, startHostProcess, waitForStatus, type HostProcess } from './support/host-process';

// End to end through the host: a blob dropped in Azurite triggers a function that starts an
// orchestration with the durable client and writes blob + queue output bindings.

let azurite: AzuriteInstance;
let host: HostProcess;
let stateDir: string;

beforeAll(async () => {
  azurite = await startAzurite();
  stateDir = mkdtempSync(join(tmpdir(), 'host-blob-'));
  host = await startHostProcess({
    appDir: join(APPS, 'blob-starter'),
    stateDir,
    env: { AzureWebJobsStorage: azurite.connectionString, LOCAL_HOST_BLOB_POLL_MS: '200' },
  });
});

afterAll(async () => {
  await host?.kill();
  await azurite?.stop();
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
});

async function scans(): Promise<{ sweeps: number; dispatches: number }> {
  const blob = (await localActivity(host.url)).blob;
  if (!blob) throw new Error('the host reports no blob trigger');
  return blob;
}

describe('blob trigger → durable client → orchestration', () => {
  it('starts the orchestration once for a new blob and writes the output bindings', async () => {
    const blobs = BlobServiceClient.fromConnectionString(azurite.connectionString);
    const uploads = blobs.getContainerClient('uploads');
    await uploads.createIfNotExists();
    await uploads.getBlockBlobClient('cat.txt').upload('meow', 4);

    const s = await waitForStatus(host.url, 'upload-cat.txt', 30_000);
    expect(s).toMatchObject({ runtimeStatus: 'Completed', output: { name: 'cat.txt', blobTrigger: 'uploads/cat.txt', upper: 'MEOW' } });

    const processed = await pollUntil('processed blob', async () => {
      const b = blobs.getContainerClient('processed').getBlobClient('cat.txt');
      return (await b.exists()) ? (await b.downloadToBuffer()).toString('utf8') : undefined;
    });
    expect(processed).toBe('seen cat.txt');

    const queue = QueueServiceClient.fromConnectionString(azurite.connectionString).getQueueClient('uploads-seen');
    const msg = await pollUntil('queue message', async () => {
      const r = await queue.receiveMessages({ numberOfMessages: 1 }).catch(() => undefined);
      return r?.receivedMessageItems[0];
    });
    const text = Buffer.from(msg.messageText, 'base64').toString('utf8');
    expect(JSON.parse(text.startsWith('{') ? text : msg.messageText)).toEqual({ name: 'cat.txt', length: 4 });

    // Once per blob version: two more complete scans of the container see the same version, and
    // none of them puts it on the queue again (its receipt is there).
    const before = await scans();
    await pollUntil('two more complete scans', async () => ((await scans()).sweeps >= before.sweeps + 2 ? true : undefined));
    expect((await scans()).dispatches).toBe(before.dispatches);
    const list = await api(`${host.url}/durabletask/instances/?instanceIdPrefix=upload-`);
    expect((list.body as unknown[]).length).toBe(1);

    // A new version (new ETag) triggers again; starting the same id over a completed instance
    // replaces it, as in production.
    await uploads.getBlockBlobClient('cat.txt').upload('purr', 4);
    const again = await pollUntil('second version processed', async () => {
      const r = await api(`${host.url}/durabletask/instances/upload-cat.txt`);
      const body = r.body as { runtimeStatus?: string; output?: { upper?: string } };
      return r.status === 200 && body.output?.upper === 'PURR' ? body : undefined;
    });
    expect(again).toMatchObject({ runtimeStatus: 'Completed', input: { text: 'purr' } });
  });

  it('sends a blob whose function keeps failing to webjobs-blobtrigger-poison after maxDequeueCount tries', async () => {
    const blobs = BlobServiceClient.fromConnectionString(azurite.connectionString);
    const bad = blobs.getContainerClient('bad');
    await bad.createIfNotExists();
    await bad.getBlockBlobClient('broken.csv').upload('x', 1);
    const poison = QueueServiceClient.fromConnectionString(azurite.connectionString).getQueueClient('webjobs-blobtrigger-poison');
    const msg = await pollUntil(
      'poison message',
      async () => {
        const r = await poison.peekMessages({ numberOfMessages: 1 }).catch(() => undefined);
        return r?.peekedMessageItems[0];
      },
      30_000,
    );
    const raw = msg.messageText.trim().startsWith('{') ? msg.messageText : Buffer.from(msg.messageText, 'base64').toString('utf8');
    expect(JSON.parse(raw)).toMatchObject({ ContainerName: 'bad', BlobName: 'broken.csv' });
  });
});
