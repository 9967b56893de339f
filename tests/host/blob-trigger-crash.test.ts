import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type AzuriteInstance } from '../support/azurite';
import { api, APPS, pollUntil, startHostProcess, waitForStatus, type HostProcess } from './support/host-process';

// A host killed while a blob-triggered function runs: after a restart the blob is delivered again
// (at least once) and the orchestration it starts runs once (the starter uses a deterministic id).

let azurite: AzuriteInstance;
let stateDir: string;
const hosts: HostProcess[] = [];

beforeAll(async () => {
  azurite = await startAzurite();
  stateDir = mkdtempSync(join(tmpdir(), 'host-blob-crash-'));
});

afterAll(async () => {
  for (const h of hosts) await h.kill();
  await azurite?.stop();
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
});

describe('blob trigger across a host crash', () => {
  it('redelivers the blob after the crash and the orchestration completes once', async () => {
    const tries = join(stateDir, 'tries.log');
    const env = {
      AzureWebJobsStorage: azurite.connectionString,
      LOCAL_HOST_BLOB_POLL_MS: '200',
      LOCAL_HOST_BLOB_LEASE_MS: '2000',
      BLOB_TRIES_FILE: tries,
    };
    const first = await startHostProcess({ appDir: join(APPS, 'blob-starter'), stateDir, env: { ...env, SLOW_BLOB_MS: '600000' } });
    hosts.push(first);
    const container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('slow');
    await container.createIfNotExists();
    await container.getBlockBlobClient('dog.txt').upload('woof', 4);
    const count = () =>
      existsSync(tries)
        ? readFileSync(tries, 'utf8')
            .split('\n')
            .filter((l) => l === 'dog.txt').length
        : 0;
    await pollUntil('first try', async () => (count() >= 1 ? true : undefined), 30_000);
    expect(await first.kill()).toBe('SIGKILL');

    const second = await startHostProcess({ appDir: join(APPS, 'blob-starter'), stateDir, env: { ...env, SLOW_BLOB_MS: '0' } });
    hosts.push(second);
    const s = await waitForStatus(second.url, 'slow-dog.txt', 40_000);
    expect(s).toMatchObject({ runtimeStatus: 'Completed', output: { name: 'dog.txt', upper: 'WOOF' } });
    expect(count()).toBe(2);
    const list = await api(`${second.url}/durabletask/instances/?instanceIdPrefix=slow-`);
    expect((list.body as unknown[]).length).toBe(1);
  });
});
