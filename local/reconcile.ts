/**
 * `npm run reconcile [-- --dry-run]`: starts a reconciliation on the running local stack (POST
 * /api/reconcile) and follows it to its report, like `npm run drop`; a reconciliation already
 * running is followed instead.
 * `npm run reconcile -- --approve <reconcileId> [--serial <serial> --kind <kind>]…`: approves
 * proposed actions of a finished reconciliation (all of them when none is named).
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { BlobServiceClient } from '@azure/storage-blob';
import { z } from 'zod';
import { CONTAINERS } from '../shared/storage/object-store';
import { STACK_FILE } from './stack-file';

const StackFile = z.object({ hostUrl: z.string().url(), connectionString: z.string().min(1) });
const Started = z.object({ reconcileId: z.string(), started: z.boolean() });
const Status = z.object({ runtimeStatus: z.string(), phase: z.string().optional(), findings: z.number().optional() }).passthrough();
const Approvals = z.object({
  approvals: z.array(z.object({ serialNumber: z.string(), kind: z.string(), outcome: z.string(), detail: z.string().optional() })),
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function call(url: string, init?: RequestInit): Promise<unknown> {
  const res = await fetch(url, init);
  const body: unknown = await res.json().catch(() => undefined);
  if (!res.ok) throw new Error(`${init?.method ?? 'GET'} ${new URL(url).pathname} answered ${res.status}: ${JSON.stringify(body)}`);
  return body;
}

async function follow(hostUrl: string, connectionString: string, reconcileId: string, timeoutMinutes: number): Promise<void> {
  const deadline = Date.now() + timeoutMinutes * 60_000;
  let shown = '';
  for (;;) {
    const status = Status.parse(await call(`${hostUrl}/api/reconcile/${reconcileId}`));
    const line = `  ${status.runtimeStatus} · ${status.phase ?? 'waiting'}${status.findings !== undefined ? ` · ${status.findings} examined` : ''}`;
    if (line !== shown) process.stdout.write(`${line}\n`);
    shown = line;
    if (status.runtimeStatus === 'Completed') break;
    if (status.runtimeStatus === 'Failed' || status.runtimeStatus === 'Terminated')
      throw new Error(`the reconciliation ended ${status.runtimeStatus}: ${JSON.stringify(status.output ?? '')}`);
    if (Date.now() > deadline)
      throw new Error(`the reconciliation did not finish in time; follow it with GET ${hostUrl}/api/reconcile/${reconcileId}`);
    await sleep(1000);
  }
  const reports = BlobServiceClient.fromConnectionString(connectionString).getContainerClient(CONTAINERS.reports);
  const summary = await reports.getBlockBlobClient(`${reconcileId}/summary.md`).downloadToBuffer();
  process.stdout.write(
    `\n${summary.toString('utf8')}\nReport: ${CONTAINERS.reports}/${reconcileId}/ (report.json, report.csv, summary.md)\n`,
  );
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'dry-run': { type: 'boolean' },
      approve: { type: 'string' },
      serial: { type: 'string', multiple: true },
      kind: { type: 'string', multiple: true },
      'timeout-minutes': { type: 'string' },
    },
  });
  if (!existsSync(STACK_FILE)) throw new Error('the local stack is not running: start it with `npm start` first');
  const stack = StackFile.parse(JSON.parse(readFileSync(STACK_FILE, 'utf8')));

  if (values.approve) {
    const serials = values.serial ?? [];
    const kinds = values.kind ?? [];
    if (serials.length !== kinds.length)
      throw new Error('name each action with both --serial and --kind (delete-and-reimport or retag-enrolled), or neither to approve all');
    const body = serials.length === 0 ? { all: true } : { actions: serials.map((serialNumber, i) => ({ serialNumber, kind: kinds[i] })) };
    const answer = Approvals.parse(
      await call(`${stack.hostUrl}/api/reconcile/${values.approve}/approve`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      }),
    );
    for (const a of answer.approvals)
      process.stdout.write(`${a.serialNumber}  ${a.kind}  ${a.outcome}${a.detail ? `  (${a.detail})` : ''}\n`);
    if (answer.approvals.length === 0) process.stdout.write(`${values.approve} proposed nothing to approve\n`);
    return;
  }

  const started = Started.parse(await call(`${stack.hostUrl}/api/reconcile${values['dry-run'] ? '?dryRun=true' : ''}`, { method: 'POST' }));
  process.stdout.write(
    started.started
      ? `Reconciliation ${started.reconcileId}${values['dry-run'] ? ' (dry run: report only)' : ''}\n`
      : `Reconciliation ${started.reconcileId} is already running; following it\n`,
  );
  await follow(stack.hostUrl, stack.connectionString, started.reconcileId, Number(values['timeout-minutes'] ?? '15'));
}

main().catch((error: unknown) => {
  process.stderr.write(`reconcile failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
