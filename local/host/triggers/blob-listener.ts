/**
 * Polling blob trigger on Azurite, modelled on the real host (the team reference durable-host.md in the reference folder beside the repository §4;
 * azure-sdk-for-net `Microsoft.Azure.WebJobs.Extensions.Storage.Blobs/src/Listeners/`):
 * 1. scan (./blob-scanner.ts): each container is listed one page per poll (continuation token kept between polls); after a
 *    complete sweep only blobs modified since the last sweep are looked at (`blobscaninfo` cursor);
 * 2. dispatch: per function and blob version (ETag), a receipt in `azure-webjobs-hosts/blobreceipts/…`
 *    guards the enqueue of one BlobTriggerMessage on the internal queue (./blob-receipts.ts);
 * 3. deliver: the internal queue is drained with leases, retries and poison (./blob-queue-worker.ts).
 * So each blob version is delivered at least once and normally once, across restarts.
 */
import { z } from 'zod';
import { parseBlobTriggerPath, type BlobTriggerPath } from './blob-path';
import { BlobQueueWorker, type RegisteredBlobFunction } from './blob-queue-worker';
import { BlobReceipts } from './blob-receipts';
import { BlobScanner, type ScanCounts } from './blob-scanner';
import { functionIdFor, internalQueueName, POISON_QUEUE } from './blob-trigger-message';
import { blobServiceFor, queueServiceFor } from './storage-clients';

export interface BlobTriggerBinding {
  functionName: string;
  /** e.g. 'autopilot-intake/{name}': container plus optional prefix and {name}-style pattern. */
  path: string;
  connectionString: string;
  /** Total tries per blob version before the poison queue (host.json extensions.queues.maxDequeueCount; 5 by default). */
  maxDequeueCount: number;
  /**
   * false: the function gets the blob's identity and properties only, never its content (an Event
   * Grid trigger fed BlobCreated events, see ../triggers-wiring.ts). Default true (a blob trigger).
   */
  content?: boolean;
}

export interface BlobDelivery {
  functionName: string;
  container: string;
  blobName: string;
  /** The blob's bytes; undefined for a binding with `content: false` (nothing was downloaded). */
  content: Buffer | undefined;
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
  /** How long a graceful stop() waits for running deliveries before abandoning them. Default 30 000 ms. */
  stopTimeoutMs?: number;
}

export interface BlobListener {
  /**
   * Stops scanning and taking messages, waits up to `stopTimeoutMs` for running deliveries to finish,
   * then abandons the rest (they are redelivered on the next start).
   */
  stop(): Promise<void>;
  /** Runs a complete sweep of every container now and dispatches what it finds; resolves when dispatched. */
  scanNow(): Promise<void>;
  /**
   * A blob was written (an Event Grid BlobCreated for `functionName`, see ./blob-event-grid.ts): dispatch
   * its current version to that function now, through the same receipts and queue. Throws for an unknown
   * function; a blob that does not exist or does not match the function's path is ignored, as the host does.
   */
  notifyBlobCreated(functionName: string, container: string, blobName: string): Promise<void>;
  /** Complete sweeps and dispatches so far (tests wait for a scan rather than for time to pass). */
  scanCounts(): ScanCounts;
}

const HostId = z
  .string()
  .regex(
    /^[a-z0-9](?:[a-z0-9]|-(?!-)){0,30}[a-z0-9]$|^[a-z0-9]$/,
    'host id: 1-32 lowercase letters, digits and single dashes, not at the ends',
  );
const BindingSchema = z.object({
  functionName: z.string().min(1),
  path: z.string().min(1),
  connectionString: z.string().min(1),
  maxDequeueCount: z.number().int().min(1),
  content: z.boolean().optional(),
});
const OptionsSchema = z.object({
  hostId: HostId,
  bindings: z.array(BindingSchema),
  pollIntervalMs: z.number().int().min(10).optional(),
  hostConnectionString: z.string().min(1).optional(),
  maxParallelism: z.number().int().min(1).optional(),
  messageLeaseMs: z.number().int().min(1000).optional(),
  pageSize: z.number().int().min(1).max(5000).optional(),
  stopTimeoutMs: z.number().int().min(0).optional(),
});

