/**
 * Drive one run through the local stack: drop a blob, follow the orchestration through the host's
 * management API until it ends, and read the report the run wrote. While it waits it samples the
 * instance's history (events per generation: continueAsNew starts a new history, so the largest
 * one is only visible while it is current).
 */
import { BlobServiceClient } from '@azure/storage-blob';
import { parse } from 'csv-parse';
import { z } from 'zod';
import type { LocalStack } from '../../local/stack';
import { runIdFor } from '../../shared/run/run-id';
import { CONTAINERS } from '../../shared/storage/object-store';

export const ReportSchema = z.object({
  runId: z.string(),
  status: z.string(),
  fileRejected: z.string().optional(),
  counts: z.record(z.string(), z.number()),
  rows: z.array(
    z
      .object({
        line: z.number(),
        serialNumber: z.string().optional(),
        status: z.string(),
        code: z.string().optional(),
        device: z
          .object({
            result: z.string().optional(),
            failure: z.object({ stage: z.string(), code: z.string() }).passthrough().optional(),
            importStatus: z.string(),
            alreadyRegistered: z.boolean(),
          })
          .passthrough()
          .optional(),
      })
      .passthrough(),
  ),
});
export type Report = z.infer<typeof ReportSchema>;

const InstanceStatus = z
  .object({
    runtimeStatus: z.string(),
    input: z.unknown().optional(),
    output: z.unknown().optional(),
    customStatus: z.unknown().optional(),
    historyEvents: z.array(z.unknown()).optional(),
  })
  .passthrough();
export type InstanceStatus = z.infer<typeof InstanceStatus>;

const CleanupPhase = z.object({ phase: z.literal('cleanup') }).passthrough();
const ResumeInput = z.object({ resume: z.object({ generation: z.number() }).optional() }).passthrough();

export function blobService(stack: LocalStack): BlobServiceClient {
  return BlobServiceClient.fromConnectionString(stack.azurite.connectionString);
}

export async function dropBlob(stack: LocalStack, name: string, body: string | Buffer): Promise<{ runId: string; droppedAt: number }> {
  const container = blobService(stack).getContainerClient(CONTAINERS.intake);
  await container.createIfNotExists();
  const droppedAt = Date.now();
  const res = await container.getBlockBlobClient(name).uploadData(Buffer.from(body));
  if (!res.etag) throw new Error(`upload of ${name} returned no ETag`);
  return { runId: runIdFor(CONTAINERS.intake, name, res.etag), droppedAt };
}

export async function instanceStatus(hostUrl: string, runId: string, history: boolean): Promise<InstanceStatus | undefined> {
  const query = history ? '?showHistory=true&showInput=true' : '?showInput=true';
  let res: Response;
  try {
    res = await fetch(`${hostUrl}/runtime/webhooks/durabletask/instances/${encodeURIComponent(runId)}${query}`);
  } catch {
    return undefined; // the host is down (a crash test) or restarting
  }
  if (res.status !== 200 && res.status !== 202) {
    await res.body?.cancel();
    return undefined;
  }
  return InstanceStatus.parse(await res.json());
}

export interface RunWatch {
  status: InstanceStatus;
  /** Wall time from the drop to the orchestration's completion as seen by polling (≤ poll interval late). */
  elapsedMs: number;
  /**
   * Wall time from the drop to the report: the run enters its cleanup phase (deleting its import
   * records) only once the report is written. Equals elapsedMs for a run without cleanup.
   */
  reportedMs: number;
  /** Most history events seen in any one generation (management API's historyEvents). */
  maxHistoryEvents: number;
  /** Highest continueAsNew generation seen (0 = never continued). */
  generations: number;
  /** The orchestration completed (false when `untilReport` returned at the report). */
  completed: boolean;
}

export interface WaitOptions {
  timeoutMs?: number;
  pollMs?: number;
  /** Also sample the history every this many ms (0 = never). */
  historyEveryMs?: number;
  /** The current host URL (it changes only if the stack restarts the host on another port). */
  hostUrl?: () => string;
  /**
   * Return once the report is written (the run enters its cleanup phase, or completes), without
   * waiting for the import records to be deleted: what drop → report measures.
   */
  untilReport?: boolean;
}

