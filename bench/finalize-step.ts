/**
 * The report step alone at scale (issue 16): `runFinalizeStep` and then `runLedgerStep` — the activities' own code — over a
 * synthetic finished run of N confirmed devices kept in Azurite (blob state, Table ledger), as the
 * local stack runs it, without the import and confirm phases in front. Prints where the step spends
 * its time (its own log line) and the process's peak RSS during the step, per size, each size in a
 * fresh child process so one size's garbage cannot hide the next one's peak.
 * Run: npx tsx bench/finalize-step.ts [--devices 10000,50000,100000] [--chunk 500]
 */
import { spawnSync } from 'node:child_process';
import { z } from 'zod';
import { startAzurite } from '../local/azurite';
import type { FinalizeInput } from '../shared/contracts';
import { TableLedger, tableClientFor } from '../shared/ledger/table-ledger';
import { runFinalizeStep } from '../shared/run/finalize-step';
import { runLedgerStep } from '../shared/run/ledger-step';
import type { ChunkState, DeviceState, RowRecord, RunManifest } from '../shared/run/model';
import { ROWS_PER_PART, RunStore } from '../shared/run/run-store';
import { BlobObjectStore, blobServiceFor } from '../shared/storage/blob-store';
import { CONTAINERS } from '../shared/storage/object-store';
import { benchArgs, fmt, machine, table } from './support/args';
import { sampleSelf } from './support/proc';

const USAGE = 'usage: npx tsx bench/finalize-step.ts [--devices 10000,50000,100000] [--chunk 500]';
const args = benchArgs(
  {
    devices: z
      .string()
      .regex(/^\d+(,\d+)*$/)
      .default('10000,50000,100000'),
    chunk: z.coerce.number().int().min(1).max(500).default(500),
    // Internal: one size, run in this process (the parent spawns one child per size).
    child: z.coerce.number().int().min(1).optional(),
  },
  USAGE,
);

const AT = '2026-12-07T12:00:00.000Z';
const EXPECTED = { groupIds: ['00000000-0000-0000-0000-0000000000aa'], profileId: 'profile-1', espId: 'esp-1' };

function deviceOf(line: number, serial: string): DeviceState {
  return {
    line,
    serialNumber: serial,
    hashDigest: `${line.toString(16).padStart(8, '0')}${'ab'.repeat(28)}`,
    recordId: `${line.toString(16).padStart(8, '0')}-0000-4000-8000-000000000000`,
    importStatus: 'complete',
    recordDeleted: false,
    alreadyRegistered: false,
    ztdId: `${line.toString(16).padStart(8, '0')}-1111-4000-8000-000000000000`,
    aadDeviceId: `${line.toString(16).padStart(8, '0')}-2222-4000-8000-000000000000`,
    profileStatus: 'assigned',
    profileId: EXPECTED.profileId,
    espId: EXPECTED.espId,
    groupIds: EXPECTED.groupIds,
    stage: 'done',
    result: 'confirmed',
    at: { importSent: AT, imported: AT, registered: AT, inGroup: AT, profileAssigned: AT, espConfirmed: AT, finished: AT },
  };
}

