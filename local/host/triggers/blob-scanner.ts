/**
 * The scanning half of the blob trigger, as the real host's ScanBlobScanLogHybridPollingStrategy +
 * BlobTriggerExecutor do it: list each container one page per poll (continuation kept between polls),
 * look only at blobs modified since the last complete sweep (the persisted `blobscaninfo` cursor), and
 * for each matching function dispatch the blob version through its receipt onto the internal queue.
 * Blobs whose dispatch failed or was busy are looked at again on the next poll.
 * Calls must not overlap: the listener serialises them.
 */
import type { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import type { QueueClient } from '@azure/storage-queue';
import type { RegisteredBlobFunction } from './blob-queue-worker';
import type { BlobReceipts } from './blob-receipts';
import { loadLatestScan, saveLatestScan } from './blob-scan-info';
import { encodeMessage, functionIdFor, messageBlobType } from './blob-trigger-message';
import { statusOf } from './storage-clients';

/** Blobs dispatched at once while scanning a page. */
const DISPATCH_CONCURRENCY = 8;

export interface ScannerDeps {
  hostBlob: BlobServiceClient;
  hostId: string;
  receipts: BlobReceipts;
  internalQueue: QueueClient;
  pageSize: number;
  log: (msg: string) => void;
  /** A message was enqueued: the queue worker should look now. */
  onDispatched: () => void;
}

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
  /** Epoch 0 when unknown (a stale-version notice): it then does not hold the cursor back. */
  lastModified: Date;
}

/** What the scanner has done so far: tests wait for scans instead of sleeping (GET /admin/local/activity). */
export interface ScanCounts {
  /** Polls or sweeps after which every watched container had been listed to its end. */
  sweeps: number;
  /** Blob versions put on the internal queue (a version whose receipt exists is not counted). */
  dispatches: number;
}

export class BlobScanner {
  private readonly containers = new Map<string, WatchedContainer>();
  private readonly pending = new Map<string, PendingBlob>();
  private readonly counts: ScanCounts = { sweeps: 0, dispatches: 0 };

  constructor(private readonly deps: ScannerDeps) {}

  /** Watches the function's container (one watch per account and container, shared by its functions). */
  add(fn: RegisteredBlobFunction): void {
    const key = `${fn.blobService.url}|${fn.path.container}`;
    let watched = this.containers.get(key);
    if (!watched) {
      watched = {
        key,
        client: fn.blobService.getContainerClient(fn.path.container),
        accountName: fn.blobService.accountName,
        functions: [],
        lastSweep: null,
        currentSweep: null,
        continuationToken: undefined,
        missingLogged: false,
      };
      this.containers.set(key, watched);
    }
    watched.functions.push(fn);
  }

  containerNames(): string[] {
    return [...this.containers.values()].map((c) => c.client.containerName);
  }

  async loadCursors(): Promise<void> {
    for (const c of this.containers.values()) {
      c.lastSweep = await loadLatestScan(this.deps.hostBlob, this.deps.hostId, c.accountName, c.client.containerName);
    }
  }

  scanCounts(): ScanCounts {
    return { ...this.counts };
  }

  /** One poll: retry pending blobs, then one page of every container. */
  async pollAll(): Promise<void> {
    await this.retryPending();
    for (const c of this.containers.values()) await this.pollPage(c);
    if ([...this.containers.values()].every((c) => !c.continuationToken)) this.counts.sweeps++;
  }

  /** Finishes the sweep in progress, then sweeps once from the start, so every blob present now is seen. */
  async sweepAll(): Promise<void> {
    await this.retryPending();
    for (const c of this.containers.values()) {
      while (c.continuationToken) await this.pollPage(c);
      do await this.pollPage(c);
      while (c.continuationToken);
    }
    this.counts.sweeps++;
  }

  /** A queued version went stale: look at the blob's current version on the next poll. */
  markStale(containerName: string, blobName: string): void {
    for (const c of this.containers.values()) {
      if (c.client.containerName === containerName)
        this.pending.set(`${c.key}|${blobName}`, { container: c, blobName, lastModified: new Date(0) });
    }
  }

