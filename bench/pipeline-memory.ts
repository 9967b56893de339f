/**
 * Peak memory of the host process against the size of the dropped file (issue 6: "under 500 MB for
 * a 10,000-device file, and flat in file size beyond one chunk"). Each size gets a FRESH local stack
 * (a new host process, so one run's garbage or caches cannot hide or inflate the next one's peak):
 * tenant pre-seeded with `--tenant` Autopilot devices, time scale 0, throttling off; one file is
 * dropped and followed to its report. Printed per size: the host's idle RSS before the drop, its
 * peak RSS during the run (VmRSS sampled every 100 ms, and the kernel's VmHWM), the peak per phase
 * (phases split at the orchestration's log lines), and the confirmed count.
 * Run: npm run build && npx tsx bench/pipeline-memory.ts [--sizes 100,1000,5000,10000] [--tenant 20000]
 *      [--chunk 100] [--node-options=--max-old-space-size=256] (passed to the host as NODE_OPTIONS)
 *      [--probe 1] (also print the host's heapUsed after major GCs: its live heap) [--host-log file]
 */
import { appendFileSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { benchArgs, fmt, machine, table } from './support/args';
import { deviceCsv, serialsFor } from './support/csv';
import { procMemory, sampleMemory } from './support/proc';
import { dropBlob, readReport, waitForRun } from './support/run';
import { startBenchStack } from './support/stack';

const USAGE =
  'usage: npx tsx bench/pipeline-memory.ts [--sizes 100,1000,5000,10000] [--tenant 20000] [--chunk 100] [--node-options=...] [--host-log file]';
const args = benchArgs(
  {
    sizes: z
      .string()
      .default('100,1000,5000,10000')
      .transform((s) => s.split(',').map((n) => Number(n.trim())))
      .pipe(z.array(z.number().int().min(1)).min(1)),
    tenant: z.coerce.number().int().min(0).default(20_000),
    chunk: z.coerce.number().int().min(1).max(500).optional(),
    'node-options': z.string().optional(),
    /** Append the host's output lines here (e.g. with --node-options --trace-gc). */
    'host-log': z.string().optional(),
    /** 1: preload bench/support/memory-probe.mjs into the host and report its heap after major GCs. */
    probe: z.coerce.number().int().min(0).max(1).default(0),
  },
  USAGE,
);

/** Log lines that end each phase (orchestrations/intake.ts; the report's from the finalize step). */
const PHASE_ENDS: [phase: string, pattern: RegExp][] = [
  ['parse', /\] parsed: /],
  ['import', /\] import done: /],
  ['confirm', /\] confirm done: /],
  ['report', /run intake-\w+: (completed|rejected); /],
  ['cleanup', /\] finished: /],
];

interface SizeFigures {
  devices: number;
  idleRssMb: number;
  peakRssMb: number;
  hwmMb: number;
  phasePeaks: Map<string, number>;
  /** With --probe 1: most heapUsed right after a major GC, per phase (the live heap). */
  phaseLiveHeap: Map<string, number>;
  maxExternalMb: number;
  confirmed: number;
  elapsedMs: number;
  load: string;
}

const nodeOptions = [args['node-options'], args.probe ? `--import ${join(__dirname, 'support', 'memory-probe.mjs')}` : undefined]
  .filter(Boolean)
  .join(' ');

const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join('/');

