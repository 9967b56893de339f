import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { QueueServiceClient } from '@azure/storage-queue';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startBlobListener, type BlobDelivery, type BlobListenerOptions, type BlobListener } from '../../local/host/triggers/blob-listener';
import { receiptBlobName } from '../../local/host/triggers/blob-receipts';
import { STORAGE_RETRY } from '../../local/host/triggers/storage-clients';
import { connectionStringFor, startAzurite, type AzuriteInstance } from '../support/azurite';
import { holdLoopbackPort } from '../support/loopback';
import { waitFor } from './wait';

let azurite: AzuriteInstance;
let blobs: BlobServiceClient;
let queues: QueueServiceClient;
let running: BlobListener[] = [];
const children: ChildProcess[] = [];
let seq = 0;

beforeAll(async () => {
  azurite = await startAzurite();
  blobs = BlobServiceClient.fromConnectionString(azurite.connectionString);
  queues = QueueServiceClient.fromConnectionString(azurite.connectionString);
});
afterEach(async () => {
  await Promise.all(running.map((l) => l.stop()));
  running = [];
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await azurite?.stop();
});

/** A fresh container and host id per test, so tests never see each other's receipts or queues. */
async function fresh(): Promise<{ container: string; hostId: string }> {
  seq += 1;
  const container = `intake-${seq}-${Date.now().toString(36)}`;
  await blobs.getContainerClient(container).create();
  return { container, hostId: `testhost-${seq}` };
}

async function upload(
  container: string,
  name: string,
  body: string,
  opts: { metadata?: Record<string, string>; contentType?: string } = {},
) {
  const res = await blobs
    .getContainerClient(container)
    .getBlockBlobClient(name)
    .upload(body, Buffer.byteLength(body), { metadata: opts.metadata, blobHTTPHeaders: { blobContentType: opts.contentType } });
  return res.etag as string;
}

async function start(
  o: Partial<BlobListenerOptions> & { hostId: string; bindings: BlobListenerOptions['bindings']; invoke: BlobListenerOptions['invoke'] },
) {
  // A short stop bound keeps afterEach quick when a test leaves an invocation hanging.
  const listener = await startBlobListener({ pollIntervalMs: 100, stopTimeoutMs: 2000, ...o });
  running.push(listener);
  return listener;
}

function binding(functionName: string, path: string, maxDequeueCount = 5) {
  return { functionName, path, connectionString: azurite.connectionString, maxDequeueCount };
}

async function internalQueueDepth(hostId: string): Promise<number> {
  const props = await queues.getQueueClient(`azure-webjobs-blobtrigger-${hostId}`).getProperties();
  return props.approximateMessagesCount ?? -1;
}

function recorder() {
  const calls: BlobDelivery[] = [];
  return { calls, invoke: async (d: BlobDelivery) => void calls.push(d) };
}

