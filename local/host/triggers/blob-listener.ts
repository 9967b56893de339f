/**
 * Polling blob trigger on Azurite, modelled on the real host (../shared/reference/durable-host.md §4;
 * azure-sdk-for-net `Microsoft.Azure.WebJobs.Extensions.Storage.Blobs/src/Listeners/`):
 * 1. scan: each container is listed one page per poll (continuation token kept between polls); after a
 *    complete sweep only blobs modified since the last sweep are looked at (`blobscaninfo` cursor);
 * 2. dispatch: per function and blob version (ETag), a receipt in `azure-webjobs-hosts/blobreceipts/…`
 *    guards the enqueue of one BlobTriggerMessage on the internal queue (./blob-receipts.ts);
 * 3. deliver: the internal queue is drained with leases, retries and poison (./blob-queue-worker.ts).
 * So each blob version is delivered at least once and normally once, across restarts.
 */
import type { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import { z } from 'zod';
import { parseBlobTriggerPath, type BlobTriggerPath } from './blob-path';
import { BlobQueueWorker, type RegisteredBlobFunction } from './blob-queue-worker';
import { BlobReceipts } from './blob-receipts';
import { loadLatestScan, saveLatestScan } from './blob-scan-info';
import { encodeMessage, functionIdFor, internalQueueName, messageBlobType, POISON_QUEUE } from './blob-trigger-message';
import { blobServiceFor, queueServiceFor, statusOf } from './storage-clients';

export interface BlobTriggerBinding {
  functionName: string;
  /** e.g. 'autopilot-intake/{name}': container plus optional prefix and {name}-style pattern. */
  path: string;
  connectionString: string;
  /** Total tries per blob version before the poison queue (host.json extensions.queues.maxDequeueCount; 5 by default). */
  maxDequeueCount: number;
}

export interface BlobDelivery {
  functionName: string;
  container: string;
  blobName: string;
  content: Buffer;
  triggerMetadata: Record<string, unknown>;
}

export interface BlobListenerOptions {
  /** Host id (lowercase letters, digits, dashes; at most 32): names receipts and the internal queue. */
  hostId: string;
  bindings: BlobTriggerBinding[];
  invoke: (d: BlobDelivery) => Promise<void>;
  /** Container scan and idle queue poll interval. Default 2000 ms (the real host scans every 10 s). */
  pollIntervalMs?: number;
  log?: (msg: string) => void;
  /** Storage for receipts, scan info and the internal queue (AzureWebJobsStorage). Default: the first binding's. */
  hostConnectionString?: string;
  /** Deliveries running at once. Default 4. */
  maxParallelism?: number;
  /** How long a try holds its message before another process may retry it (renewed while running). Default 30 000 ms. */
  messageLeaseMs?: number;
  /** Blobs listed per container per poll. Default 5000 (the storage maximum per page). */
  pageSize?: number;
}

export interface BlobListener {
  /** Stops scanning and taking messages; running deliveries are abandoned and will be redelivered. */
  stop(): Promise<void>;
  /** Runs a complete sweep of every container now and dispatches what it finds; resolves when dispatched. */
  scanNow(): Promise<void>;
  /**
   * A blob was written (an Event Grid BlobCreated for `functionName`, see ./blob-event-grid.ts): dispatch
   * its current version to that function now, through the same receipts and queue. Throws for an unknown
   * function; a blob that does not exist or does not match the function's path is ignored, as the host does.
   */
  notifyBlobCreated(functionName: string, container: string, blobName: string): Promise<void>;
}

const HostId = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9]|-(?!-)){0,30}[a-z0-9]$|^[a-z0-9]$/, 'host id: 1-32 lowercase letters, digits and single dashes, not at the ends');
const BindingSchema = z.object({
  functionName: z.string().min(1),
  path: z.string().min(1),
  connectionString: z.string().min(1),
  maxDequeueCount: z.number().int().min(1),
});
const OptionsSchema = z.object({
  hostId: HostId,
  bindings: z.array(BindingSchema),
  pollIntervalMs: z.number().int().min(10).optional(),
  hostConnectionString: z.string().min(1).optional(),
  maxParallelism: z.number().int().min(1).optional(),
  messageLeaseMs: z.number().int().min(1000).optional(),
  pageSize: z.number().int().min(1).max(5000).optional(),
});