  /** Dispatches one blob's current version to one function (Event Grid path). */
  async dispatchOne(fn: RegisteredBlobFunction, blobName: string): Promise<void> {
    const c = [...this.containers.values()].find((w) => w.functions.includes(fn));
    if (!c) throw new Error(`Blob trigger function '${fn.functionName}' is not watched.`);
    let props;
    try {
      props = await c.client.getBlobClient(blobName).getProperties();
    } catch (err) {
      if (statusOf(err) === 404) {
        this.deps.log(`Blob trigger: '${c.client.containerName}/${blobName}' from an event does not exist; ignored.`);
        return;
      }
      throw err;
    }
    if (!props.etag || !props.lastModified) throw new Error(`Blob '${c.client.containerName}/${blobName}' has no ETag or LastModified.`);
    await this.dispatch(c, blobName, props.etag, props.blobType, props.lastModified, fn);
  }

  private async dispatch(
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
        const outcome = await this.deps.receipts.dispatchOnce(functionId, c.client.containerName, blobName, etag, async () => {
          await this.deps.internalQueue.sendMessage(
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
        if (outcome === 'dispatched') {
          this.counts.dispatches++;
          this.deps.onDispatched();
        }
        if (outcome === 'busy') this.pending.set(`${c.key}|${blobName}`, { container: c, blobName, lastModified });
      } catch (err) {
        this.deps.log(
          `Blob trigger: dispatching '${c.client.containerName}/${blobName}' to '${fn.functionName}' failed, retrying next scan: ${(err as Error).message}`,
        );
        this.pending.set(`${c.key}|${blobName}`, { container: c, blobName, lastModified });
      }
    }
  }

  private async retryPending(): Promise<void> {
    const items = [...this.pending.values()];
    this.pending.clear();
    for (const p of items) {
      try {
        const props = await p.container.client.getBlobClient(p.blobName).getProperties();
        if (!props.etag || !props.lastModified) continue;
        await this.dispatch(p.container, p.blobName, props.etag, props.blobType, props.lastModified);
      } catch (err) {
        if (statusOf(err) === 404) continue; // deleted since: nothing to trigger
        this.deps.log(`Blob trigger: re-checking '${p.container.client.containerName}/${p.blobName}' failed: ${(err as Error).message}`);
        this.pending.set(`${p.container.key}|${p.blobName}`, p);
      }
    }
  }

  /** Lists one page of a container (continuing its sweep) and dispatches new or changed blobs. */
  private async pollPage(c: WatchedContainer): Promise<void> {
    if (!c.continuationToken) c.currentSweep = null;
    let page;
    try {
      const iterator = c.client.listBlobsFlat().byPage({ continuationToken: c.continuationToken, maxPageSize: this.deps.pageSize });
      page = (await iterator.next()).value;
    } catch (err) {
      if (statusOf(err) === 404) {
        if (!c.missingLogged) this.deps.log(`Blob trigger: container '${c.client.containerName}' does not exist (yet); waiting for it.`);
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
          .map((item) => this.dispatch(c, item.name, item.properties.etag, item.properties.blobType, item.properties.lastModified)),
      );
    }
    c.continuationToken = page?.continuationToken || undefined;
    if (!c.continuationToken && c.currentSweep && (!c.lastSweep || c.currentSweep > c.lastSweep)) {
      c.lastSweep = c.currentSweep;
      // Keep blobs whose dispatch failed findable after a restart; 1 ms earlier as the real host does.
      const failed = [...this.pending.values()].filter((p) => p.container === c && p.lastModified.getTime() > 0);
      const earliest = Math.min(c.lastSweep.getTime(), ...failed.map((p) => p.lastModified.getTime()));
      await saveLatestScan(this.deps.hostBlob, this.deps.hostId, c.accountName, c.client.containerName, new Date(earliest - 1));
    }
  }
}