export async function waitForRun(stack: LocalStack, runId: string, droppedAt: number, options: WaitOptions = {}): Promise<RunWatch> {
  const timeoutMs = options.timeoutMs ?? 180_000;
  const pollMs = options.pollMs ?? 100;
  const historyEvery = options.historyEveryMs ?? 0;
  const url = options.hostUrl ?? (() => stack.hostUrl);
  const deadline = Date.now() + timeoutMs;
  let maxHistoryEvents = 0;
  let generations = 0;
  let lastHistoryAt = 0;
  let last: InstanceStatus | undefined;
  let reportedMs: number | undefined;
  for (;;) {
    const sampleHistory = historyEvery > 0 && Date.now() - lastHistoryAt >= historyEvery;
    const status = await instanceStatus(url(), runId, sampleHistory);
    if (status) {
      last = status;
      if (sampleHistory) {
        lastHistoryAt = Date.now();
        maxHistoryEvents = Math.max(maxHistoryEvents, status.historyEvents?.length ?? 0);
      }
      const resume = ResumeInput.safeParse(status.input);
      if (resume.success && resume.data.resume) generations = Math.max(generations, resume.data.resume.generation);
      if (reportedMs === undefined && CleanupPhase.safeParse(status.customStatus).success) {
        reportedMs = Date.now() - droppedAt;
        if (options.untilReport) return { status, elapsedMs: reportedMs, reportedMs, maxHistoryEvents, generations, completed: false };
      }
      if (status.runtimeStatus === 'Completed') {
        const elapsedMs = Date.now() - droppedAt;
        reportedMs ??= elapsedMs;
        if (historyEvery > 0) {
          const final = await instanceStatus(url(), runId, true);
          maxHistoryEvents = Math.max(maxHistoryEvents, final?.historyEvents?.length ?? 0);
        }
        return { status, elapsedMs, reportedMs, maxHistoryEvents, generations, completed: true };
      }
      if (status.runtimeStatus === 'Failed' || status.runtimeStatus === 'Terminated') {
        throw new Error(`run ${runId} ended ${status.runtimeStatus}: ${JSON.stringify(status.output)}\n${stack.hostLog().slice(-3000)}`);
      }
    }
    if (Date.now() > deadline) {
      throw new Error(
        `run ${runId} not finished after ${timeoutMs} ms (last status ${JSON.stringify(last?.runtimeStatus)})\n${stack.hostLog().slice(-3000)}`,
      );
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

export async function readBlobText(stack: LocalStack, container: string, name: string): Promise<string | undefined> {
  const blob = blobService(stack).getContainerClient(container).getBlockBlobClient(name);
  if (!(await blob.exists())) return undefined;
  return (await blob.downloadToBuffer()).toString('utf8');
}

export async function readReport(stack: LocalStack, runId: string): Promise<Report> {
  const text = await readBlobText(stack, CONTAINERS.reports, `${runId}/report.json`);
  if (text === undefined) throw new Error(`run ${runId} wrote no report.json`);
  return ReportSchema.parse(JSON.parse(text));
}

/**
 * Rows of the run's report.csv by their `result` column, read as a stream: a 100,000-device
 * report.json is ~150 MB, too much to parse whole in the bench just to count.
 */
export async function reportResults(stack: LocalStack, runId: string): Promise<Map<string, number>> {
  const blob = blobService(stack).getContainerClient(CONTAINERS.reports).getBlockBlobClient(`${runId}/report.csv`);
  const body = (await blob.download()).readableStreamBody;
  if (!body) throw new Error(`run ${runId} wrote no report.csv`);
  const results = new Map<string, number>();
  const records = body.pipe(parse({ bom: true, columns: true, relax_column_count: false })) as AsyncIterable<Record<string, string>>;
  for await (const record of records) {
    const result = record.result ?? '(none)';
    results.set(result, (results.get(result) ?? 0) + 1);
  }
  return results;
}

export async function listBlobs(stack: LocalStack, container: string): Promise<string[]> {
  const client = blobService(stack).getContainerClient(container);
  if (!(await client.exists())) return [];
  const names: string[] = [];
  for await (const b of client.listBlobsFlat()) names.push(b.name);
  return names;
}
