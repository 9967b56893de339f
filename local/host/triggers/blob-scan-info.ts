import type { BlobServiceClient } from '@azure/storage-blob';
import { z } from 'zod';
import { HOSTS_CONTAINER } from './blob-receipts';
import { statusOf } from './storage-clients';

/**
 * Per-container scan cursor, as the real StorageBlobScanInfoManager persists it: blob
 * `blobscaninfo/{hostId}/{accountName}/{containerName}/scanInfo` in `azure-webjobs-hosts`, JSON
 * `{"LatestScan": "<ISO date>"}`. Only blobs modified at or after it are looked at after a restart.
 */
const ScanInfo = z.object({ LatestScan: z.iso.datetime({ offset: true }) });

function scanInfoBlob(hostService: BlobServiceClient, hostId: string, accountName: string, container: string) {
  return hostService.getContainerClient(HOSTS_CONTAINER).getBlockBlobClient(`blobscaninfo/${hostId}/${accountName}/${container}/scanInfo`);
}

export async function loadLatestScan(
  hostService: BlobServiceClient,
  hostId: string,
  accountName: string,
  container: string,
): Promise<Date | null> {
  const blob = scanInfoBlob(hostService, hostId, accountName, container);
  let text: string;
  try {
    text = (await blob.downloadToBuffer()).toString('utf8');
  } catch (err) {
    if (statusOf(err) === 404) return null;
    throw err;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`Blob scan info '${blob.name}' is not JSON; delete it to rescan the container: ${String(err)}`, { cause: err });
  }
  const parsed = ScanInfo.safeParse(json);
  if (!parsed.success) throw new Error(`Blob scan info '${blob.name}' has an unexpected shape; delete it to rescan the container.`);
  return new Date(parsed.data.LatestScan);
}

export async function saveLatestScan(
  hostService: BlobServiceClient,
  hostId: string,
  accountName: string,
  container: string,
  latestScan: Date,
): Promise<void> {
  const body = JSON.stringify({ LatestScan: latestScan.toISOString() });
  await scanInfoBlob(hostService, hostId, accountName, container).upload(body, Buffer.byteLength(body));
}
