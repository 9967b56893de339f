/**
 * Graph traffic, end-to-end time, host memory and orchestration history of clean runs (issue 6).
 * One local stack (Azurite + Graph emulator at time scale 0, throttling off, tenant pre-seeded with
 * 20,000 Autopilot devices + the local host running this app):
 *   1. a 1,000-device file: round trips and operations per device from the emulator's request log,
 *      drop→report time, largest history;
 *   2. the baseline client ("today's tools", bench/baseline-client.ts) on 1,000 other devices,
 *      same emulator, same run;
 *   3. a 10,000-device file: drop→report time, peak RSS of the host process, largest history.
 * Run: npm run build && npx tsx bench/pipeline-traffic.ts [--devices 1000] [--large 10000] [--tenant 20000] [--chunk 100]
 *      (--large 0 skips step 3, --baseline 0 skips step 2; --host-log <file> writes the host's output there, each line timestamped;
 *      --until report stops following a run once its report is written, without waiting for its import records to be deleted;
 *      --page-top N then pages the run's rows through GET /api/runs/{runId}?top=N to the last nextLink, sampling the host's RSS;
 *      --cpu-prof <dir> writes the host's CPU profile there when it stops; for the emulator's, run this file as
 *      `node --cpu-prof --cpu-prof-dir=<dir> --import tsx bench/pipeline-traffic.ts …`)
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import { stackAppSettings } from '../local/stack';
import { z } from 'zod';
import { runBaseline, BASELINE_TOKEN } from './baseline-client';
import { benchArgs, fmt, machine, table } from './support/args';
import { deviceCsv, serialsFor } from './support/csv';
import { hostPhases, type HostLine, type HostPhases } from './support/host-phases';
import { procMemory, sampleMemory } from './support/proc';
import { dropBlob, reportResults, waitForRun, type RunWatch } from './support/run';
import { pageThroughRun, type PagingFigures } from './support/status-paging';
import { startBenchStack, type BenchStack } from './support/stack';
import { importsPerSerial, lastSeq, logEntries, phases, summarize, type Phases, type Traffic } from './support/traffic';

const USAGE =
  'usage: npx tsx bench/pipeline-traffic.ts [--devices 1000] [--large 10000] [--tenant 20000] [--chunk 100] [--baseline 1] [--host-log <file>] [--until completed|report] [--page-top 0] [--timeout-min 30] [--cpu-prof <dir>]';
const count = z.coerce.number().int().min(0);
const args = benchArgs(
  {
    devices: count.default(1000),
    large: count.default(10_000),
    tenant: count.default(20_000),
    chunk: count.min(1).max(500).optional(),
    baseline: count.default(1),
    'host-log': z.string().min(1).optional(),
    'cpu-prof': z.string().min(1).optional(),
    until: z.enum(['completed', 'report']).default('completed'),
    'page-top': count.max(5000).default(0),
    'timeout-min': count.min(1).default(30),
  },
  USAGE,
);

interface PipelineFigures {
  devices: number;
  watch: RunWatch;
  traffic: Traffic;
  confirmed: number;
  duplicateImports: number;
  phases: Phases;
  hostPhases: HostPhases;
  memory?: { peakRssMb: number; hwmMb: number };
  paging?: PagingFigures & { rssBeforeMb: number; peakRssMb: number };
}

async function pipelineRun(stack: BenchStack, label: string, devices: number, withMemory: boolean): Promise<PipelineFigures> {
  const serials = serialsFor(`${label}X`, devices);
  const csv = deviceCsv(serials);
  const since = lastSeq(stack.emulator);
  const memory = withMemory ? sampleMemory(() => stack.host.child.pid) : undefined;
  const { runId, droppedAt } = await dropBlob(stack, `bench/${label}-${devices}.csv`, csv);
  const watch = await waitForRun(stack, runId, droppedAt, {
    timeoutMs: args['timeout-min'] * 60_000,
    historyEveryMs: 1000,
    untilReport: args.until === 'report',
  });
  const mem = memory?.stop();
  // Printed at once: a long run's figures must not depend on the analysis after it.
  console.log(
    `run ${runId}: report after ${fmt.s(watch.reportedMs)}${mem ? `, host peak RSS ${fmt.n(mem.peakRssMb)} MB (VmHWM ${fmt.n(mem.hwmMb)} MB)` : ''}, largest history ${watch.maxHistoryEvents} events`,
  );
  const results = await reportResults(stack, runId);
  let paging: PipelineFigures['paging'];
  if (args['page-top'] > 0) {
    const pid = stack.host.child.pid;
    const rssBeforeMb = (pid === undefined ? undefined : procMemory(pid)?.rssMb) ?? NaN;
    const during = sampleMemory(() => stack.host.child.pid, 100);
    const figures = await pageThroughRun(stack.hostUrl, runId, args['page-top']);
    paging = { ...figures, rssBeforeMb, peakRssMb: during.stop().peakRssMb };
    console.log(pagingLine(paging).trim());
  }
  // A run followed only to its report: its traffic up to the report (the cleanup goes on after it).
  const reportedAt = droppedAt + watch.reportedMs;
  const pipelineEntries = logEntries(stack.emulator, since).filter(
    (e) => e.appId !== baselineAppId && (watch.completed || e.at <= reportedAt),
  );
  const imports = importsPerSerial(pipelineEntries);
  return {
    devices,
    watch,
    traffic: summarize(pipelineEntries),
    confirmed: results.get('confirmed') ?? 0,
    duplicateImports: [...imports.values()].filter((n) => n > 1).length,
    phases: phases(pipelineEntries, droppedAt, droppedAt + watch.elapsedMs, droppedAt + watch.reportedMs),
    hostPhases: hostPhases(hostLines, runId, droppedAt),
    ...(mem ? { memory: mem } : {}),
    ...(paging ? { paging } : {}),
  };
}

/** The host's orchestration and finalize lines, stamped on arrival (hostPhases reads them). */
const hostLines: HostLine[] = [];

