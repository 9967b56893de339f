import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { QueueServiceClient } from '@azure/storage-queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type AzuriteInstance } from '../support/azurite';
import { api, APPS, startHostProcess, waitForStatus, type HostProcess } from './support/host-process';

// Output bindings on activity functions (issue 17 §1): a fanned-out activity writes blobs and queue
// messages whose paths come from its input, on a named connection, as the real host resolves them.

let azurite: AzuriteInstance;
let host: HostProcess;
let stateDir: string;

beforeAll(async () => {
  azurite = await startAzurite();
  stateDir = mkdtempSync(join(tmpdir(), 'host-activity-outputs-'));
  host = await startHostProcess({ appDir: join(APPS, 'activity-outputs'), stateDir, env: { ArchiveStorage: azurite.connectionString } });
});

afterAll(async () => {
  await host?.kill();
  await azurite?.stop();
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
});

async function start(name: string, id: string, input: unknown): Promise<Record<string, unknown>> {
  const r = await api(`${host.url}/runtime/webhooks/durabletask/orchestrators/${name}/${id}`, {
    method: 'POST',
    body: JSON.stringify(input),
  });
  expect(r.status).toBe(202);
  return waitForStatus(host.url, id, 30_000);
}

async function blobsIn(container: string): Promise<Record<string, string>> {
  const client = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(container);
  const out: Record<string, string> = {};
  for await (const b of client.listBlobsFlat()) out[b.name] = (await client.getBlobClient(b.name).downloadToBuffer()).toString('utf8');
  return out;
}

describe('output bindings on activities', () => {
  const sites = ['site-a', 'site-b', 'site-c', 'site-d'];

  it('writes every fanned-out activity blob at the path resolved from its input, before the orchestration completes', async () => {
    const s = await start('archiveAll', 'arch-1', sites);
    const bodies = sites.map((site, i) => JSON.stringify({ site, rows: i + 1 }));
    const total = bodies.reduce((n, b) => n + b.length, 0);
    expect(s).toMatchObject({ runtimeStatus: 'Completed', output: { total, summary: `total=${total}` } });

    // Outputs are written before the activity result is committed, so they are all there already.
    expect(await blobsIn('archive')).toEqual(Object.fromEntries(sites.map((site, i) => [`${site}/2026/report-${i}.json`, bodies[i]])));
    // `{meta.region}` reads a nested object, `{instanceId}` is the orchestration's, and a boolean
    // property is the .NET string (`True`/`False`) the host's binding data holds.
    expect(await blobsIn('regions')).toEqual({
      'emea/arch-1-site-a-False.txt': 'rows=1',
      'amer/arch-1-site-b-False.txt': 'rows=2',
      'emea/arch-1-site-c-False.txt': 'rows=3',
      'amer/arch-1-site-d-True.txt': 'rows=4',
    });
    // A `return:` output gets the activity's result, which the orchestration received as well.
    expect(await blobsIn('summaries')).toEqual({ 'arch-1.txt': `total=${total}` });
  });

  it('sends the queue output to the queue named from the input', async () => {
    const queues = QueueServiceClient.fromConnectionString(azurite.connectionString);
    for (const [i, site] of sites.entries()) {
      const r = await queues.getQueueClient(`reports-${site}`).receiveMessages({ numberOfMessages: 32 });
      expect(r.receivedMessageItems.map((m) => JSON.parse(Buffer.from(m.messageText, 'base64').toString('utf8')) as unknown)).toEqual([
        { site, path: `${site}/2026/report-${i}.json` },
      ]);
    }
  });

  it('fails the activity (not silently) when an output path cannot be resolved from the input', async () => {
    const s = await start('archiveBroken', 'arch-broken', null);
    expect(s.runtimeStatus).toBe('Completed');
    // The binding data the message lists is the extension's (instanceId, the trigger, data) plus the input's properties.
    expect(s.output).toMatch(
      /^caught: Activity function 'archiveWithoutKey' failed: Binding expression '\{missingKey\}' in 'archive\/\{missingKey\}\.json' has no value in the trigger data \(available: instanceId, activityTrigger[0-9a-f]+, data, site\)\.$/,
    );
    expect(Object.keys(await blobsIn('archive')).filter((n) => !n.startsWith('site-'))).toEqual([]);
  });
});