async function measure(devices: number): Promise<SizeFigures> {
  // Phase peaks: one VmRSS sampler per phase, swapped when the phase's closing log line appears.
  let phaseIndex = 0;
  const phasePeaks = new Map<string, number>();
  let hostPid: number | undefined;
  let phaseSampler: ReturnType<typeof sampleMemory> | undefined;
  const closePhase = (phase: string) => {
    if (!phaseSampler) return;
    phasePeaks.set(phase, phaseSampler.stop().peakRssMb);
    phaseSampler = sampleMemory(() => hostPid, 100);
  };
  const phaseLiveHeap = new Map<string, number>();
  let maxExternalMb = 0;
  const onHostLine = (line: string) => {
    const probe = /^memprobe(-gc)? .*heapUsed=([\d.]+) .*external=([\d.]+)/.exec(line);
    if (probe) {
      maxExternalMb = Math.max(maxExternalMb, Number(probe[3]));
      const phase = PHASE_ENDS[phaseIndex]?.[0] ?? 'rest';
      if (probe[1] && phaseSampler) phaseLiveHeap.set(phase, Math.max(phaseLiveHeap.get(phase) ?? 0, Number(probe[2])));
    }
    if (args['host-log']) appendFileSync(args['host-log'], `${Date.now()} [${devices}] ${line}\n`);
    const next = PHASE_ENDS[phaseIndex];
    if (next && next[1].test(line)) {
      closePhase(next[0]);
      phaseIndex++;
    }
  };
  const stack = await startBenchStack({
    tenantDevices: args.tenant,
    onHostLine,
    appSettings: {
      ...(args.chunk ? { IMPORT_CHUNK_SIZE: String(args.chunk) } : {}),
      ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}),
    },
  });
  const interrupt = () => void stack.dispose().finally(() => process.exit(130));
  process.once('SIGINT', interrupt).once('SIGTERM', interrupt);
  try {
    hostPid = stack.host.child.pid;
    // Let the host settle (function indexing, first listener polls) before calling it idle.
    await new Promise((r) => setTimeout(r, 5_000));
    const idle = hostPid === undefined ? undefined : procMemory(hostPid);
    const csv = deviceCsv(serialsFor(`M${devices}X`, devices));
    const whole = sampleMemory(() => hostPid, 100);
    phaseSampler = sampleMemory(() => hostPid, 100);
    const { runId, droppedAt } = await dropBlob(stack, `bench/memory-${devices}.csv`, csv);
    const watch = await waitForRun(stack, runId, droppedAt, { timeoutMs: 30 * 60_000, pollMs: 250 });
    const peak = whole.stop();
    if (phaseSampler)
      phasePeaks.set(PHASE_ENDS[phaseIndex]?.[0] ?? 'rest', (phaseSampler as ReturnType<typeof sampleMemory>).stop().peakRssMb);
    phaseSampler = undefined;
    const report = await readReport(stack, runId);
    return {
      devices,
      idleRssMb: idle?.rssMb ?? NaN,
      peakRssMb: peak.peakRssMb,
      hwmMb: peak.hwmMb,
      phasePeaks,
      phaseLiveHeap,
      maxExternalMb,
      confirmed: report.rows.filter((r) => r.device?.result === 'confirmed').length,
      elapsedMs: watch.elapsedMs,
      load: load(),
    };
  } finally {
    process.off('SIGINT', interrupt).off('SIGTERM', interrupt);
    await stack.dispose();
  }
}

async function main(): Promise<void> {
  console.log(`pipeline-memory: ${machine()}; ${new Date().toISOString()}`);
  console.log(
    `tenant ${fmt.n(args.tenant)} devices, time scale 0, throttling off, chunk ${args.chunk ?? 'default (100)'}, fresh stack per size` +
      (nodeOptions ? `, host NODE_OPTIONS="${nodeOptions}"` : ''),
  );
  const rows: string[][] = [
    [
      'Devices',
      'Idle RSS',
      'Peak RSS (sampled)',
      'VmHWM',
      'Peak − idle',
      'parse / import / confirm / report / cleanup peak',
      'Confirmed',
      'Drop → report',
      'Load (1/5/15)',
    ],
  ];
  const mb = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '–' : fmt.n(v));
  for (const size of args.sizes) {
    const f = await measure(size);
    const phases = PHASE_ENDS.map(([p]) => mb(f.phasePeaks.get(p))).join(' / ');
    rows.push([
      fmt.n(f.devices),
      `${mb(f.idleRssMb)} MB`,
      `${mb(f.peakRssMb)} MB`,
      `${mb(f.hwmMb)} MB`,
      `${mb(f.peakRssMb - f.idleRssMb)} MB`,
      `${phases} MB`,
      `${fmt.n(f.confirmed)} / ${fmt.n(f.devices)}`,
      fmt.s(f.elapsedMs),
      f.load,
    ]);
    const live = args.probe
      ? `; live heap after major GC per phase ${PHASE_ENDS.map(([p]) => mb(f.phaseLiveHeap.get(p))).join(' / ')} MB, max external ${mb(f.maxExternalMb)} MB`
      : '';
    console.log(
      `${fmt.n(size)} devices: peak ${mb(f.peakRssMb)} MB (VmHWM ${mb(f.hwmMb)} MB), idle ${mb(f.idleRssMb)} MB, phases ${phases} MB${live}, load ${f.load}`,
    );
  }
  console.log(`\n${table(rows)}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
