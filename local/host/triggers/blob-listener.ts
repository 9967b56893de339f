/**
 * Polling blob trigger on Azurite, modelled on the real host's ScanBlobScanLogHybridPollingStrategy +
 * BlobTriggerExecutor + BlobQueueTriggerExecutor (see ../shared/reference/durable-host.md §4).
 */
export interface BlobTriggerBinding {
  functionName: string;
  /** e.g. 'autopilot-intake/{name}': container plus optional prefix and {name}-style pattern. */
  path: string;
  connectionString: string;
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
  hostId: string;
  bindings: BlobTriggerBinding[];
  invoke: (d: BlobDelivery) => Promise<void>;
  pollIntervalMs?: number;
  log?: (msg: string) => void;
}

export interface BlobListener {
  stop(): Promise<void>;
  scanNow(): Promise<void>;
}

export async function startBlobListener(_opts: BlobListenerOptions): Promise<BlobListener> {
  throw new Error('startBlobListener: not implemented yet (work in progress)');
}
