import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { QueueServiceClient } from '@azure/storage-queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type AzuriteInstance } from '../support/azurite';
import { api, APPS, pollUntil, startHostProcess, type HostProcess } from './support/host-process';

// The blob trigger's Event Grid webhook, over real HTTP against the host (a child process) and Azurite:
// handshake, BlobCreated deliveries (once per blob version, whoever finds it), status codes, the host's
// storage account for receipts, and a graceful stop that lets a running delivery finish.

const APP = join(APPS, 'blob-events');
let hostStorage: AzuriteInstance; // AzureWebJobsStorage: receipts, scan info, internal queue
let dataStorage: AzuriteInstance; // EventsStorage: the onEvent binding's blobs
let stateDir: string;
let logFile: string;
let gateFile: string;
const hosts: HostProcess[] = [];

interface Entry {
  phase: 'start' | 'end';
  name: string;
  etag: string;
  text?: string;
}

function entries(name: string, phase: Entry['phase']): Entry[] {
  if (!existsSync(logFile)) return [];
  return readFileSync(logFile, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Entry)
    .filter((e) => e.name === name && e.phase === phase);
}

function env(pollMs: number): Record<string, string> {
  return {
    AzureWebJobsStorage: hostStorage.connectionString,
    EventsStorage: dataStorage.connectionString,
    LOCAL_HOST_BLOB_POLL_MS: String(pollMs),
    EVENTS_LOG: logFile,
    EVENTS_GATE: gateFile,
  };
}

function blobCreated(container: string, blobName: string): unknown[] {
  return [
    {
      id: `evt-${blobName}`,
      topic: '/subscriptions/0/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/devstoreaccount1',
      subject: `/blobServices/default/containers/${container}/blobs/${blobName}`,
      eventType: 'Microsoft.Storage.BlobCreated',
      eventTime: new Date().toISOString(),
      data: { api: 'PutBlob', blobType: 'BlockBlob', url: `http://127.0.0.1/devstoreaccount1/${container}/${blobName}` },
      dataVersion: '',
      metadataVersion: '1',
    },
  ];
}