describe('blob trigger listener on Azurite', () => {
  it('delivers each blob version once: upload, unchanged, overwrite', async () => {
    const { container, hostId } = await fresh();
    const rec = recorder();
    const listener = await start({ hostId, bindings: [binding('onUpload', `${container}/{name}`)], invoke: rec.invoke });

    await upload(container, 'a.csv', 'version-1');
    await listener.scanNow();
    await waitFor(() => rec.calls.length === 1, 10_000, 'first delivery');
    expect(rec.calls[0]?.content?.toString()).toBe('version-1');
    await waitFor(async () => (await internalQueueDepth(hostId)) === 0, 10_000, 'message deleted after success');

    // Unchanged: a full sweep dispatches nothing (no message enqueued), so nothing can be delivered.
    await listener.scanNow();
    await listener.scanNow();
    expect(await internalQueueDepth(hostId)).toBe(0);
    expect(rec.calls).toHaveLength(1);

    await upload(container, 'a.csv', 'version-2');
    await listener.scanNow();
    await waitFor(() => rec.calls.length === 2, 10_000, 'delivery of the overwritten version');
    expect(rec.calls[1]?.content?.toString()).toBe('version-2');
    await waitFor(async () => (await internalQueueDepth(hostId)) === 0, 10_000, 'second message deleted');
    await listener.scanNow();
    expect(await internalQueueDepth(hostId)).toBe(0);
    expect(rec.calls).toHaveLength(2);
  });

  it('finds blobs by periodic polling, without scanNow', async () => {
    const { container, hostId } = await fresh();
    const rec = recorder();
    await start({ hostId, bindings: [binding('onUpload', `${container}/{name}`)], invoke: rec.invoke });
    await upload(container, 'polled.csv', 'x');
    await waitFor(() => rec.calls.length === 1, 10_000, 'delivery by polling');
    expect(rec.calls[0]?.blobName).toBe('polled.csv');
  });

  it('writes receipts at the real host layout and marks them complete', async () => {
    const { container, hostId } = await fresh();
    const rec = recorder();
    const listener = await start({ hostId, bindings: [binding('onUpload', `${container}/{name}`)], invoke: rec.invoke });
    const etag = await upload(container, 'dir/r.csv', 'r');
    await listener.scanNow();
    const receipt = blobs
      .getContainerClient('azure-webjobs-hosts')
      .getBlobClient(receiptBlobName(hostId, 'Host.Functions.onUpload', etag, container, 'dir/r.csv'));
    expect(receipt.name).toBe(`blobreceipts/${hostId}/Host.Functions.onUpload/${etag}/${container}/dir/r.csv`);
    const props = await receipt.getProperties();
    expect(Object.keys(props.metadata ?? {}).map((k) => k.toLowerCase())).not.toContain('incomplete');
  });

  it('redelivers a delivery still running when the stop bound runs out, but not a completed one, after a restart', async () => {
    const { container, hostId } = await fresh();
    const firstCalls: string[] = [];
    const logs: string[] = [];
    const first = await start({
      hostId,
      stopTimeoutMs: 200,
      log: (m) => logs.push(m),
      bindings: [binding('onUpload', `${container}/{name}`)],
      invoke: async (d) => {
        firstCalls.push(d.blobName);
        if (d.blobName === 'hang.csv') await new Promise<never>(() => undefined); // the "crash": never finishes
      },
    });
    await upload(container, 'done.csv', 'ok');
    await upload(container, 'hang.csv', 'stuck');
    await first.scanNow();
    await waitFor(() => firstCalls.includes('done.csv') && firstCalls.includes('hang.csv'), 10_000, 'both delivered once');
    await waitFor(async () => (await internalQueueDepth(hostId)) === 1, 10_000, 'only the hanging message left');
    await first.stop();
    expect(logs).toContain('Blob trigger: 1 delivery(ies) abandoned on stop; they are redelivered on the next start.');

    const rec = recorder();
    const second = await start({ hostId, bindings: [binding('onUpload', `${container}/{name}`)], invoke: rec.invoke });
    await second.scanNow();
    await waitFor(() => rec.calls.length === 1, 10_000, 'redelivery after restart');
    expect(rec.calls[0]?.blobName).toBe('hang.csv');
    expect(rec.calls[0]?.content?.toString()).toBe('stuck');
    await waitFor(async () => (await internalQueueDepth(hostId)) === 0, 10_000, 'redelivered message deleted');
    await second.scanNow();
    expect(await internalQueueDepth(hostId)).toBe(0);
    expect(rec.calls.map((c) => c.blobName)).toEqual(['hang.csv']);
  });

  it('lets a running delivery finish on stop, then settles its message (no redelivery)', async () => {
    const { container, hostId } = await fresh();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const started: string[] = [];
    const finished: string[] = [];
    const logs: string[] = [];
    const listener = await start({
      hostId,
      stopTimeoutMs: 60_000,
      log: (m) => logs.push(m),
      bindings: [binding('onUpload', `${container}/{name}`)],
      invoke: async (d) => {
        started.push(d.blobName);
        await gate;
        finished.push(d.blobName);
      },
    });
    await upload(container, 'slow.csv', 'x');
    await listener.scanNow();
    await waitFor(() => started.length === 1, 10_000, 'the delivery is running');
    let stopped = false;
    const stopping = listener.stop().then(() => (stopped = true));
    await waitFor(
      () => logs.some((m) => m.includes('waiting up to 60000 ms for 1 running delivery')),
      10_000,
      'stop waiting for the delivery',
    );
    expect(stopped).toBe(false); // the old stop() abandoned the delivery and returned at once
    release();
    await stopping;
    expect(finished).toEqual(['slow.csv']);
    expect(logs.some((m) => m.includes('abandoned on stop'))).toBe(false);
    expect(await internalQueueDepth(hostId)).toBe(0);

    const rec = recorder();
    const second = await start({ hostId, bindings: [binding('onUpload', `${container}/{name}`)], invoke: rec.invoke });
    await second.scanNow();
    expect(await internalQueueDepth(hostId)).toBe(0);
    expect(rec.calls).toHaveLength(0);
  });

  it('redelivers after a real crash (SIGKILL mid-invocation) once the message lease runs out', async () => {
    const { container, hostId } = await fresh();
    const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'blob-listener-child.ts')], {
      env: {
        ...process.env,
        CHILD_CONNECTION_STRING: azurite.connectionString,
        CHILD_HOST_ID: hostId,
        CHILD_PATH: `${container}/{name}`,
        CHILD_LEASE_MS: '2000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let out = '';
    child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr?.on('data', (b: Buffer) => (out += b.toString()));
    await waitFor(() => out.includes('READY') || child.exitCode !== null, 30_000, `child listener ready (output: ${out})`);
    expect(out).toContain('READY');
    await upload(container, 'crash.csv', 'c');
    await waitFor(() => out.includes('INVOKED crash.csv'), 15_000, 'child started the invocation');
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;

    const rec = recorder();
    await start({ hostId, bindings: [binding('onUpload', `${container}/{name}`)], invoke: rec.invoke });
    await waitFor(() => rec.calls.length === 1, 20_000, "redelivery after the dead process's lease expired");
    expect(rec.calls[0]?.blobName).toBe('crash.csv');
    expect(rec.calls[0]?.content?.toString()).toBe('c');
    await waitFor(async () => (await internalQueueDepth(hostId)) === 0, 10_000, 'message deleted after the redelivery');
  });

  it('dispatches a blob whose receipt was left incomplete by a crash', async () => {
    const { container, hostId } = await fresh();
    const etag = await upload(container, 'half.csv', 'h');
    // Crash between "create incomplete receipt" and "enqueue": the receipt exists, no message does.
    await blobs.getContainerClient('azure-webjobs-hosts').createIfNotExists();
    await blobs
      .getContainerClient('azure-webjobs-hosts')
      .getBlockBlobClient(receiptBlobName(hostId, 'Host.Functions.onUpload', etag, container, 'half.csv'))
      .upload('', 0, { metadata: { Incomplete: 'Incomplete' } });
    const rec = recorder();
    const listener = await start({ hostId, bindings: [binding('onUpload', `${container}/{name}`)], invoke: rec.invoke });
    await listener.scanNow();
    await waitFor(() => rec.calls.length === 1, 10_000, 'delivery despite the incomplete receipt');
  });

  it('retries up to maxDequeueCount, then poisons with the real host message shape', async () => {
    const { container, hostId } = await fresh();
    await queues.getQueueClient('webjobs-blobtrigger-poison').createIfNotExists();
    await queues.getQueueClient('webjobs-blobtrigger-poison').clearMessages();
    let tries = 0;
    const listener = await start({
      hostId,
      bindings: [binding('onUpload', `${container}/{name}`, 3)],
      invoke: async () => {
        tries++;
        throw new Error('function failed');
      },
    });
    const etag = await upload(container, 'bad.csv', 'bad');
    await listener.scanNow();
    const poison = queues.getQueueClient('webjobs-blobtrigger-poison');
    let messages: string[] = [];
    await waitFor(
      async () => {
        const peeked = await poison.peekMessages({ numberOfMessages: 32 });
        messages = peeked.peekedMessageItems.map((m) => m.messageText);
        return messages.length > 0;
      },
      15_000,
      'a poison message',
    );
    expect(tries).toBe(3);
    expect(messages).toHaveLength(1);
    const body = JSON.parse(Buffer.from(messages[0] as string, 'base64').toString('utf8'));
    expect(body).toEqual({
      Type: 'BlobTrigger',
      FunctionId: 'Host.Functions.onUpload',
      BlobType: 'BlockBlob',
      ContainerName: container,
      BlobName: 'bad.csv',
      ETag: etag,
    });
    await waitFor(async () => (await internalQueueDepth(hostId)) === 0, 10_000, 'poisoned message removed from the internal queue');
    await listener.scanNow();
    expect(await internalQueueDepth(hostId)).toBe(0);
    expect(tries).toBe(3);
  });

  it('gives the trigger metadata the real host gives', async () => {
    const { container, hostId } = await fresh();
    const rec = recorder();
    const listener = await start({ hostId, bindings: [binding('onUpload', `${container}/drops/{name}.csv`)], invoke: rec.invoke });
    const etag = await upload(container, 'drops/site-a.csv', 'Device Serial Number\n', {
      metadata: { uploadedby: 'ops' },
      contentType: 'text/csv',
    });
    await listener.scanNow();
    await waitFor(() => rec.calls.length === 1, 10_000, 'delivery');
    const d = rec.calls[0] as BlobDelivery;
    expect(d.functionName).toBe('onUpload');
    expect(d.container).toBe(container);
    expect(d.blobName).toBe('drops/site-a.csv');
    const md = d.triggerMetadata;
    expect(md.BlobTrigger).toBe(`${container}/drops/site-a.csv`);
    expect(md.Uri).toBe(`http://127.0.0.1:${azurite.blobPort}/devstoreaccount1/${container}/drops/site-a.csv`);
    expect(md.name).toBe('site-a');
    expect(md.Metadata).toEqual({ uploadedby: 'ops' });
    expect(md.Properties).toMatchObject({
      ETag: etag,
      ContentLength: Buffer.byteLength('Device Serial Number\n'),
      ContentType: 'text/csv',
      BlobType: 'Block',
    });
    const props = md.Properties as Record<string, unknown>;
    expect(new Date(props.LastModified as string).getTime()).toBeGreaterThan(Date.now() - 120_000);
    expect(md.sys).toMatchObject({ MethodName: 'onUpload', RandGuid: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(Date.parse((md.sys as { UtcNow: string }).UtcNow)).toBeGreaterThan(Date.now() - 120_000);
    expect(Object.keys(md).sort()).toEqual(['BlobTrigger', 'Metadata', 'Properties', 'Uri', 'name', 'sys']);
  });

  it('with content: false delivers the version (identity, ETag, length) and never its bytes', async () => {
    const { container, hostId } = await fresh();
    const rec = recorder();
    const listener = await start({
      hostId,
      bindings: [{ ...binding('onCreated', `${container}/{name}`), content: false }],
      invoke: rec.invoke,
    });
    const body = 'Device Serial Number\nCONTENT-MARKER-0001\n';
    const etag = await upload(container, 'big.csv', body, { contentType: 'text/csv' });
    await listener.scanNow();
    await waitFor(() => rec.calls.length === 1, 10_000, 'delivery');
    const d = rec.calls[0] as BlobDelivery;
    expect(d.content).toBeUndefined();
    expect(d.blobName).toBe('big.csv');
    expect(d.triggerMetadata.Properties).toMatchObject({ ETag: etag, ContentLength: Buffer.byteLength(body), ContentType: 'text/csv' });
    expect(JSON.stringify(d)).not.toContain('CONTENT-MARKER');
  });

  it('matches path patterns with prefixes and several parameters, per function', async () => {
    const { container, hostId } = await fresh();
    const rec = recorder();
    const listener = await start({
      hostId,
      bindings: [binding('csvOnly', `${container}/in/{name}.csv`), binding('byFolder', `${container}/{folder}/{file}.{ext}`)],
      invoke: rec.invoke,
    });
    await upload(container, 'in/a.csv', '1');
    await upload(container, 'in/b.txt', '2');
    await upload(container, 'other/c.csv', '3');
    await upload(container, 'rootfile', '4');
    await listener.scanNow();
    await waitFor(() => rec.calls.length === 4, 10_000, 'four deliveries');
    await waitFor(async () => (await internalQueueDepth(hostId)) === 0, 10_000, 'queue drained');
    const seen = rec.calls
      .map((c) => `${c.functionName}:${c.blobName}:${JSON.stringify(pick(c.triggerMetadata, ['name', 'folder', 'file', 'ext']))}`)
      .sort();
    expect(seen).toEqual([
      'byFolder:in/a.csv:{"folder":"in","file":"a","ext":"csv"}',
      'byFolder:in/b.txt:{"folder":"in","file":"b","ext":"txt"}',
      'byFolder:other/c.csv:{"folder":"other","file":"c","ext":"csv"}',
      'csvOnly:in/a.csv:{"name":"a"}',
    ]);
  });

  it('keeps delivering other blobs when one invocation fails, and pages through large containers', async () => {
    const { container, hostId } = await fresh();
    const delivered = new Map<string, number>();
    const listener = await start({
      hostId,
      pageSize: 2,
      bindings: [binding('onUpload', `${container}/{name}`, 2)],
      invoke: async (d) => {
        delivered.set(d.blobName, (delivered.get(d.blobName) ?? 0) + 1);
        if (d.blobName === 'b-2.csv') throw new Error('this one fails');
      },
    });
    for (let i = 0; i < 7; i++) await upload(container, `b-${i}.csv`, `body ${i}`);
    await listener.scanNow();
    await waitFor(() => delivered.size === 7 && delivered.get('b-2.csv') === 2, 15_000, 'all blobs delivered, the failing one twice');
    await waitFor(async () => (await internalQueueDepth(hostId)) === 0, 10_000, 'queue drained');
    expect([...delivered.entries()].filter(([name]) => name !== 'b-2.csv').every(([, n]) => n === 1)).toBe(true);
  });

  it('drops a queued message whose blob changed, and delivers the new version instead', async () => {
    const { container, hostId } = await fresh();
    let releaseFirst: () => void = () => undefined;
    const calls: Array<[string, string]> = [];
    const listener = await start({
      hostId,
      maxParallelism: 1,
      bindings: [binding('onUpload', `${container}/{name}`)],
      invoke: async (d) => {
        calls.push([d.blobName, d.content?.toString() ?? '(no content)']);
        if (d.blobName === 'a-first.csv') await new Promise<void>((r) => (releaseFirst = r));
      },
    });
    await upload(container, 'a-first.csv', 'blocker');
    await listener.scanNow();
    await waitFor(() => calls.length === 1, 10_000, 'the blocking delivery started');
    await upload(container, 'b.csv', 'v1');
    await listener.scanNow(); // b.csv v1 is now queued behind the blocked delivery
    expect(await internalQueueDepth(hostId)).toBe(2);
    await upload(container, 'b.csv', 'v2');
    await upload(container, 'gone.csv', 'x');
    await listener.scanNow(); // queues b.csv v2 and gone.csv
    await blobs.getContainerClient(container).deleteBlob('gone.csv');
    releaseFirst();
    await waitFor(() => calls.some(([n, body]) => n === 'b.csv' && body === 'v2'), 10_000, 'the new version delivered');
    await waitFor(async () => (await internalQueueDepth(hostId)) === 0, 10_000, 'queue drained');
    expect(calls.filter(([n]) => n !== 'a-first.csv')).toEqual([['b.csv', 'v2']]);
  });

  it('two listeners with the same host id deliver each blob version once', async () => {
    const { container, hostId } = await fresh();
    const counts = new Map<string, number>();
    const invoke = async (d: BlobDelivery) => void counts.set(d.blobName, (counts.get(d.blobName) ?? 0) + 1);
    const a = await start({ hostId, bindings: [binding('onUpload', `${container}/{name}`)], invoke });
    const b = await start({ hostId, bindings: [binding('onUpload', `${container}/{name}`)], invoke });
    await Promise.all(Array.from({ length: 12 }, (_, i) => upload(container, `f-${i}.csv`, String(i))));
    await Promise.all([a.scanNow(), b.scanNow(), a.scanNow()]);
    await waitFor(() => counts.size === 12, 15_000, 'all twelve delivered');
    await waitFor(async () => (await internalQueueDepth(hostId)) === 0, 10_000, 'queue drained');
    await Promise.all([a.scanNow(), b.scanNow()]);
    expect(await internalQueueDepth(hostId)).toBe(0);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
  });

  it('dispatches a blob named by an Event Grid notification without waiting for a scan', async () => {
    const { container: existing, hostId } = await fresh();
    const container = `${existing}-late`; // created only after the listener's first (and, here, only) poll
    const rec = recorder();
    const logs: string[] = [];
    // A poll interval far beyond the test: only the notification can deliver.
    const listener = await start({
      hostId,
      pollIntervalMs: 600_000,
      log: (m) => logs.push(m),
      bindings: [binding('onCsv', `${container}/{name}.csv`)],
      invoke: rec.invoke,
    });
    await waitFor(() => logs.some((m) => m.includes(`container '${container}' does not exist`)), 10_000, 'the first poll finished');
    await blobs.getContainerClient(container).create();
    await upload(container, 'evt.csv', 'from event');
    await upload(container, 'evt.txt', 'not matching');
    await listener.notifyBlobCreated('onCsv', container, 'evt.txt');
    await listener.notifyBlobCreated('onCsv', container, 'missing.csv');
    expect(await internalQueueDepth(hostId)).toBe(0);
    await listener.notifyBlobCreated('onCsv', container, 'evt.csv');
    await waitFor(() => rec.calls.length === 1, 10_000, 'delivery from the notification');
    expect(rec.calls[0]?.triggerMetadata.name).toBe('evt');
    // The same version notified again is not delivered again.
    await waitFor(async () => (await internalQueueDepth(hostId)) === 0, 10_000, 'queue drained');
    await listener.notifyBlobCreated('onCsv', container, 'evt.csv');
    expect(await internalQueueDepth(hostId)).toBe(0);
    await expect(listener.notifyBlobCreated('nope', container, 'evt.csv')).rejects.toThrow(/'nope' is not registered/);
  });

  it('gives up after a few tries, naming the endpoint, when storage is unreachable', async () => {
    // Storage that accepts connections and drops them, counting every try. Few tries with a short
    // backoff make the start fail in seconds rather than after the SDK's default minutes-long
    // backoff; counted, not timed, so a slow machine is no failure.
    const storage = await holdLoopbackPort();
    try {
      await expect(
        startBlobListener({
          hostId: 'down',
          bindings: [
            {
              functionName: 'f',
              path: 'intake/{name}',
              connectionString: connectionStringFor(storage.port, storage.port, storage.port),
              maxDequeueCount: 5,
            },
          ],
          invoke: async () => undefined,
        }),
      ).rejects.toThrow(new RegExp(`cannot prepare host storage \\(blob http://127.0.0.1:${storage.port}/devstoreaccount1`));
      const tries = storage.connections();
      expect(tries, 'a blip must be retried').toBeGreaterThan(1);
      // The longest the start can have waited between those tries: seconds, not the SDK's minutes.
      expect((tries - 1) * STORAGE_RETRY.maxRetryDelayInMs).toBeLessThanOrEqual(5_000);
    } finally {
      await storage.close();
    }
  });

  it('rejects invalid options with specific messages', async () => {
    await expect(startBlobListener({ hostId: 'Bad_Host', bindings: [], invoke: async () => undefined })).rejects.toThrow(/host id/);
    await expect(
      startBlobListener({ hostId: 'ok', bindings: [binding('f', 'Bad_Container/{name}')], invoke: async () => undefined }),
    ).rejects.toThrow(/'f'.*not a valid container name/);
    await expect(
      startBlobListener({ hostId: 'ok', bindings: [binding('f', 'c{x}/{name}')], invoke: async () => undefined }),
    ).rejects.toThrow(/container name must be literal/);
  });
});

function pick(o: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => k in o).map((k) => [k, o[k]]));
}
