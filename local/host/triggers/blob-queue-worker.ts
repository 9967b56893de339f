import type { QueueClient, DequeuedMessageItem } from '@azure/storage-queue';
import type { BlobServiceClient } from '@azure/storage-blob';
import type { QueueServiceClient } from '@azure/storage-queue';
import { decodeMessage, POISON_QUEUE } from './blob-trigger-message';
import { blobTriggerMetadata } from './blob-trigger-metadata';
import type { BlobTriggerPath } from './blob-path';
import { statusOf } from './storage-clients';

/**
 * Drains the internal queue `azure-webjobs-blobtrigger-{hostId}` like the real host's shared blob queue
 * listener + BlobQueueTriggerExecutor: each message is one try. A message is held invisible (a lease,
 * renewed while the function runs) and deleted on success; on failure it is made visible again at once
 * (the queue extension's default visibilityTimeout of 0) until its dequeue count reaches
 * maxDequeueCount, then copied verbatim to `webjobs-blobtrigger-poison` in the blob's storage account.
 * A process that dies mid-try leaves the message invisible until the lease runs out, then it is retried.
 */
export interface RegisteredBlobFunction {
  functionName: string;
  path: BlobTriggerPath;
  blobService: BlobServiceClient;
  queueService: QueueServiceClient;
  maxDequeueCount: number;
  /** false: read the version's properties (If-Match) instead of downloading it; the delivery has no content. */
  content: boolean;
}

export interface BlobDeliveryArgs {
  functionName: string;
  container: string;
  blobName: string;
  content: Buffer | undefined;
  triggerMetadata: Record<string, unknown>;
}

export interface QueueWorkerOptions {
  queue: QueueClient;
  /** Poison queue of the host account, for messages that name no known function. */
  hostPoisonQueue: QueueClient;
  functions: ReadonlyMap<string, RegisteredBlobFunction>;
  invoke: (d: BlobDeliveryArgs) => Promise<void>;
  maxParallelism: number;
  leaseMs: number;
  pollIntervalMs: number;
  /** Called when a message's ETag no longer matches the blob: the new version needs a scan. */
  onStaleVersion: (container: string, blobName: string) => void;
  log: (msg: string) => void;
}

interface InFlight {
  messageId: string;
  popReceipt: string;
  messageText: string;
  abandoned: boolean;
}

type Outcome = { kind: 'done' } | { kind: 'failed'; error: unknown } | { kind: 'poison'; queue: QueueClient };

async function streamToBuffer(stream: NodeJS.ReadableStream | undefined): Promise<Buffer> {
  if (!stream) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}

