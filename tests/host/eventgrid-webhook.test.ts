import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, APPS, pollUntil, startHostProcess, type HostProcess } from './support/host-process';

// The Event Grid trigger's webhook over real HTTP against the host (a child process), as Event Grid
// calls it in Azure: the eventgrid_extension system key, the subscription validation handshake,
// deliveries of one event or several (each invokes the function once), and the status codes the
// Functions host and its Event Grid extension answer with (local/host/http/eventgrid-webhook.ts).

const KEY = 'test-eventgrid-key';
let host: HostProcess;
let stateDir: string;

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'host-eventgrid-webhook-'));
  // No LOCAL_HOST_EVENTGRID_BLOB_SOURCES: the function runs only on what is POSTed to the webhook.
  host = await startHostProcess({ appDir: join(APPS, 'event-grid-starter'), stateDir, env: { LOCAL_HOST_EVENTGRID_KEY: KEY } });
});

afterAll(async () => {
  await host?.kill();
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
});

const hook = (query: string) => `${host.url}/runtime/webhooks/eventgrid?${query}`;
const post = (url: string, type: string | undefined, body: unknown, headers: Record<string, string> = {}) =>
  api(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(type ? { 'aeg-event-type': type } : {}), ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

function blobCreated(eTag: string, name: string) {
  return {
    id: `evt-${eTag}`,
    topic: '/subscriptions/x/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/acct',
    subject: `/blobServices/default/containers/drops/blobs/${name}`,
    eventType: 'Microsoft.Storage.BlobCreated',
    eventTime: '2026-12-07T16:00:00.0000000Z',
    data: { api: 'PutBlob', eTag, contentLength: 42, blobType: 'BlockBlob', url: `http://127.0.0.1/acct/drops/${name}` },
    dataVersion: '',
    metadataVersion: '1',
  };
}

/** The orchestration the function starts per event (instance `created-<eTag>`), once it completed: what the function got. */
const recorded = (eTag: string) =>
  pollUntil(`the function's orchestration for ${eTag}`, async () => {
    const r = await api(`${host.url}/durabletask/instances/created-${eTag}`);
    const b = r.body as { runtimeStatus?: string; output?: { event?: unknown } };
    return r.status === 200 && b.runtimeStatus === 'Completed' ? b.output?.event : undefined;
  });

describe('POST /runtime/webhooks/eventgrid', () => {
  it('asks for the eventgrid_extension key (code or x-functions-key) before anything else', async () => {
    const event = [blobCreated('0xKEY', 'k.csv')];
    for (const query of ['functionName=onBlobCreated', 'functionName=onBlobCreated&code=wrong', 'functionName=nope']) {
      const r = await post(hook(query), 'Notification', event);
      expect(r.status, query).toBe(401);
      expect(r.body).toBeNull();
    }
    expect((await post(hook('functionName=onBlobCreated'), 'Unsubscribe', event, { 'x-functions-key': KEY })).status).toBe(202);
  });

  it('answers the subscription validation handshake with the validation code, Event Grid and CloudEvents schema', async () => {
    const validation = [
      {
        id: 'v1',
        topic: '/subscriptions/x',
        subject: '',
        eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent',
        eventTime: '2026-12-07T16:00:00Z',
        data: { validationCode: '512d38b6-c7b8-40c8-89fe-f46f9e9622b6', validationUrl: 'https://rp-eastus2.eventgrid.azure.net/x' },
        dataVersion: '2',
        metadataVersion: '1',
      },
    ];
    const r = await post(hook(`functionName=onBlobCreated&code=${KEY}`), 'SubscriptionValidation', validation);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ validationResponse: '512d38b6-c7b8-40c8-89fe-f46f9e9622b6' });
    // A CloudEvent carries its data as JSON text in the handshake.
    const cloud = {
      specversion: '1.0',
      id: 'v2',
      type: 'Microsoft.EventGrid.SubscriptionValidationEvent',
      data: '{"validationCode":"abc"}',
    };
    expect((await post(hook(`functionName=ONBLOBCREATED&code=${KEY}`), 'SubscriptionValidation', cloud)).body).toEqual({
      validationResponse: 'abc',
    });
    expect((await post(hook(`functionName=onBlobCreated&code=${KEY}`), 'SubscriptionValidation', [{ data: {} }])).status).toBe(400);
  });

  it('invokes the function once per delivered event and answers 202', async () => {
    const events = [blobCreated('0xA1', 'oem/a.csv'), blobCreated('0xB2', 'oem/b.csv')];
    const r = await post(hook(`functionName=onBlobCreated&code=${KEY}`), 'Notification', events);
    expect(r.status).toBe(202);
    expect(await recorded('0xA1')).toEqual(events[0]);
    expect(await recorded('0xB2')).toEqual(events[1]);
    // One event alone (not in an array) is a delivery too.
    const single = blobCreated('0xC3', 'oem/c.csv');
    expect((await post(hook(`functionName=onBlobCreated&code=${KEY}`), 'Notification', single)).status).toBe(202);
    expect(await recorded('0xC3')).toEqual(single);
  });

  it('answers as the host does to the wrong function, event type or body, and 500 when the function fails', async () => {
    const url = hook(`functionName=onBlobCreated&code=${KEY}`);
    const missing = await post(hook(`functionName=record&code=${KEY}`), 'Notification', [blobCreated('0xD4', 'd.csv')]);
    expect(missing.status).toBe(404);
    expect(missing.body).toBe("cannot find function: 'record'");
    expect((await post(hook(`code=${KEY}`), 'Notification', [])).status).toBe(404);
    expect((await post(url, undefined, [blobCreated('0xE5', 'e.csv')])).status).toBe(400);
    expect((await post(url, 'Notification', 'not json')).status).toBe(400);
    expect((await post(url, 'Notification', [])).status).toBe(400);
    // The function reads event.data.eTag: an event without data makes it throw, and Event Grid is told to retry.
    const failed = await post(url, 'Notification', [{ id: 'bad', eventType: 'Microsoft.Storage.BlobCreated', subject: '/x' }]);
    expect(failed.status).toBe(500);
    expect(String(failed.body)).toMatch(/eTag/);
  });
});
