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
 *      (--large 0 skips step 3, --baseline 0 skips step 2; --host-log <file> writes the host's output there, each line timestamped)
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { runBaseline, BASELINE_TOKEN } from './baseline-client';
import { benchArgs, fmt, machine, table } from './support/args';
import { deviceCsv, serialsFor } from './support/csv';
import { sampleMemory } from './support/proc';
import { dropBlob, readReport, waitForRun, type RunWatch } from './support/run';
import { startBenchStack, type BenchStack } from './support/stack';
import { importsPerSerial, lastSeq, logEntries, phases, summarize, type Phases, type Traffic } from './support/traffic';

const USAGE =
  'usage: npx tsx bench/pipeline-traffic.ts [--devices 1000] [--large 10000] [--tenant 20000] [--chunk 100] [--baseline 1] [--host-log <file>]';
const count = z.coerce.number().int().min(0);
const args = benchArgs(
  {
    devices: count.default(1000),
    large: count.default(10_000),
    tenant: count.default(20_000),
    chunk: count.min(1).max(500).optional(),
    baseline: count.default(1),
    'host-log': z.string().min(1).optional(),
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
  memory?: { peakRssMb: number; hwmMb: number };
}

async function pipelineRun(stack: BenchStack, label: string, devices: number, withMemory: boolean): Promise<PipelineFigures> {
  const serials = serialsFor(`${label}X`, devices);
  const csv = deviceCsv(serials);
  const since = lastSeq(stack.emulator);
  const memory = withMemory ? sampleMemory(() => stack.host.child.pid) : undefined;
  const { runId, droppedAt } = await dropBlob(stack, `bench/${label}-${devices}.csv`, csv);
  const watch = await waitForRun(stack, runId, droppedAt, { timeoutMs: 30 * 60_000, historyEveryMs: 1000 });
  const mem = memory?.stop();
  const report = await readReport(stack, runId);
  const pipelineEntries = logEntries(stack.emulator, since).filter((e) => e.appId !== baselineAppId);
  const imports = importsPerSerial(pipelineEntries);
  return {
    devices,
    watch,
    traffic: summarize(pipelineEntries),
    confirmed: report.rows.filter((r) => r.device?.result === 'confirmed').length,
    duplicateImports: [...imports.values()].filter((n) => n > 1).length,
    phases: phases(pipelineEntries, droppedAt, droppedAt + watch.elapsedMs, droppedAt + watch.reportedMs),
    ...(mem ? { memory: mem } : {}),
  };
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
    // Each host line with the wall time it arrived, to see where a long run spends its time.
    ...(hostLog ? { onHostLine: (line: string) => appendFileSync(hostLog, `${new Date().toISOString()} ${line}\n`) } : {}),
    ...(args.chunk ? { appSettings: { IMPORT_CHUNK_SIZE: String(args.chunk) } } : {}),
  });
  console.log(`stack up in ${fmt.s(Date.now() - started)} (host ${stack.hostUrl}, emulator ${stack.emulator.url})`);
  // Import request bodies must stay in the log to count imports per serial.
  stack.emulator.updateSettings({ logBodyLimit: 200_000, logLimit: 2_000_000 });
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
      [
        'Drop → report (→ records deleted)',
        `${fmt.s(small.watch.reportedMs)} (${fmt.s(small.watch.elapsedMs)})`,
        b ? `${fmt.s(b.elapsedMs)} (client run)` : '',
        '< 20 s',
      ],
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
    console.log(`\nWhere the time went: ${phaseLine(small.phases)}`);
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
          ['Drop → report (→ records deleted)', `${fmt.s(large.watch.reportedMs)} (${fmt.s(large.watch.elapsedMs)})`, '< 120 s'],
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
      console.log(`\nWhere the time went: ${phaseLine(large.phases)}`);
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