function post(host: HostProcess, functionName: string, body: unknown, headers: Record<string, string> = {}) {
  return api(`${host.url}/runtime/webhooks/blobs?functionName=${encodeURIComponent(functionName)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** The host's internal blob trigger queue, found in AzureWebJobsStorage (its name carries the host id). */
async function internalQueue() {
  const queues = QueueServiceClient.fromConnectionString(hostStorage.connectionString);
  for await (const q of queues.listQueues({ prefix: 'azure-webjobs-blobtrigger-' })) return queues.getQueueClient(q.name);
  throw new Error('no internal blob trigger queue in the host storage account');
}

async function queueDepth(): Promise<number> {
  return (await (await internalQueue()).getProperties()).approximateMessagesCount ?? -1;
}

async function upload(name: string, text: string): Promise<string> {
  const container = BlobServiceClient.fromConnectionString(dataStorage.connectionString).getContainerClient('events');
  await container.createIfNotExists();
  const r = await container.getBlockBlobClient(name).upload(text, Buffer.byteLength(text));
  return r.etag as string;
}

let host: HostProcess;

beforeAll(async () => {
  [hostStorage, dataStorage] = await Promise.all([startAzurite(), startAzurite()]);
  stateDir = mkdtempSync(join(tmpdir(), 'host-blob-events-'));
  logFile = join(stateDir, 'events.log');
  gateFile = join(stateDir, 'gate');
  // Polling far beyond the tests: after the startup scan, only events can deliver.
  host = await startHostProcess({ appDir: APP, stateDir, env: env(600_000) });
  hosts.push(host);
  // The startup scan is over once it reports the (not yet created) events container missing.
  await pollUntil('the startup scan', async () => (host.stderr().includes(`container 'events' does not exist`) ? true : undefined), 30_000);
});

afterAll(async () => {
  for (const h of hosts) await h.kill();
  await Promise.all([hostStorage?.stop(), dataStorage?.stop()]);
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
});

describe('POST /runtime/webhooks/blobs (Event Grid blob trigger)', () => {
  it('answers the subscription validation handshake, with and without the aeg-event-type header', async () => {
    const handshake = [
      { id: '1', eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent', subject: '', data: { validationCode: 'code-1' } },
    ];
    const byBody = await post(host, 'Host.Functions.onEvent', handshake);
    expect(byBody.status).toBe(200);
    expect(byBody.body).toEqual({ validationResponse: 'code-1' });
    expect(byBody.headers.get('content-type')).toMatch(/^application\/json/);

    const byHeader = await post(host, 'onEvent', [{ ...handshake[0], data: { validationCode: 'code-2' } }], {
      'aeg-event-type': 'SubscriptionValidation',
    });
    expect(byHeader.status).toBe(200);
    expect(byHeader.body).toEqual({ validationResponse: 'code-2' });

    expect((await post(host, 'onEvent', [], { 'aeg-event-type': 'Unsubscribe' })).status).toBe(202);
  });

  it('runs the function once for a BlobCreated event; the same event again dispatches nothing', async () => {
    const etag = await upload('a.csv', 'from an event');
    const r = await post(host, 'Host.Functions.onEvent', blobCreated('events', 'a.csv'), { 'aeg-event-type': 'Notification' });
    expect(r.status).toBe(202);
    await pollUntil('the delivery', async () => (entries('a.csv', 'end').length === 1 ? true : undefined), 30_000);
    expect(entries('a.csv', 'start')).toEqual([{ phase: 'start', name: 'a.csv', etag, text: 'from an event' }]);
    await pollUntil('message deleted', async () => ((await queueDepth()) === 0 ? true : undefined), 10_000);

    // The receipt is complete when 202 is answered, so a repeated event enqueues nothing (plain name this time).
    expect((await post(host, 'onEvent', blobCreated('events', 'a.csv'), { 'aeg-event-type': 'Notification' })).status).toBe(202);
    expect(await queueDepth()).toBe(0);
    expect(entries('a.csv', 'start')).toHaveLength(1);
  });

  it('keeps receipts in AzureWebJobsStorage, not in the binding account', async () => {
    const hosts = BlobServiceClient.fromConnectionString(hostStorage.connectionString).getContainerClient('azure-webjobs-hosts');
    const receipts: string[] = [];
    for await (const b of hosts.listBlobsFlat({ prefix: 'blobreceipts/' })) receipts.push(b.name);
    expect(receipts.some((n) => /^blobreceipts\/[^/]+\/Host\.Functions\.onEvent\/"[^"]+"\/events\/a\.csv$/.test(n))).toBe(true);
    const data = BlobServiceClient.fromConnectionString(dataStorage.connectionString).getContainerClient('azure-webjobs-hosts');
    expect(await data.exists()).toBe(false);
  });

  it('answers 404 for an unknown function, 400 for other triggers and bad bodies, 405 for other methods', async () => {
    const unknown = await post(host, 'Host.Functions.nope', blobCreated('events', 'a.csv'));
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatch(/No function named 'Host\.Functions\.nope'.*onEvent/);

    const polled = await post(host, 'Host.Functions.polledBlob', blobCreated('polled', 'x.csv'));
    expect(polled.status).toBe(400);
    expect(polled.body).toMatch(/'polledBlob' has source .*only blob triggers with source 'EventGrid'/);
    const http = await post(host, 'ping', blobCreated('events', 'a.csv'));
    expect(http.status).toBe(400);
    expect(http.body).toMatch(/'ping' is not a blob trigger/);

    const notJson = await post(host, 'onEvent', '{not json');
    expect(notJson.status).toBe(400);
    expect(notJson.body).toMatch(/the body is not JSON/);
    const empty = await post(host, 'onEvent', []);
    expect(empty.status).toBe(400);
    expect(empty.body).toMatch(/non-empty array of events/);
    const deleted = await post(host, 'onEvent', [
      { eventType: 'Microsoft.Storage.BlobDeleted', subject: '/blobServices/default/containers/events/blobs/a.csv' },
    ]);
    expect(deleted.status).toBe(400);
    expect(deleted.body).toMatch(/'Microsoft\.Storage\.BlobDeleted' is not supported/);
    const badHeader = await post(host, 'onEvent', blobCreated('events', 'a.csv'), { 'aeg-event-type': 'Bogus' });
    expect(badHeader.status).toBe(400);
    expect(badHeader.body).toMatch(/aeg-event-type 'Bogus'/);
    const noName = await api(`${host.url}/runtime/webhooks/blobs`, { method: 'POST', body: '[]' });
    expect(noName.status).toBe(400);
    expect(noName.body).toMatch(/functionName=Host\.Functions\.<name>/);
    const get = await api(`${host.url}/runtime/webhooks/blobs?functionName=onEvent`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
  });

  it('lets a running delivery finish on a graceful stop (SIGTERM)', async () => {
    const etag = await upload('gated.csv', 'wait for the gate');
    expect((await post(host, 'onEvent', blobCreated('events', 'gated.csv'))).status).toBe(202);
    await pollUntil('the gated delivery started', async () => (entries('gated.csv', 'start').length === 1 ? true : undefined), 30_000);
    host.child.kill('SIGTERM');
    await pollUntil(
      'the stop waiting for the delivery',
      async () => (/waiting up to \d+ ms for 1 running/.test(host.stderr()) ? true : undefined),
      10_000,
    );
    expect(host.child.exitCode).toBeNull();
    writeFileSync(gateFile, '');
    expect(await host.exited).toBe('0');
    expect(entries('gated.csv', 'end')).toEqual([{ phase: 'end', name: 'gated.csv', etag }]);
    expect(host.stderr()).not.toMatch(/abandoned on stop/);
    // Settled, not abandoned: the message is gone, so nothing is redelivered.
    expect(await queueDepth()).toBe(0);
  });

  it('after a restart, the poller finds the event-delivered blobs and runs nothing again', async () => {
    const again = await startHostProcess({ appDir: APP, stateDir, env: env(200) });
    hosts.push(again);
    const hostsContainer = BlobServiceClient.fromConnectionString(hostStorage.connectionString).getContainerClient('azure-webjobs-hosts');
    const newest = Math.max(
      ...(await Promise.all(
        ['a.csv', 'gated.csv'].map(async (n) => {
          const p = await BlobServiceClient.fromConnectionString(dataStorage.connectionString)
            .getContainerClient('events')
            .getBlobClient(n)
            .getProperties();
          return (p.lastModified as Date).getTime();
        }),
      )),
    );
    // A complete sweep of the events container saves its cursor: by then both blobs were looked at.
    await pollUntil(
      'a complete sweep of events',
      async () => {
        for await (const b of hostsContainer.listBlobsFlat({ prefix: 'blobscaninfo/' })) {
          if (!b.name.endsWith('/events/scanInfo')) continue;
          const json = JSON.parse((await hostsContainer.getBlobClient(b.name).downloadToBuffer()).toString('utf8')) as {
            LatestScan: string;
          };
          if (new Date(json.LatestScan).getTime() >= newest - 1000) return true;
        }
        return undefined;
      },
      30_000,
    );
    expect(await queueDepth()).toBe(0);
    expect(entries('a.csv', 'start')).toHaveLength(1);
    expect(entries('gated.csv', 'start')).toHaveLength(1);
  });
});