function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class BlobQueueWorker {
  private stopped = false;
  private readonly inFlight = new Set<InFlight>();
  private readonly tasks = new Set<Promise<void>>();
  private wakeUp: (() => void) | undefined;
  /** A notify() that arrived while not sleeping must still cut the next sleep short. */
  private wakePending = false;
  private loopDone: Promise<void> | undefined;

  constructor(private readonly opts: QueueWorkerOptions) {}

  start(): void {
    this.loopDone = this.loop();
  }

  /** New messages are on the queue: look now instead of at the next poll. */
  notify(): void {
    this.wakePending = true;
    this.wakeUp?.();
  }

  /**
   * Stops taking messages, then lets running deliveries finish (and settle their messages) for up to
   * `drainMs`, as the host lets in-flight invocations finish on a graceful shutdown. Deliveries still
   * running after that are abandoned: their messages are made visible again so the next start redelivers
   * them (at least once), and their eventual results are ignored. Messages received but not started are
   * released at once.
   */
  async stop(drainMs: number): Promise<void> {
    this.stopped = true;
    this.notify();
    await this.loopDone;
    if (this.tasks.size > 0) {
      this.opts.log(`Blob trigger: waiting up to ${drainMs} ms for ${this.tasks.size} running delivery(ies) before stopping.`);
      let timer: NodeJS.Timeout | undefined;
      const bound = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, drainMs);
      });
      await Promise.race([this.idle(), bound]);
      clearTimeout(timer);
    }
    const releases = [...this.inFlight].map(async (d) => {
      d.abandoned = true;
      try {
        await this.opts.queue.updateMessage(d.messageId, d.popReceipt, d.messageText, 0);
      } catch (err) {
        this.opts.log(
          `Blob trigger: could not release message ${d.messageId} on stop (it returns when its lease ends): ${describeError(err)}`,
        );
      }
    });
    if (releases.length > 0)
      this.opts.log(`Blob trigger: ${releases.length} delivery(ies) abandoned on stop; they are redelivered on the next start.`);
    await Promise.all(releases);
  }

  /** Resolves when no delivery is running (test and shutdown helper). */
  async idle(): Promise<void> {
    while (this.tasks.size > 0) await Promise.allSettled([...this.tasks]);
  }

  private sleep(ms: number): Promise<void> {
    if (this.wakePending) {
      this.wakePending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        this.wakePending = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUp = done;
    });
  }

  private async loop(): Promise<void> {
    const leaseSeconds = Math.max(1, Math.ceil(this.opts.leaseMs / 1000));
    while (!this.stopped) {
      const free = this.opts.maxParallelism - this.inFlight.size;
      if (free <= 0) {
        await this.sleep(this.opts.pollIntervalMs);
        continue;
      }
      let messages: DequeuedMessageItem[];
      try {
        const res = await this.opts.queue.receiveMessages({ numberOfMessages: Math.min(32, free), visibilityTimeout: leaseSeconds });
        messages = res.receivedMessageItems;
      } catch (err) {
        this.opts.log(`Blob trigger: reading queue '${this.opts.queue.name}' failed, retrying: ${describeError(err)}`);
        await this.sleep(this.opts.pollIntervalMs);
        continue;
      }
      if (messages.length === 0) {
        await this.sleep(this.opts.pollIntervalMs);
        continue;
      }
      for (const m of messages) {
        const d: InFlight = { messageId: m.messageId, popReceipt: m.popReceipt, messageText: m.messageText, abandoned: false };
        this.inFlight.add(d);
        if (this.stopped) continue; // stop() releases it
        const task = this.deliver(m, d, leaseSeconds).finally(() => {
          this.inFlight.delete(d);
          this.tasks.delete(task);
          this.notify();
        });
        this.tasks.add(task);
      }
    }
  }

  private async deliver(m: DequeuedMessageItem, d: InFlight, leaseSeconds: number): Promise<void> {
    const renew = setInterval(
      () => {
        if (d.abandoned) return;
        this.opts.queue
          .updateMessage(d.messageId, d.popReceipt, d.messageText, leaseSeconds)
          .then((r) => {
            if (r.popReceipt) d.popReceipt = r.popReceipt;
          })
          .catch((err: unknown) =>
            this.opts.log(`Blob trigger: renewing the lease of message ${d.messageId} failed: ${describeError(err)}`),
          );
      },
      Math.max(250, Math.floor(this.opts.leaseMs / 2)),
    );
    let outcome: Outcome;
    try {
      outcome = await this.handle(m);
    } catch (err) {
      outcome = { kind: 'failed', error: err };
    } finally {
      clearInterval(renew);
    }
    if (d.abandoned) return;
    try {
      await this.settle(m, d, outcome);
    } catch (err) {
      this.opts.log(`Blob trigger: settling message ${d.messageId} failed (it will be retried): ${describeError(err)}`);
    }
  }

  private async settle(m: DequeuedMessageItem, d: InFlight, outcome: Outcome): Promise<void> {
    const q = this.opts.queue;
    if (outcome.kind === 'done') {
      await q.deleteMessage(d.messageId, d.popReceipt);
      return;
    }
    let poisonQueue: QueueClient | undefined;
    if (outcome.kind === 'poison') {
      poisonQueue = outcome.queue;
    } else {
      const fn = this.functionOf(m.messageText);
      const max = fn?.maxDequeueCount ?? 5;
      this.opts.log(`Blob trigger: try ${m.dequeueCount} of ${max} failed for message ${d.messageId}: ${describeError(outcome.error)}`);
      if (m.dequeueCount >= max) poisonQueue = fn ? fn.queueService.getQueueClient(POISON_QUEUE) : this.opts.hostPoisonQueue;
    }
    if (poisonQueue) {
      await poisonQueue.createIfNotExists();
      await poisonQueue.sendMessage(m.messageText);
      await q.deleteMessage(d.messageId, d.popReceipt);
      this.opts.log(`Blob trigger: message ${d.messageId} moved to '${POISON_QUEUE}' after ${m.dequeueCount} tries.`);
    } else {
      const r = await q.updateMessage(d.messageId, d.popReceipt, d.messageText, 0);
      if (r.popReceipt) d.popReceipt = r.popReceipt;
    }
  }

  private functionOf(messageText: string): RegisteredBlobFunction | undefined {
    try {
      return this.opts.functions.get(decodeMessage(messageText).FunctionId);
    } catch {
      return undefined; // undecodable: handled (and reported) by handle()
    }
  }

  private async handle(m: DequeuedMessageItem): Promise<Outcome> {
    const message = decodeMessage(m.messageText);
    const fn = this.opts.functions.get(message.FunctionId);
    if (!fn) {
      this.opts.log(`Blob trigger: message for unknown function '${message.FunctionId}' ignored.`);
      return { kind: 'done' };
    }
    // Tries that died with their process still count: never start a try beyond the limit.
    if (m.dequeueCount > fn.maxDequeueCount) return { kind: 'poison', queue: fn.queueService.getQueueClient(POISON_QUEUE) };

    const blob = fn.blobService.getContainerClient(message.ContainerName).getBlobClient(message.BlobName);
    let response;
    try {
      // Only the version this message names; without content, its properties alone (no bytes move).
      response = fn.content
        ? await blob.download(0, undefined, { conditions: { ifMatch: message.ETag } })
        : await blob.getProperties({ conditions: { ifMatch: message.ETag } });
    } catch (err) {
      const status = statusOf(err);
      if (status === 404) {
        this.opts.log(`Blob trigger: '${message.ContainerName}/${message.BlobName}' no longer exists; message ignored.`);
        return { kind: 'done' };
      }
      if (status === 412) {
        // A newer version replaced this one: it gets its own receipt; rescan rather than run stale data.
        this.opts.onStaleVersion(message.ContainerName, message.BlobName);
        return { kind: 'done' };
      }
      throw err;
    }
    const content = 'readableStreamBody' in response ? await streamToBuffer(response.readableStreamBody) : undefined;
    const bindingData = fn.path.match(message.BlobName);
    if (!bindingData) return { kind: 'done' };
    await this.opts.invoke({
      functionName: fn.functionName,
      container: message.ContainerName,
      blobName: message.BlobName,
      content,
      triggerMetadata: blobTriggerMetadata({
        functionName: fn.functionName,
        container: message.ContainerName,
        blobName: message.BlobName,
        uri: blob.url,
        response,
        bindingData,
      }),
    });
    return { kind: 'done' };
  }
}
