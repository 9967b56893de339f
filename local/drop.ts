/**
 * `npm run drop -- <file.csv> [--name <blob name>]`: uploads a CSV into autopilot-intake on the
 * running local stack (as an OEM or partner drop would), then follows its run to the report.
 */
import { readFileSync, existsSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { BlobServiceClient } from '@azure/storage-blob';
import { z } from 'zod';
import { runIdFor } from '../shared/run/run-id';
import { CONTAINERS } from '../shared/storage/object-store';
import { STACK_FILE } from './stack-file';

const StackFile = z.object({ hostUrl: z.string().url(), connectionString: z.string().min(1) });
const RunStatus = z
  .object({
    runtimeStatus: z.string().optional(),
    phase: z.string().optional(),
    note: z.string().optional(),
    counts: z.record(z.string(), z.number()).optional(),
  })
  .passthrough();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { name: { type: 'string' }, 'timeout-minutes': { type: 'string' } },
  });
  const file = positionals[0];
  if (!file) throw new Error('usage: npm run drop -- <file.csv> [--name <blob name>] [--timeout-minutes <n>]');
  if (!existsSync(file)) throw new Error(`no such file: ${file}`);
  if (!existsSync(STACK_FILE)) throw new Error('the local stack is not running: start it with `npm start` first');
  const stack = StackFile.parse(JSON.parse(readFileSync(STACK_FILE, 'utf8')));
  const name = values.name ?? `drops/${new Date().toISOString().replace(/[:.]/g, '-')}-${basename(file)}`;
  const service = BlobServiceClient.fromConnectionString(stack.connectionString);
  const container = service.getContainerClient(CONTAINERS.intake);
  await container.createIfNotExists();
  const upload = await container
    .getBlockBlobClient(name)
    .uploadData(readFileSync(file), { blobHTTPHeaders: { blobContentType: 'text/csv' } });
  const runId = runIdFor(CONTAINERS.intake, name, upload.etag ?? '');
  process.stdout.write(`Dropped ${file} as ${CONTAINERS.intake}/${name}\nRun ${runId}\n`);

  const deadline = Date.now() + Number(values['timeout-minutes'] ?? '15') * 60_000;
  let shown = '';
  for (;;) {
    const res = await fetch(`${stack.hostUrl}/api/runs/${runId}`);
    if (res.status === 200) {
      const status = RunStatus.parse(await res.json());
      const c = status.counts ?? {};
      const line = `  ${status.runtimeStatus ?? '?'} · ${status.phase ?? 'waiting'} · rows ${c.rows ?? 0} · valid ${c.valid ?? 0} · imported ${c.imported ?? 0} · registered ${c.registered ?? 0} · in group ${c.inGroup ?? 0} · profile ${c.profileAssigned ?? 0} · ESP ${c.espConfirmed ?? 0} · confirmed ${c.confirmed ?? 0} · failed ${c.failed ?? 0}${status.note ? ` · ${status.note}` : ''}`;
      if (line !== shown) process.stdout.write(`${line}\n`);
      shown = line;
      // The report is written before the cleanup phase (deleting the run's import records) starts.
      if (status.runtimeStatus === 'Completed' || status.phase === 'cleanup') break;
      if (status.runtimeStatus === 'Failed' || status.runtimeStatus === 'Terminated')
        throw new Error(`the run ended ${status.runtimeStatus}`);
    } else if (res.status !== 404) {
      throw new Error(`GET /api/runs/${runId} answered ${res.status}`);
    }
    if (Date.now() > deadline) throw new Error('the run did not finish in time; follow it with GET /api/runs/' + runId);
    await sleep(1000);
  }
  const reports = service.getContainerClient(CONTAINERS.reports);
  const summary = await reports.getBlockBlobClient(`${runId}/summary.md`).downloadToBuffer();
  process.stdout.write(`\n${summary.toString('utf8')}\nReport: ${CONTAINERS.reports}/${runId}/ (report.json, report.csv, summary.md)\n`);
  if (shown.includes('· cleanup ·') && !shown.startsWith('  Completed')) {
    process.stdout.write(`The run goes on deleting its import records; follow it with GET ${stack.hostUrl}/api/runs/${runId}\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`drop failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
