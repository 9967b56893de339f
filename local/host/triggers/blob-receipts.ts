import type { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import { errorCodeOf, statusOf } from './storage-clients';

/**
 * Blob receipts, as the real host's BlobReceiptManager keeps them: in container `azure-webjobs-hosts`,
 * blob `blobreceipts/{hostId}/{functionId}/{ETag}/{container}/{blobName}` (the ETag before the name
 * because names contain slashes). A receipt with metadata `Incomplete` means "being dispatched"; without
 * it, "dispatched" (the trigger message is on the internal queue), not "function succeeded".
 */
export const HOSTS_CONTAINER = 'azure-webjobs-hosts';
const INCOMPLETE = 'Incomplete';
const LEASE_SECONDS = 30;

export function receiptBlobName(hostId: string, functionId: string, etag: string, container: string, blobName: string): string {
  return `blobreceipts/${hostId}/${functionId}/${etag}/${container}/${blobName}`;
}

export type DispatchOutcome = 'dispatched' | 'already-dispatched' | 'busy';

function isIncomplete(metadata: Record<string, string> | undefined): boolean {
  return Object.keys(metadata ?? {}).some((k) => k.toLowerCase() === INCOMPLETE.toLowerCase());
}

export class BlobReceipts {
  private readonly hosts: ContainerClient;

  constructor(
    hostService: BlobServiceClient,
    private readonly hostId: string,
  ) {
    this.hosts = hostService.getContainerClient(HOSTS_CONTAINER);
  }

  async init(): Promise<void> {
    await this.hosts.createIfNotExists();
  }

  /**
   * The real BlobTriggerExecutor pipeline for one blob version: skip if the receipt is complete; create an
   * incomplete receipt (If-None-Match: *), lease it for 30 s, re-check, run `enqueue`, mark it complete,
   * release the lease. 'busy' = another dispatcher holds it (or just created it); retry on a later scan.
   */
  async dispatchOnce(
    functionId: string,
    container: string,
    blobName: string,
    etag: string,
    enqueue: () => Promise<void>,
  ): Promise<DispatchOutcome> {
    const receipt = this.hosts.getBlockBlobClient(receiptBlobName(this.hostId, functionId, etag, container, blobName));
    const existing = await this.readMetadata(receipt);
    if (existing && !isIncomplete(existing)) return 'already-dispatched';
    if (!existing) {
      try {
        await receipt.upload('', 0, { metadata: { [INCOMPLETE]: INCOMPLETE }, conditions: { ifNoneMatch: '*' } });
      } catch (err) {
        const status = statusOf(err);
        if (status === 409 || status === 412) return 'busy';
        throw err;
      }
    }
    let leaseId: string;
    try {
      const lease = await receipt.getBlobLeaseClient().acquireLease(LEASE_SECONDS);
      if (!lease.leaseId) throw new Error(`Acquiring a lease on receipt '${receipt.name}' returned no lease id.`);
      leaseId = lease.leaseId;
    } catch (err) {
      const status = statusOf(err);
      if (status === 409 || status === 404) return 'busy';
      throw err;
    }
    try {
      const current = await this.readMetadata(receipt);
      if (!current) return 'busy';
      if (!isIncomplete(current)) return 'already-dispatched';
      await enqueue();
      const completed = Object.fromEntries(Object.entries(current).filter(([k]) => k.toLowerCase() !== INCOMPLETE.toLowerCase()));
      await receipt.setMetadata(completed, { conditions: { leaseId } });
      return 'dispatched';
    } finally {
      await receipt
        .getBlobLeaseClient(leaseId)
        .releaseLease()
        .catch((err: unknown) => {
          // Gone or re-leased by someone else: nothing of ours to release (the real host ignores these too).
          const status = statusOf(err);
          if (status !== 404 && status !== 409) throw err;
        });
    }
  }

  private async readMetadata(receipt: ReturnType<ContainerClient['getBlockBlobClient']>): Promise<Record<string, string> | null> {
    try {
      const props = await receipt.getProperties();
      return props.metadata ?? {};
    } catch (err) {
      if (statusOf(err) === 404) return null;
      throw new Error(`Reading blob receipt '${receipt.name}' failed (${errorCodeOf(err) ?? statusOf(err) ?? 'no status'}).`, {
        cause: err,
      });
    }
  }
}