/** Blobs dispatched at once while scanning a page. */
const DISPATCH_CONCURRENCY = 8;

interface WatchedContainer {
  key: string;
  client: ContainerClient;
  accountName: string;
  functions: RegisteredBlobFunction[];
  /** Latest LastModified of the last complete sweep: older blobs were already looked at. */
  lastSweep: Date | null;
  currentSweep: Date | null;
  continuationToken: string | undefined;
  missingLogged: boolean;
}

interface PendingBlob {
  container: WatchedContainer;
  blobName: string;
  lastModified: Date;
}

export async function startBlobListener(opts: BlobListenerOptions): Promise<BlobListener> {
  const parsed = OptionsSchema.safeParse(opts);
  if (!parsed.success) throw new Error(`startBlobListener: invalid options: ${parsed.error.message}`);
  const o = parsed.data;
  const log = opts.log ?? (() => undefined);
  const pollIntervalMs = o.pollIntervalMs ?? 2000;
  const pageSize = o.pageSize ?? 5000;

  if (o.bindings.length === 0) {
    return {
      stop: async () => undefined,
      scanNow: async () => undefined,
      notifyBlobCreated: async (functionName) => {
        throw new Error(`Blob trigger function '${functionName}' is not registered.`);
      },
    };
  }

  const hostConnectionString = o.hostConnectionString ?? (o.bindings[0] as BlobTriggerBinding).connectionString;
  const hostBlob = blobServiceFor(hostConnectionString);
  const hostQueue = queueServiceFor(hostConnectionString);

  const functions = new Map<string, RegisteredBlobFunction>();
  const containers = new Map<string, WatchedContainer>();
  for (const b of o.bindings) {
    const functionId = functionIdFor(b.functionName);
    if (functions.has(functionId)) throw new Error(`Blob trigger function '${b.functionName}' is registered twice.`);
    let path: BlobTriggerPath;
    try {
      path = parseBlobTriggerPath(b.path);
    } catch (err) {
      throw new Error(`Blob trigger function '${b.functionName}': ${(err as Error).message}`, { cause: err });
    }
    const blobService: BlobServiceClient = blobServiceFor(b.connectionString);
    const fn: RegisteredBlobFunction = {
      functionName: b.functionName,
      path,
      blobService,
      queueService: queueServiceFor(b.connectionString),
      maxDequeueCount: b.maxDequeueCount,
    };
    functions.set(functionId, fn);
    const key = `${blobService.url}|${path.container}`;
    let watched = containers.get(key);
    if (!watched) {
      watched = {
        key,
        client: blobService.getContainerClient(path.container),
        accountName: blobService.accountName,
        functions: [],
        lastSweep: null,
        currentSweep: null,
        continuationToken: undefined,
        missingLogged: false,
      };
      containers.set(key, watched);
    }
    watched.functions.push(fn);
  }

  const receipts = new BlobReceipts(hostBlob, o.hostId);
  const internalQueue = hostQueue.getQueueClient(internalQueueName(o.hostId));
  try {
    await receipts.init();
    await internalQueue.createIfNotExists();
    for (const c of containers.values()) {
      c.lastSweep = await loadLatestScan(hostBlob, o.hostId, c.accountName, c.client.containerName);
    }
  } catch (err) {
    throw new Error(
      `Blob trigger listener: cannot prepare host storage (blob ${hostBlob.url}, queue ${hostQueue.url}): ${(err as Error).message}`,
      { cause: err },
    );
  }

  /** Blobs whose dispatch failed or was busy, or whose version went stale: looked at again next poll. */
  const pending = new Map<string, PendingBlob>();
  let stopped = false;
  let pollTimer: NodeJS.Timeout | undefined;
  let scanChain: Promise<void> = Promise.resolve();

  const worker = new BlobQueueWorker({
    queue: internalQueue,
    hostPoisonQueue: hostQueue.getQueueClient(POISON_QUEUE),
    functions,
    invoke: opts.invoke,
    maxParallelism: o.maxParallelism ?? 4,
    leaseMs: o.messageLeaseMs ?? 30_000,
    pollIntervalMs,
    log,
    onStaleVersion: (containerName, blobName) => {
      for (const c of containers.values()) {
        if (c.client.containerName === containerName) {
          pending.set(`${c.key}|${blobName}`, { container: c, blobName, lastModified: new Date(0) });
        }
      }
      schedulePoll(0);
    },
  });

  async function dispatch(
    c: WatchedContainer,
    blobName: string,
    rawEtag: string,
    blobType: string | undefined,
    lastModified: Date,
    only?: RegisteredBlobFunction,
  ): Promise<void> {
    // Listings carry the ETag bare, headers quoted; the real host reads it from the properties header.
    const etag = rawEtag.startsWith('"') ? rawEtag : `"${rawEtag}"`;
    for (const fn of c.functions) {
      if (only && fn !== only) continue;
      if (!fn.path.match(blobName)) continue;
      const functionId = functionIdFor(fn.functionName);
      try {
        const outcome = await receipts.dispatchOnce(functionId, c.client.containerName, blobName, etag, async () => {
          await internalQueue.sendMessage(
            encodeMessage({
              Type: 'BlobTrigger',
              FunctionId: functionId,
              BlobType: messageBlobType(blobType),
              ContainerName: c.client.containerName,
              BlobName: blobName,
              ETag: etag,
            }),
          );
        });
        if (outcome === 'dispatched') worker.notify();
        if (outcome === 'busy') pending.set(`${c.key}|${blobName}`, { container: c, blobName, lastModified });
      } catch (err) {
        log(`Blob trigger: dispatching '${c.client.containerName}/${blobName}' to '${fn.functionName}' failed, retrying next scan: ${(err as Error).message}`);
        pending.set(`${c.key}|${blobName}`, { container: c, blobName, lastModified });
      }
    }
  }

  async function retryPending(): Promise<void> {
    const items = [...pending.values()];
    pending.clear();
    for (const p of items) {
      try {
        const props = await p.container.client.getBlobClient(p.blobName).getProperties();
        if (!props.etag || !props.lastModified) continue;
        await dispatch(p.container, p.blobName, props.etag, props.blobType, props.lastModified);
      } catch (err) {
        if (statusOf(err) === 404) continue; // deleted since: nothing to trigger
        log(`Blob trigger: re-checking '${p.container.client.containerName}/${p.blobName}' failed: ${(err as Error).message}`);
        pending.set(`${p.container.key}|${p.blobName}`, p);
      }
    }
  }

  /** Lists one page of a container (continuing its sweep) and dispatches new or changed blobs. */
  async function pollPage(c: WatchedContainer): Promise<void> {
    if (!c.continuationToken) c.currentSweep = null;
    let page;
    try {
      const iterator = c.client.listBlobsFlat().byPage({ continuationToken: c.continuationToken, maxPageSize: pageSize });
      page = (await iterator.next()).value;
    } catch (err) {
      if (statusOf(err) === 404) {
        if (!c.missingLogged) log(`Blob trigger: container '${c.client.containerName}' does not exist (yet); waiting for it.`);
        c.missingLogged = true;
        c.continuationToken = undefined;
        return;
      }
      throw err;
    }
    c.missingLogged = false;
    const candidates = [];
    for (const item of page?.segment.blobItems ?? []) {
      const lastModified = item.properties.lastModified;
      if (!c.currentSweep || lastModified > c.currentSweep) c.currentSweep = lastModified;
      // Timestamps have second precision: re-check blobs from the cursor's own second.
      if (c.lastSweep && lastModified < c.lastSweep) continue;
      candidates.push(item);
    }
    // A dispatch is ~7 sequential storage calls; run a few blobs at once (dispatch() never throws).
    for (let i = 0; i < candidates.length; i += DISPATCH_CONCURRENCY) {
      await Promise.all(
        candidates
          .slice(i, i + DISPATCH_CONCURRENCY)
          .map((item) => dispatch(c, item.name, item.properties.etag, item.properties.blobType, item.properties.lastModified)),
      );
    }
    c.continuationToken = page?.continuationToken || undefined;
    if (!c.continuationToken && c.currentSweep && (!c.lastSweep || c.currentSweep > c.lastSweep)) {
      c.lastSweep = c.currentSweep;
      // Keep blobs whose dispatch failed findable after a restart; 1 ms earlier as the real host does.
      const failed = [...pending.values()].filter((p) => p.container === c && p.lastModified.getTime() > 0);
      const earliest = Math.min(c.lastSweep.getTime(), ...failed.map((p) => p.lastModified.getTime()));
      await saveLatestScan(hostBlob, o.hostId, c.accountName, c.client.containerName, new Date(earliest - 1));
    }
  }

  function exclusive(work: () => Promise<void>): Promise<void> {
    const run = scanChain.then(work);
    scanChain = run.catch(() => undefined);
    return run;
  }

  async function pollAll(): Promise<void> {
    await retryPending();
    for (const c of containers.values()) await pollPage(c);
  }

  async function sweepAll(): Promise<void> {
    await retryPending();
    for (const c of containers.values()) {
      // Finish the sweep in progress, then sweep once from the start so every blob present now is seen.
      while (c.continuationToken) await pollPage(c);
      do await pollPage(c);
      while (c.continuationToken);
    }
  }

  function schedulePoll(delayMs: number): void {
    if (stopped) return;
    if (pollTimer) clearTimeout(pollTimer);
    pollTimer = setTimeout(() => {
      pollTimer = undefined;
      exclusive(pollAll)
        .catch((err: unknown) => log(`Blob trigger: scan failed, retrying: ${err instanceof Error ? err.message : String(err)}`))
        .finally(() => {
          if (!pollTimer) schedulePoll(pollIntervalMs);
        });
    }, delayMs);
  }

  worker.start();
  schedulePoll(0);
  log(
    `Blob trigger listener '${o.hostId}' watching ${[...containers.values()].map((c) => c.client.containerName).join(', ')} ` +
      `for ${[...functions.values()].map((f) => f.functionName).join(', ')}.`,
  );

  return {
    async stop() {
      if (stopped) return;
      stopped = true;
      if (pollTimer) clearTimeout(pollTimer);
      pollTimer = undefined;
      await scanChain;
      await worker.stop();
    },
    async scanNow() {
      if (stopped) throw new Error('scanNow: the blob listener is stopped.');
      await exclusive(sweepAll);
      worker.notify();
    },
    async notifyBlobCreated(functionName, containerName, blobName) {
      if (stopped) throw new Error('notifyBlobCreated: the blob listener is stopped.');
      const fn = functions.get(functionIdFor(functionName));
      if (!fn) throw new Error(`Blob trigger function '${functionName}' is not registered.`);
      if (fn.path.container !== containerName || !fn.path.match(blobName)) {
        log(`Blob trigger: '${containerName}/${blobName}' does not match '${functionName}'; event ignored.`);
        return;
      }
      const c = [...containers.values()].find((w) => w.functions.includes(fn)) as WatchedContainer;
      let props;
      try {
        props = await c.client.getBlobClient(blobName).getProperties();
      } catch (err) {
        if (statusOf(err) === 404) {
          log(`Blob trigger: '${containerName}/${blobName}' from an event does not exist; ignored.`);
          return;
        }
        throw err;
      }
      if (!props.etag || !props.lastModified) throw new Error(`Blob '${containerName}/${blobName}' has no ETag or LastModified.`);
      await dispatch(c, blobName, props.etag, props.blobType, props.lastModified, fn);
    },
  };
}
