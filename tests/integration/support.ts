import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { startLocalStack, type LocalStack, type StackOptions } from '../../local/stack';
import { runIdFor } from '../../shared/run/run-id';
import { CONTAINERS } from '../../shared/storage/object-store';

export interface Report {
  runId: string;
  status: string;
  fileRejected?: string;
  counts: Record<string, number>;
  rows: {
    line: number;
    serialNumber?: string;
    status: string;
    code?: string;
    device?: {
      result?: string;
      failure?: { stage: string; code: string };
      importStatus: string;
      alreadyRegistered: boolean;
      ztdId?: string;
      at: Record<string, string>;
    };
  }[];
}

/**
 * The local stack in a throw-away state directory (under `tempRoot`, default the OS temp dir). A
 * start that fails removes the directory, and the stack stops what it had started.
 */
export async function withStack(
  options: Partial<StackOptions> & { tempRoot?: string } = {},
): Promise<LocalStack & { dispose(): Promise<void> }> {
  const { tempRoot = tmpdir(), ...stackOptions } = options;
  const stateDir = mkdtempSync(join(tempRoot, 'intake-host-'));
  const removeDir = () => rmSync(stateDir, { recursive: true, force: true });
  let stack: LocalStack;
  try {
    // No scheduled reconciliation in a test stack (a suite running at 03:00 UTC would meet one); tests start theirs.
    stack = await startLocalStack({ stateDir, ...stackOptions, appSettings: { RECONCILE_ENABLED: 'false', ...stackOptions.appSettings } });
  } catch (error) {
    removeDir();
    throw error;
  }
  return Object.assign(stack, {
    async dispose() {
      try {
        await stack.stop();
      } finally {
        removeDir();
      }
    },
  });
}

export function blobs(stack: LocalStack): BlobServiceClient {
  return BlobServiceClient.fromConnectionString(stack.azurite.connectionString);
}

export async function drop(stack: LocalStack, name: string, csv: string | Buffer): Promise<{ runId: string; etag: string }> {
  const container = blobs(stack).getContainerClient(CONTAINERS.intake);
  await container.createIfNotExists();
  const body = Buffer.from(csv);
  const res = await container.getBlockBlobClient(name).uploadData(body);
  const etag = res.etag ?? '';
  return { runId: runIdFor(CONTAINERS.intake, name, etag), etag };
}

export async function waitForRun(stack: LocalStack, runId: string, timeoutMs = 90_000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    const res = await fetch(`${stack.hostUrl}/runtime/webhooks/durabletask/instances/${runId}`);
    if (res.status === 200 || res.status === 202) {
      const body = (await res.json()) as Record<string, unknown>;
      last = body;
      if (body.runtimeStatus === 'Completed') return body;
      if (body.runtimeStatus === 'Failed' || body.runtimeStatus === 'Terminated') {
        throw new Error(
          `run ${runId} ended ${String(body.runtimeStatus)}: ${JSON.stringify(body.output)}\n${stack.hostLog().slice(-3000)}`,
        );
      }
    }
    if (Date.now() > deadline)
      throw new Error(`run ${runId} not finished after ${timeoutMs} ms: ${JSON.stringify(last)}\n${stack.hostLog().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function readReport(stack: LocalStack, runId: string): Promise<Report> {
  const blob = blobs(stack).getContainerClient(CONTAINERS.reports).getBlockBlobClient(`${runId}/report.json`);
  return JSON.parse((await blob.downloadToBuffer()).toString('utf8')) as Report;
}

export async function readText(stack: LocalStack, container: string, name: string): Promise<string | undefined> {
  const blob = blobs(stack).getContainerClient(container).getBlockBlobClient(name);
  if (!(await blob.exists())) return undefined;
  return (await blob.downloadToBuffer()).toString('utf8');
}

/** Every input row accounted for exactly once, by line number. */
export function lines(report: Report): number[] {
  return report.rows.map((r) => r.line).sort((a, b) => a - b);
}