export async function startBlobListener(opts: BlobListenerOptions): Promise<BlobListener> {
  const parsed = OptionsSchema.safeParse(opts);
  if (!parsed.success) throw new Error(`startBlobListener: invalid options: ${parsed.error.message}`);
  const o = parsed.data;
  const log = opts.log ?? (() => undefined);
  const pollIntervalMs = o.pollIntervalMs ?? 2000;

  if (o.bindings.length === 0) {
    return {
      stop: async () => undefined,
      scanNow: async () => undefined,
      notifyBlobCreated: async (functionName) => {
        throw new Error(`Blob trigger function '${functionName}' is not registered.`);
      },
      scanCounts: () => ({ sweeps: 0, dispatches: 0 }),
    };
  }

  const hostConnectionString = o.hostConnectionString ?? (o.bindings[0] as BlobTriggerBinding).connectionString;
  const hostBlob = blobServiceFor(hostConnectionString);
  const hostQueue = queueServiceFor(hostConnectionString);
  const receipts = new BlobReceipts(hostBlob, o.hostId);
  const internalQueue = hostQueue.getQueueClient(internalQueueName(o.hostId));

  const functions = new Map<string, RegisteredBlobFunction>();
  for (const b of o.bindings) {
    const functionId = functionIdFor(b.functionName);
    if (functions.has(functionId)) throw new Error(`Blob trigger function '${b.functionName}' is registered twice.`);
    let path: BlobTriggerPath;
    try {
      path = parseBlobTriggerPath(b.path);
    } catch (err) {
      throw new Error(`Blob trigger function '${b.functionName}': ${(err as Error).message}`, { cause: err });
    }
    functions.set(functionId, {
      functionName: b.functionName,
      path,
      blobService: blobServiceFor(b.connectionString),
      queueService: queueServiceFor(b.connectionString),
      maxDequeueCount: b.maxDequeueCount,
      content: b.content !== false,
    });
  }

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
      scanner.markStale(containerName, blobName);
      schedulePoll(0);
    },
  });
  const scanner = new BlobScanner({
    hostBlob,
    hostId: o.hostId,
    receipts,
    internalQueue,
    pageSize: o.pageSize ?? 5000,
    log,
    onDispatched: () => worker.notify(),
  });
  for (const fn of functions.values()) scanner.add(fn);

  try {
    await receipts.init();
    await internalQueue.createIfNotExists();
    await scanner.loadCursors();
  } catch (err) {
    throw new Error(
      `Blob trigger listener: cannot prepare host storage (blob ${hostBlob.url}, queue ${hostQueue.url}): ${(err as Error).message}`,
      { cause: err },
    );
  }

  /** Scans never overlap: polls, scanNow and event dispatches run one after another. */
  function exclusive(work: () => Promise<void>): Promise<void> {
    const run = scanChain.then(work);
    scanChain = run.catch(() => undefined);
    return run;
  }

  function schedulePoll(delayMs: number): void {
    if (stopped) return;
    if (pollTimer) clearTimeout(pollTimer);
    pollTimer = setTimeout(() => {
      pollTimer = undefined;
      exclusive(() => scanner.pollAll())
        .catch((err: unknown) => log(`Blob trigger: scan failed, retrying: ${err instanceof Error ? err.message : String(err)}`))
        .finally(() => {
          if (!pollTimer) schedulePoll(pollIntervalMs);
        });
    }, delayMs);
  }

  worker.start();
  schedulePoll(0);
  log(
    `Blob trigger listener '${o.hostId}' watching ${scanner.containerNames().join(', ')} ` +
      `for ${[...functions.values()].map((f) => f.functionName).join(', ')}.`,
  );

  return {
    async stop() {
      if (stopped) return;
      stopped = true;
      if (pollTimer) clearTimeout(pollTimer);
      pollTimer = undefined;
      await scanChain;
      await worker.stop(o.stopTimeoutMs ?? 30_000);
    },
    async scanNow() {
      if (stopped) throw new Error('scanNow: the blob listener is stopped.');
      await exclusive(() => scanner.sweepAll());
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
      await exclusive(() => scanner.dispatchOne(fn, blobName));
    },
    scanCounts: () => scanner.scanCounts(),
  };
}
