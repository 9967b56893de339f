/**
 * Reconciliation (issue 13): "a reconciliation over a 20,000-device tenant with 10,000 ledger
 * devices: round trips, operations, wall time and peak memory (target: under 0.02 round trips per
 * device, under 60 s at time scale 0, memory flat in tenant size)".
 *
 * Per tenant size, a FRESH local stack (Azurite + Graph emulator at time scale 0, throttling off +
 * the local host running dist/):
 *   1. the tenant is seeded with (tenant − ledger) foreign registrations (serials SEED…, never
 *      imported by the app);
 *   2. the ledger comes from a real intake run: a `--ledger`-device CSV (serials OURS…, group tag
 *      "Sales") is dropped and followed to its report, so the tenant then holds `--tenant`
 *      registrations;
 *   3. the deployment's first reconciliation runs (`--initial 1`, the default): it backfills the
 *      ledger from the intake reports once (shared/reconcile/backfill.ts, kept to once by a marker)
 *      and finds no drift yet; measured too, as its own column;
 *   4. drifts are injected through the emulator's /_emulator/drift/* API (group tags changed by
 *      hand, profiles pinned pending or failed, Entra devices deleted, [ZTDID] removed, duplicates,
 *      our own leftover import records and other tools' import records);
 *   5. the host is restarted (`--restart 1`, the default: a fresh host process, so the intake's
 *      garbage neither inflates nor hides the reconciliation's peak) and left to settle 5 s;
 *   6. THE measured reconciliation (the daily case: drifts to find and repair) is started with
 *      POST /api/reconcile and followed with GET /api/reconcile/{id} to its report;
 *   7. a second one right after (`--second 1`, the default): nothing left to repair.
 * Printed per size and reconciliation: Graph round trips and operations of that reconciliation alone
 * (the emulator's request log from its start to its end, split read / write), round trips per tenant
 * registration and per ledger device, wall time (POST → Completed, and when each phase was first
 * seen), the host's RSS before and its peak during it (VmRSS sampled every 100 ms, and VmHWM), the
 * classes found and the repair's counts; then operations by kind, and the figures against tenant size.
 * Run: npm run build && npx tsx bench/reconcile.ts [--tenants 20000,40000] [--ledger 10000]
 *      [--tags 50] [--pending 20] [--records 300] [--initial 1] [--restart 1] [--second 1] [--probe 0] [--host-log file]
 */
import { appendFileSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import type { LogEntry } from '../local/graph-emulator';
import { benchArgs, fmt, machine, table } from './support/args';
import { deviceCsv, serialsFor } from './support/csv';
import { procMemory } from './support/proc';
import { dropBlob, readReport, waitForRun } from './support/run';
import { startBenchStack, type BenchStack } from './support/stack';
import { lastSeq, logEntries, summarize, type Traffic } from './support/traffic';

const USAGE =
  'usage: npx tsx bench/reconcile.ts [--tenants 20000,40000] [--ledger 10000] [--tags 50] [--pending 20] [--records 300] [--initial 1] [--restart 1] [--second 1] [--probe 0] [--host-log file]';
const count = z.coerce.number().int().min(0);
const args = benchArgs(
  {
    tenants: z
      .string()
      .default('20000,40000')
      .transform((s) => s.split(',').map((n) => Number(n.trim())))
      .pipe(z.array(z.number().int().min(1)).min(1)),
    ledger: z.coerce.number().int().min(100).default(10_000),
    /** Group tags changed by hand on our devices not yet enrolled (auto: the tag is restored). */
    tags: count.default(50),
    /** Profiles pinned `pending` on our devices (stuck: the sync is asked for). */
    pending: count.default(20),
    /** Other tools' import records (read, never touched). */
    records: count.default(300),
    /** 1: a reconciliation before the drifts (the deployment's first: it backfills the ledger from the reports). */
    initial: z.coerce.number().int().min(0).max(1).default(1),
    /** 1: restart the host between the intake and the reconciliation. */
    restart: z.coerce.number().int().min(0).max(1).default(1),
    /** 1: preload bench/support/memory-probe.mjs into the host and report its live heap (heapUsed after major GCs). */
    probe: z.coerce.number().int().min(0).max(1).default(0),
    /** 1: a second reconciliation right after the first, on the same host (no backfill, nothing left to repair). */
    second: z.coerce.number().int().min(0).max(1).default(1),
    'host-log': z.string().optional(),
  },
  USAGE,
);

/** The smaller drifts, fixed: each class the issue names shows up at least a few times. */
const FIXED = { enrolledTags: 5, failedProfiles: 10, entraDeleted: 5, ztdidRemoved: 5, duplicates: 5, ownLeftovers: 10 } as const;
const GROUP_TAG = 'Sales';

const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join('/');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function drift(stack: BenchStack, name: string, body: unknown): Promise<unknown> {
  const res = await fetch(`${stack.emulator.url}/_emulator/drift/${name}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status !== 200) throw new Error(`drift ${name}: ${res.status} ${await res.text()}`);
  return res.json();
}

interface Injected {
  /** Findings the report should show, per class. */
  expected: Record<string, number>;
  /** Writes the repair should make: tags restored + our settled leftover records deleted (+ at most one sync). */
  expectedWrites: number;
}

/** Drifts on disjoint slices of our serials, in the order classify.ts checks them. */
async function injectDrifts(stack: BenchStack, ours: string[], runId: string): Promise<Injected> {
  let next = 0;
  const take = (n: number) => {
    const slice = ours.slice(next, next + n);
    next += n;
    if (slice.length < n) throw new Error(`--ledger ${args.ledger} is too small for the drifts`);
    return slice;
  };
  for (const s of take(args.tags)) await drift(stack, 'group-tag', { serialNumber: s, groupTag: 'Hand-Changed' });
  for (const s of take(FIXED.enrolledTags)) {
    await drift(stack, 'enrollment-state', { serialNumber: s, enrollmentState: 'enrolled' });
    await drift(stack, 'group-tag', { serialNumber: s, groupTag: 'Moved' });
  }
  for (const s of take(args.pending)) await drift(stack, 'profile-status', { serialNumber: s, status: 'pending' });
  for (const s of take(FIXED.failedProfiles))
    await drift(stack, 'profile-status', { serialNumber: s, status: 'failed', detailedStatus: 'hardwareRequirementsNotMet' });
  for (const s of take(FIXED.entraDeleted)) await drift(stack, 'delete-entra-device', { serialNumber: s });
  for (const s of take(FIXED.ztdidRemoved)) await drift(stack, 'remove-ztdid', { serialNumber: s });
  for (const s of take(FIXED.duplicates)) await drift(stack, 'duplicate-registration', { serialNumber: s });
  // Our own leftover records (a cleanup that never ran), settled: the repair deletes them.
  const own = take(FIXED.ownLeftovers).map((serialNumber) => ({ serialNumber, importId: `${runId}-c0`, status: 'complete' }));
  // Other tools' records, on foreign and made-up serials, in every state: read, never touched.
  const tools = ['WindowsAutopilotIntune', 'Kieselbach-2026-11', 'OEM-Portal-Upload'];
  const states = ['complete', 'error', 'pending', 'unknown'] as const;
  const others = Array.from({ length: args.records }, (_, i) => {
    const status = states[i % states.length]!;
    return {
      serialNumber: i % 2 === 0 ? `OTHER${String(i).padStart(5, '0')}` : `SEED${String(i + 1).padStart(5, '0')}`,
      importId: tools[i % tools.length]!,
      status,
      ...(status === 'error' ? { errorCode: 806 } : {}),
    };
  });
  await drift(stack, 'import-records', { records: [...own, ...others] });
  const expected: Record<string, number> = {
    'group-tag-drift': args.tags + FIXED.enrolledTags,
    'profile-stuck': args.pending,
    'profile-failed': FIXED.failedProfiles,
    'entra-device-deleted': FIXED.entraDeleted,
    'ztdid-mismatch': FIXED.ztdidRemoved,
    'duplicate-registration': FIXED.duplicates,
    'leftover-import-record': FIXED.ownLeftovers,
    'in-order': args.ledger - next + FIXED.ownLeftovers,
  };
  return { expected, expectedWrites: args.tags + FIXED.ownLeftovers };
}

const StartAnswer = z.object({ reconcileId: z.string(), started: z.boolean() });
const StatusAnswer = z.object({ runtimeStatus: z.string(), phase: z.string().optional(), output: z.unknown().optional() }).passthrough();
const Header = z
  .object({
    byClass: z.record(z.string(), z.number()),
    examined: z.number(),
    pages: z.number(),
    repair: z.object({ done: z.number(), notNeeded: z.number(), skipped: z.number(), failed: z.number(), writes: z.number() }).optional(),
    sync: z.object({ status: z.string() }).passthrough().optional(),
    stopped: z.unknown().optional(),
  })
  .passthrough();

interface PhaseMark {
  phase: string;
  /** Since the POST. */
  atMs: number;
  /** Epoch ms. */
  at: number;
}

/** POST /api/reconcile, then GET its status every 200 ms to Completed; marks when each phase is first seen. */
async function reconcile(
  stack: BenchStack,
): Promise<{ reconcileId: string; wallMs: number; marks: PhaseMark[]; header: z.infer<typeof Header> }> {
  const t0 = Date.now();
  const res = await fetch(`${stack.hostUrl}/api/reconcile`, { method: 'POST' });
  if (res.status !== 202) throw new Error(`POST /api/reconcile answered ${res.status}: ${await res.text()}`);
  const { reconcileId } = StartAnswer.parse(await res.json());
  const marks: PhaseMark[] = [];
  const deadline = t0 + 20 * 60_000;
  for (;;) {
    const r = await fetch(`${stack.hostUrl}/api/reconcile/${reconcileId}`);
    const body = r.status === 200 ? StatusAnswer.parse(await r.json()) : undefined;
    if (!body) await r.body?.cancel();
    const phase = body?.runtimeStatus === 'Completed' ? 'done' : body?.phase;
    if (phase && marks.at(-1)?.phase !== phase) marks.push({ phase, atMs: Date.now() - t0, at: Date.now() });
    if (body?.runtimeStatus === 'Completed') return { reconcileId, wallMs: Date.now() - t0, marks, header: Header.parse(body) };
    if (body?.runtimeStatus === 'Failed' || body?.runtimeStatus === 'Terminated')
      throw new Error(`${reconcileId} ended ${body.runtimeStatus}: ${JSON.stringify(body.output)}\n${stack.hostLog().slice(-3000)}`);
    if (Date.now() > deadline)
      throw new Error(`${reconcileId} not done after 20 minutes: ${JSON.stringify(body)}\n${stack.hostLog().slice(-3000)}`);
    await sleep(200);
  }
}

/** Round trips and operations, each split read / write ($batch round trips: by whether they carry a write). */
interface Split {
  traffic: Traffic;
  readRoundTrips: number;
  writeRoundTrips: number;
  batchRoundTrips: number;
  readOps: number;
  writeOps: number;
  /** Time the emulator took to handle the operations, summed (its durationMs, JSON serialization not included): the stand-in's share of the wall time. */
  serveMs: number;
}

function split(entries: LogEntry[]): Split {
  const writeBatches = new Set(entries.filter((e) => e.inBatch && e.method !== 'GET' && e.batchRequestId).map((e) => e.batchRequestId!));
  let readRoundTrips = 0;
  let writeRoundTrips = 0;
  let batchRoundTrips = 0;
  let readOps = 0;
  let writeOps = 0;
  let serveMs = 0;
  for (const e of entries) {
    if (!e.batch) serveMs += e.durationMs; // a $batch envelope logs 0; its inner requests their own
    if (e.batch) {
      batchRoundTrips++;
      if (writeBatches.has(e.requestId)) writeRoundTrips++;
      else readRoundTrips++;
      continue;
    }
    if (e.method === 'GET') readOps++;
    else writeOps++;
    if (e.inBatch) continue;
    if (e.method === 'GET') readRoundTrips++;
    else writeRoundTrips++;
  }
  return { traffic: summarize(entries), readRoundTrips, writeRoundTrips, batchRoundTrips, readOps, writeOps, serveMs };
}

/** One reconciliation, measured. */
interface RunFigures {
  wallMs: number;
  marks: PhaseMark[];
  all: Split;
  rssBeforeMb: number;
  peakRssMb: number;
  hwmMb: number;
  liveHeapMb?: number;
  /** Most sampled VmRSS (and, with --probe 1, live heap) per phase. */
  phasePeaks: Map<string, { rssMb: number; liveHeapMb?: number; heapTotalMb?: number; externalMb?: number }>;
  header: z.infer<typeof Header>;
  load: string;
}

interface Sample {
  at: number;
  mb: number;
}

/** VmRSS of a process every `everyMs`, with the time of each sample (to split the peak by phase). */
function traceMemory(pid: () => number | undefined, everyMs = 100): { stop(): { samples: Sample[]; hwmMb: number } } {
  const samples: Sample[] = [];
  let hwmMb = 0;
  const tick = () => {
    const p = pid();
    const m = p === undefined ? undefined : procMemory(p);
    if (!m) return;
    if (Number.isFinite(m.rssMb)) samples.push({ at: Date.now(), mb: m.rssMb });
    if (Number.isFinite(m.hwmMb)) hwmMb = Math.max(hwmMb, m.hwmMb);
  };
  tick();
  const timer = setInterval(tick, everyMs);
  return {
    stop() {
      tick();
      clearInterval(timer);
      return { samples, hwmMb };
    },
  };
}

/** The phase a moment belongs to: the last one first seen at or before it (the first before any was seen). */
function phaseAt(marks: PhaseMark[], at: number): string {
  let phase = marks[0]?.phase ?? 'survey';
  for (const m of marks) if (m.at <= at) phase = m.phase;
  return phase;
}

function peaksByPhase(marks: PhaseMark[], samples: Sample[]): Map<string, number> {
  const peaks = new Map<string, number>();
  for (const s of samples) {
    const phase = phaseAt(marks, s.at);
    peaks.set(phase, Math.max(peaks.get(phase) ?? 0, s.mb));
  }
  return peaks;
}

interface SizeFigures {
  tenant: number;
  registrations: number;
  intakeMs: number;
  /** The deployment's first reconciliation, before the drifts (backfill from the reports). */
  initial?: RunFigures;
  /** With the drifts: the measured one. */
  first: RunFigures;
  /** The same right after (the backfill marker set, the repairs done). */
  second?: RunFigures;
  injected: Injected;
}

const nodeOptions = args.probe ? `--import ${join(__dirname, 'support', 'memory-probe.mjs')}` : undefined;

async function measure(tenant: number): Promise<SizeFigures> {
  const foreign = tenant - args.ledger;
  if (foreign < 1) throw new Error(`tenant ${tenant} must be larger than the ledger (${args.ledger})`);
  let measuring = false;
  let liveHeap: Sample[] = [];
  let heapTotal: Sample[] = [];
  let external: Sample[] = [];
  const onHostLine = (line: string) => {
    const probe = /^memprobe(-gc)? .*heapUsed=([\d.]+) heapTotal=([\d.]+) external=([\d.]+)/.exec(line);
    if (probe && measuring) {
      const at = Date.now();
      if (probe[1]) liveHeap.push({ at, mb: Number(probe[2]) });
      heapTotal.push({ at, mb: Number(probe[3]) });
      external.push({ at, mb: Number(probe[4]) });
    }
    if (args['host-log']) appendFileSync(args['host-log'], `${Date.now()} [${tenant}] ${line}\n`);
  };
  const started = Date.now();
  const stack = await startBenchStack({
    tenantDevices: foreign,
    appSettings: {
      RECONCILE_ENABLED: 'false', // no scheduled one; this bench starts its own
      RECONCILE_STUCK_MINUTES: '0.05', // a profile pending for over 3 s is stuck (the pins are older than that)
      ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}),
    },
    ...(args.probe || args['host-log'] ? { onHostLine } : {}),
  });
  const interrupt = () => void stack.dispose().finally(() => process.exit(130));
  process.once('SIGINT', interrupt).once('SIGTERM', interrupt);
  try {
    console.log(`[${fmt.n(tenant)}] stack up in ${fmt.s(Date.now() - started)} (${fmt.n(foreign)} foreign registrations seeded)`);
    // The ledger, from a real intake run.
    const ours = serialsFor('OURS', args.ledger);
    const { runId, droppedAt } = await dropBlob(stack, `bench/reconcile-ledger-${args.ledger}.csv`, deviceCsv(ours, GROUP_TAG));
    const watch = await waitForRun(stack, runId, droppedAt, { timeoutMs: 30 * 60_000, pollMs: 250 });
    const report = await readReport(stack, runId);
    const confirmed = report.rows.filter((r) => r.device?.result === 'confirmed').length;
    console.log(
      `[${fmt.n(tenant)}] intake of ${fmt.n(args.ledger)}: ${fmt.n(confirmed)} confirmed, drop → completed ${fmt.s(watch.elapsedMs)}`,
    );
    if (confirmed !== args.ledger)
      throw new Error(`the intake confirmed ${confirmed} of ${args.ledger}: the ledger would not be what the bench says`);

    const once = async (): Promise<RunFigures> => {
      const pid = () => stack.host.child.pid;
      const before = procMemory(pid() ?? -1);
      const since = lastSeq(stack.emulator);
      const memory = traceMemory(pid, 100);
      liveHeap = [];
      heapTotal = [];
      external = [];
      measuring = true;
      const run = await reconcile(stack);
      const trace = memory.stop();
      measuring = false;
      const rssPeaks = peaksByPhase(run.marks, trace.samples);
      const heapPeaks = peaksByPhase(run.marks, liveHeap);
      const totalPeaks = peaksByPhase(run.marks, heapTotal);
      const externalPeaks = peaksByPhase(run.marks, external);
      const phasePeaks = new Map(
        [...rssPeaks].map(([phase, rssMb]) => [
          phase,
          {
            rssMb,
            ...(args.probe
              ? {
                  liveHeapMb: heapPeaks.get(phase) ?? NaN,
                  heapTotalMb: totalPeaks.get(phase) ?? NaN,
                  externalMb: externalPeaks.get(phase) ?? NaN,
                }
              : {}),
          },
        ]),
      );
      const window = logEntries(stack.emulator, since).filter((e) => !e.path.startsWith('/_emulator'));
      return {
        wallMs: run.wallMs,
        marks: run.marks,
        all: split(window),
        rssBeforeMb: before?.rssMb ?? NaN,
        peakRssMb: Math.max(...trace.samples.map((x) => x.mb)),
        hwmMb: trace.hwmMb,
        ...(args.probe ? { liveHeapMb: Math.max(0, ...liveHeap.map((x) => x.mb)) } : {}),
        phasePeaks,
        header: run.header,
        load: load(),
      };
    };
    const initial = args.initial ? await once() : undefined;
    if (initial)
      console.log(
        `[${fmt.n(tenant)}] first reconciliation of the deployment (backfill, no drift yet): ${fmt.s(initial.wallMs)}, ${fmt.n(initial.all.traffic.roundTrips)} round trips`,
      );
    const injected = await injectDrifts(stack, ours, runId);
    if (args.restart) {
      await stack.killHost();
      await stack.startHost();
    }
    await sleep(5_000); // function indexing, first listener polls; and the pinned pendings age past RECONCILE_STUCK_MINUTES
    const first = await once();
    console.log(
      `[${fmt.n(tenant)}] reconciliation with drifts: ${fmt.s(first.wallMs)}, ${fmt.n(first.all.traffic.roundTrips)} round trips, peak RSS ${fmt.n(first.peakRssMb)} MB`,
    );
    const second = args.second ? await once() : undefined;
    if (second)
      console.log(
        `[${fmt.n(tenant)}] second reconciliation: ${fmt.s(second.wallMs)}, ${fmt.n(second.all.traffic.roundTrips)} round trips, peak RSS ${fmt.n(second.peakRssMb)} MB`,
      );
    return {
      tenant,
      registrations: tenant + FIXED.duplicates,
      intakeMs: watch.elapsedMs,
      ...(initial ? { initial } : {}),
      first,
      ...(second ? { second } : {}),
      injected,
    };
  } finally {
    process.off('SIGINT', interrupt).off('SIGTERM', interrupt);
    await stack.dispose();
  }
}

function classesLine(f: SizeFigures): string {
  const byClass = f.first.header.byClass;
  const off = Object.entries(f.injected.expected).filter(([c, n]) => (byClass[c] ?? 0) !== n);
  const foreignOk = byClass['foreign'] === f.tenant - args.ledger;
  const classes = Object.entries(byClass)
    .sort((a, b) => b[1] - a[1])
    .map(([c, n]) => `${fmt.n(n)} ${c}`)
    .join(', ');
  const verdict =
    off.length === 0 && foreignOk
      ? 'as injected'
      : `NOT as injected: ${off.map(([c, n]) => `${c} ${byClass[c] ?? 0} (expected ${n})`).join(', ')}${foreignOk ? '' : `, foreign ${byClass['foreign'] ?? 0}`}`;
  return `${classes} — ${verdict}`;
}

function rtLine(s: Split): string {
  return `${fmt.n(s.traffic.roundTrips)} (${fmt.n(s.readRoundTrips)} read / ${fmt.n(s.writeRoundTrips)} write; ${fmt.n(s.batchRoundTrips)} of them $batch)`;
}
function opsLine(s: Split): string {
  return `${fmt.n(s.traffic.operations)} (${fmt.n(s.readOps)} read / ${fmt.n(s.writeOps)} write)`;
}

async function main(): Promise<void> {
  console.log(`reconcile: ${machine()}; ${new Date().toISOString()}`);
  console.log(
    `ledger ${fmt.n(args.ledger)} devices from one intake run; drifts: ${args.tags} tags + ${FIXED.enrolledTags} on enrolled devices, ${args.pending} pending + ${FIXED.failedProfiles} failed profiles, ` +
      `${FIXED.entraDeleted} Entra devices deleted, ${FIXED.ztdidRemoved} [ZTDID] removed, ${FIXED.duplicates} duplicates, ${FIXED.ownLeftovers} own settled + ${args.records} other tools' import records; ` +
      `time scale 0, throttling off, fresh stack per tenant size${args.restart ? ', host restarted before the reconciliation' : ''}` +
      (nodeOptions ? `, host NODE_OPTIONS="${nodeOptions}"` : ''),
  );
  const all: SizeFigures[] = [];
  for (const tenant of args.tenants) {
    const f = await measure(tenant);
    all.push(f);
    const runs = [...(f.initial ? [f.initial] : []), f.first, ...(f.second ? [f.second] : [])];
    const row = (label: string, cell: (r: RunFigures) => string, target = '') => [label, ...runs.map(cell), target];
    const rows: string[][] = [
      [
        '',
        ...(f.initial ? ['First of the deployment (backfill; no drift yet)'] : []),
        'With drifts (measured)',
        ...(f.second ? ['Second, right after'] : []),
        'Target',
      ],
      row('Graph round trips', (r) => rtLine(r.all)),
      row('Graph operations', (r) => opsLine(r.all)),
      row(
        `Round trips per tenant registration (÷ ${fmt.n(f.registrations)})`,
        (r) => fmt.n(r.all.traffic.roundTrips / f.registrations, 4),
        '< 0.02',
      ),
      row(`Round trips per ledger device (÷ ${fmt.n(args.ledger)})`, (r) => fmt.n(r.all.traffic.roundTrips / args.ledger, 4)),
      row('Operations per tenant registration', (r) => fmt.n(r.all.traffic.operations / f.registrations, 4)),
      row('Wall time (POST → Completed)', (r) => fmt.s(r.wallMs), '< 60 s'),
      row('Emulator handling time (sum of its durationMs, before JSON)', (r) => fmt.s(r.all.serveMs)),
      row('Phases (first seen at)', (r) => r.marks.map((m) => `${m.phase} ${fmt.s(m.atMs)}`).join(' → ')),
      row(
        'Host RSS before / peak (sampled VmRSS) / VmHWM',
        (r) => `${fmt.n(r.rssBeforeMb)} / ${fmt.n(r.peakRssMb)} / ${fmt.n(r.hwmMb)} MB`,
        'flat in tenant size',
      ),
      row('Peak RSS per phase', (r) => [...r.phasePeaks].map(([p, v]) => `${p} ${fmt.n(v.rssMb)}`).join(' / ') + ' MB'),
      ...(args.probe
        ? [
            row('Live heap (most heapUsed after a major GC)', (r) => `${fmt.n(r.liveHeapMb ?? NaN)} MB`),
            row('Live heap per phase', (r) => [...r.phasePeaks].map(([p, v]) => `${p} ${fmt.n(v.liveHeapMb ?? NaN)}`).join(' / ') + ' MB'),
            row(
              'Most heapTotal per phase',
              (r) => [...r.phasePeaks].map(([p, v]) => `${p} ${fmt.n(v.heapTotalMb ?? NaN)}`).join(' / ') + ' MB',
            ),
            row(
              'Most external per phase',
              (r) => [...r.phasePeaks].map(([p, v]) => `${p} ${fmt.n(v.externalMb ?? NaN)}`).join(' / ') + ' MB',
            ),
          ]
        : []),
      row('Pages of reads (report)', (r) => fmt.n(r.header.pages)),
      row(
        'Repair (report)',
        (r) =>
          r.header.repair
            ? Object.entries(r.header.repair)
                .map(([k, v]) => `${k} ${v}`)
                .join(', ')
            : '–',
        `with drifts: ${f.injected.expectedWrites} writes (+ sync)`,
      ),
      row('Sync', (r) => r.header.sync?.status ?? 'not asked'),
      row('Load (1/5/15) after', (r) => r.load),
    ];
    console.log(
      `\n### Tenant ${fmt.n(f.registrations)} registrations (${fmt.n(f.tenant - args.ledger)} foreign + ${fmt.n(args.ledger)} ledger + ${FIXED.duplicates} duplicates); intake ${fmt.s(f.intakeMs)}\n`,
    );
    console.log(table(rows));
    console.log(`\nClasses (with drifts): ${classesLine(f)}`);
    console.log(`\nOperations by kind (with drifts):\n`);
    console.log(table([['Operation', 'Count'], ...f.first.all.traffic.byKind.map(([k, n]) => [k, fmt.n(n)])]));
  }
  if (all.length > 1) {
    const PHASES = ['survey', 'repair', 'report'];
    const mb = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '–' : fmt.n(v));
    console.log(`\n### Against tenant size (ledger ${fmt.n(args.ledger)})\n`);
    console.log(
      table([
        [
          'Tenant registrations',
          'Round trips',
          'Per tenant registration',
          'Operations',
          'Wall time',
          'Host RSS before',
          'Peak RSS / VmHWM',
          'Peak − before',
          'Peak RSS survey / repair / report',
          ...(args.probe ? ['Live heap survey / repair / report', 'heapTotal survey / repair / report'] : []),
          'First of the deployment: wall',
          'Second: wall / peak RSS',
          'Load (1/5/15)',
        ],
        ...all.map((f) => [
          fmt.n(f.registrations),
          fmt.n(f.first.all.traffic.roundTrips),
          fmt.n(f.first.all.traffic.roundTrips / f.registrations, 4),
          fmt.n(f.first.all.traffic.operations),
          fmt.s(f.first.wallMs),
          `${fmt.n(f.first.rssBeforeMb)} MB`,
          `${fmt.n(f.first.peakRssMb)} / ${fmt.n(f.first.hwmMb)} MB`,
          `${fmt.n(f.first.peakRssMb - f.first.rssBeforeMb)} MB`,
          `${PHASES.map((p) => mb(f.first.phasePeaks.get(p)?.rssMb)).join(' / ')} MB`,
          ...(args.probe
            ? [
                `${PHASES.map((p) => mb(f.first.phasePeaks.get(p)?.liveHeapMb)).join(' / ')} MB`,
                `${PHASES.map((p) => mb(f.first.phasePeaks.get(p)?.heapTotalMb)).join(' / ')} MB`,
              ]
            : []),
          f.initial ? fmt.s(f.initial.wallMs) : '–',
          f.second ? `${fmt.s(f.second.wallMs)} / ${fmt.n(f.second.peakRssMb)} MB` : '–',
          f.first.load,
        ]),
      ]),
    );
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