/** A finished run of `devices` confirmed devices, written as the parse, import and confirm steps leave it. */
async function seedRun(runs: RunStore, objects: BlobObjectStore, runId: string, devices: number, chunk: number): Promise<RunManifest> {
  const source = { container: CONTAINERS.intake, name: `bench/finalize-${devices}.csv`, etag: '' };
  // The source blob, so the step archives it as it would (a small stand-in: its size is not what is measured).
  await objects.put(CONTAINERS.intake, source.name, 'Device Serial Number,Windows Product ID,Hardware Hash\n', 'text/csv');
  source.etag = (await objects.etagOf(CONTAINERS.intake, source.name)) ?? '';
  const serial = (line: number) => `FIN${String(line).padStart(7, '0')}`;
  let rowParts = 0;
  for (let first = 2; first < devices + 2; first += ROWS_PER_PART) {
    const rows: RowRecord[] = [];
    for (let line = first; line < Math.min(first + ROWS_PER_PART, devices + 2); line++)
      rows.push({ line, status: 'valid', serialNumber: serial(line), warnings: [], manufacturer: 'Contoso', model: 'Bench 1' });
    await runs.writeRowPart(runId, rowParts++, rows);
  }
  let chunkCount = 0;
  for (let first = 2; first < devices + 2; first += chunk) {
    const list: DeviceState[] = [];
    for (let line = first; line < Math.min(first + chunk, devices + 2); line++) list.push(deviceOf(line, serial(line)));
    const state: ChunkState = { index: chunkCount, importId: `${runId}-c${chunkCount}`, status: 'sent', attempts: 1, devices: list };
    await runs.writeChunkState(runId, state);
    chunkCount++;
  }
  const zero = { imported: 0, importFailed: 0, registered: 0, inGroup: 0, profileAssigned: 0, espConfirmed: 0, confirmed: 0, failed: 0 };
  const manifest: RunManifest = {
    runId,
    source,
    parsedAt: AT,
    format: 'intune',
    encoding: 'utf-8',
    warnings: [],
    chunkCount,
    rowParts,
    counts: { rows: devices, valid: devices, rejectedRows: 0, duplicateRows: 0, pending: devices, ...zero },
  };
  await runs.writeManifest(manifest);
  return manifest;
}

async function child(devices: number): Promise<void> {
  const azurite = await startAzurite();
  try {
    const objects = new BlobObjectStore(blobServiceFor({ kind: 'connection-string', connectionString: azurite.connectionString }));
    const runs = new RunStore(objects);
    const ledger = new TableLedger(tableClientFor({ kind: 'connection-string', connectionString: azurite.connectionString }));
    const runId = `intake-bench-finalize-${devices}`;
    const manifest = await seedRun(runs, objects, runId, devices, args.chunk);
    global.gc?.();
    const lines: string[] = [];
    const input: FinalizeInput = { runId, source: manifest.source, now: AT };
    const memory = sampleSelf();
    const started = Date.now();
    const outcome = await runFinalizeStep({ objects, runs, ledger, log: (m) => lines.push(m) }, input);
    const elapsedMs = Date.now() - started;
    await runLedgerStep(
      { runs, ledger, log: (m) => lines.push(m) },
      { runId, archivedAs: outcome.archivedAs, expected: EXPECTED, now: AT },
    );
    const mem = memory.stop();
    const report = await objects.etagOf(CONTAINERS.reports, `${runId}/report.csv`);
    if (outcome.counts.confirmed !== devices || report === undefined)
      throw new Error(`finalize of ${devices} devices did not report them all`);
    const timing = lines
      .filter((l) => l.includes('finalize took') || l.includes('ledger took'))
      .map((l) => l.replace(/^run \S+: /, ''))
      .join('; then the ');
    console.log(JSON.stringify({ devices, elapsedMs, ...mem, timing }));
  } finally {
    await azurite.stop();
  }
}

async function main(): Promise<void> {
  if (args.child) return child(args.child);
  console.log(`finalize-step: ${machine()}; ${new Date().toISOString()}; chunk ${args.chunk}, Azurite blob + table`);
  const rows: string[][] = [['Devices', 'Report step', 'Peak RSS (both steps)', 'RSS before', 'Where the time went']];
  for (const devices of args.devices.split(',').map(Number)) {
    const out = spawnSync(
      process.execPath,
      [...process.execArgv, '--expose-gc', process.argv[1]!, '--child', String(devices), '--chunk', String(args.chunk)],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const line = out.stdout.trim().split('\n').at(-1) ?? '';
    if (out.status !== 0 || !line.startsWith('{')) throw new Error(`size ${devices} failed: ${out.stdout}`);
    const r = z
      .object({ devices: z.number(), elapsedMs: z.number(), peakRssMb: z.number(), startRssMb: z.number(), timing: z.string() })
      .parse(JSON.parse(line));
    rows.push([fmt.n(r.devices), fmt.s(r.elapsedMs), `${fmt.n(r.peakRssMb)} MB`, `${fmt.n(r.startRssMb)} MB`, r.timing]);
    console.log(table(rows));
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