function hostPhaseLine(p: HostPhases): string {
  const s = (ms: number | undefined) => (ms === undefined ? '–' : fmt.s(ms));
  return `drop → parsed ${s(p.parseMs)}; import ${s(p.importMs)}; confirm ${s(p.confirmMs)}; report step ${s(p.reportMs)}${p.finalize ? ` (${p.finalize})` : ''}${p.ledger ? `; after it, ledger ${p.ledger}` : ''}; cleanup after the report ${s(p.cleanupMs)}`;
}

function reportCell(w: RunWatch): string {
  return w.completed
    ? `${fmt.s(w.reportedMs)} (${fmt.s(w.elapsedMs)})`
    : `${fmt.s(w.reportedMs)} (not followed further; traffic counted to the report)`;
}

function pagingLine(p: PipelineFigures['paging']): string {
  if (!p) return '';
  return `\nStatus API paged through (top ${fmt.n(args['page-top'])}): ${fmt.n(p.rows)} rows of ${fmt.n(p.rowCount ?? NaN)} in ${fmt.n(p.pages)} pages, ${fmt.s(p.elapsedMs)} (slowest page ${fmt.s(p.slowestPageMs)}), ${fmt.n(p.confirmed)} confirmed; host RSS ${fmt.n(p.rssBeforeMb)} MB before, peak ${fmt.n(p.peakRssMb)} MB while paging`;
}

let baselineAppId = '';

function phaseLine(p: Phases): string {
  return `drop → first Graph request ${fmt.s(p.toFirstRequestMs)}; import phase ${fmt.s(p.importMs)}; confirm phase ${fmt.s(p.confirmMs)}; → report ${fmt.s(p.toReportMs)}; cleanup (after the report) ${fmt.s(p.cleanupMs)}; last request → completed ${fmt.s(p.afterLastRequestMs)}`;
}

function kindsTable(t: Traffic, devices: number): string {
  return table([['Operation', 'Count', 'Per device'], ...t.byKind.slice(0, 12).map(([k, n]) => [k, fmt.n(n), fmt.n(n / devices, 3)])]);
}

async function main(): Promise<void> {
  console.log(`pipeline-traffic: ${machine()}; ${new Date().toISOString()}`);
  console.log(`tenant ${fmt.n(args.tenant)} devices, time scale 0, throttling off, chunk ${args.chunk ?? 'default (100)'}`);
  const started = Date.now();
  const hostLog = args['host-log'];
  if (hostLog) writeFileSync(hostLog, '');
  const stack = await startBenchStack({
    tenantDevices: args.tenant,
    // Each host line with the wall time it arrived: the run's phases (and, with --host-log, all of it).
    onHostLine: (line: string) => {
      const at = Date.now();
      if (/\[intakeOrchestrator\]|finalize took|ledger took/.test(line)) hostLines.push({ at, line });
      if (hostLog) appendFileSync(hostLog, `${new Date(at).toISOString()} ${line}\n`);
    },
    appSettings: {
      ...(args.chunk ? { IMPORT_CHUNK_SIZE: String(args.chunk) } : {}),
      // The stack's worker arguments (the heap cap) plus a CPU profile written at the host's graceful stop.
      ...(args['cpu-prof']
        ? {
            languageWorkers__node__arguments: `${stackAppSettings('', '').languageWorkers__node__arguments} --cpu-prof --cpu-prof-dir=${args['cpu-prof']} --cpu-prof-interval=5000`,
          }
        : {}),
    },
  });
  console.log(`stack up in ${fmt.s(Date.now() - started)} (host ${stack.hostUrl}, emulator ${stack.emulator.url})`);
  // Import request bodies must stay in the log to count imports per serial: a chunk of 500 is ~250 KB.
  stack.emulator.updateSettings({ logBodyLimit: 2_000_000, logLimit: 2_000_000 });
  baselineAppId = await appIdOfToken(stack, BASELINE_TOKEN);
  const interrupt = () => void stack.dispose().finally(() => process.exit(130));
  process.once('SIGINT', interrupt).once('SIGTERM', interrupt);
  try {
    const small = await pipelineRun(stack, 'S', args.devices, true);
    const rows: string[][] = [['', 'Pipeline', args.baseline ? 'Baseline client' : '', 'Target']];
    const per = (n: number, d: number) => fmt.n(n / d, 3);
    let baseline: { traffic: Traffic; elapsedMs: number; confirmed: number } | undefined;
    if (args.baseline) {
      const since = lastSeq(stack.emulator);
      const result = await runBaseline({ graphUrl: stack.emulator.url, serials: serialsFor('BASEX', args.devices) });
      const traffic = summarize(logEntries(stack.emulator, since).filter((e) => e.appId === baselineAppId));
      baseline = { traffic, elapsedMs: result.elapsedMs, confirmed: result.confirmed };
    }
    const b = baseline;
    rows.push(
      [
        'Devices confirmed',
        `${fmt.n(small.confirmed)} / ${fmt.n(small.devices)}`,
        b ? `${fmt.n(b.confirmed)} / ${fmt.n(args.devices)} (registration only)` : '',
        'all',
      ],
      ['HTTP round trips', fmt.n(small.traffic.roundTrips), b ? fmt.n(b.traffic.roundTrips) : '', ''],
      ['Round trips / device', per(small.traffic.roundTrips, small.devices), b ? per(b.traffic.roundTrips, args.devices) : '', '≤ 0.2'],
      ['Graph operations', fmt.n(small.traffic.operations), b ? fmt.n(b.traffic.operations) : '', ''],
      ['Operations / device', per(small.traffic.operations, small.devices), b ? per(b.traffic.operations, args.devices) : '', '≤ 2.5'],
      ['Baseline ÷ pipeline round trips', b ? `${fmt.n(b.traffic.roundTrips / small.traffic.roundTrips, 1)}×` : '', '', '≥ 10×'],
      ['Drop → report (→ records deleted)', reportCell(small.watch), b ? `${fmt.s(b.elapsedMs)} (client run)` : '', '< 20 s'],
      ['Largest history (events, one generation)', fmt.n(small.watch.maxHistoryEvents), '', 'constant'],
      [
        'Peak RSS of the host process (sampled VmRSS / VmHWM)',
        `${fmt.n(small.memory?.peakRssMb ?? NaN)} MB / ${fmt.n(small.memory?.hwmMb ?? NaN)} MB`,
        '',
        '< 500 MB',
      ],
      ['continueAsNew generations', fmt.n(small.watch.generations), '', ''],
      ['Serials imported more than once', fmt.n(small.duplicateImports), '', '0'],
    );
    console.log(`\n### ${fmt.n(args.devices)} devices\n`);
    console.log(table(rows));
    console.log(`\nWhere the time went (Graph log): ${phaseLine(small.phases)}`);
    console.log(`Phases (host log): ${hostPhaseLine(small.hostPhases)}${pagingLine(small.paging)}`);
    console.log(`\nPipeline operations by kind (${fmt.n(args.devices)} devices):\n`);
    console.log(kindsTable(small.traffic, small.devices));
    if (b) {
      console.log(`\nBaseline operations by kind:\n`);
      console.log(kindsTable(b.traffic, args.devices));
    }

    if (args.large > 0) {
      const large = await pipelineRun(stack, 'L', args.large, true);
      console.log(`\n### ${fmt.n(args.large)} devices\n`);
      console.log(
        table([
          ['', 'Pipeline', 'Target'],
          ['Devices confirmed', `${fmt.n(large.confirmed)} / ${fmt.n(large.devices)}`, 'all'],
          ['Drop → report (→ records deleted)', reportCell(large.watch), '< 120 s'],
          [
            'Peak RSS of the host process (sampled VmRSS / VmHWM)',
            `${fmt.n(large.memory?.peakRssMb ?? NaN)} MB / ${fmt.n(large.memory?.hwmMb ?? NaN)} MB`,
            '< 500 MB',
          ],
          ['Round trips / device', per(large.traffic.roundTrips, large.devices), '≤ 0.2'],
          ['Operations / device', per(large.traffic.operations, large.devices), '≤ 2.5'],
          ['Largest history (events, one generation)', fmt.n(large.watch.maxHistoryEvents), 'constant'],
          ['continueAsNew generations', fmt.n(large.watch.generations), ''],
          ['Serials imported more than once', fmt.n(large.duplicateImports), '0'],
        ]),
      );
      console.log(`\nWhere the time went (Graph log): ${phaseLine(large.phases)}`);
      console.log(`Phases (host log): ${hostPhaseLine(large.hostPhases)}${pagingLine(large.paging)}`);
      console.log(`\nPipeline operations by kind (${fmt.n(args.large)} devices):\n`);
      console.log(kindsTable(large.traffic, large.devices));
    }
  } finally {
    await stack.dispose();
  }
}

/** The emulator's app id for a token: ask it once with a harmless read and read the log entry back. */
async function appIdOfToken(stack: BenchStack, token: string): Promise<string> {
  const since = lastSeq(stack.emulator);
  const res = await fetch(`${stack.emulator.url}/v1.0/deviceManagement/windowsAutopilotDeviceIdentities?$top=1`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  await res.body?.cancel();
  const entry = logEntries(stack.emulator, since)[0];
  if (!entry) throw new Error('the emulator did not log the probe request');
  stack.emulator.clearLog();
  return entry.appId;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
