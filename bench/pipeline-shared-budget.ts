/**
 * One Graph budget for every instance, at full size (issue 16): N local hosts (separate processes,
 * one Azurite, one task hub), the emulator enforcing the documented limits at time scale 0, a large
 * drop and, once it is importing, several drops of 10 devices. Prints each small drop's time to its
 * report alone and beside the large one, the large one's time to its report, and from the
 * emulator's log the peak Intune requests and writes of the app in any 20 s window and its 429s.
 * The large run's cleanup (deletes after its report, at the write budget) is not waited for.
 * Where a small run's time went: each phase's end (from the orchestration's log lines) and its
 * waits for the budget (the budget's per-run log lines), printed per small run; with --log <file>
 * every host line is kept there, stamped with the host and the seconds since the start.
 * Run: npm run build && npx tsx bench/pipeline-shared-budget.ts [--devices 20000] [--hosts 3] [--small 3] [--tenant 20000] [--log <file>]
 */
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { LOCAL_APP_ID } from '../local/app-token';
import { spawnHost, stopHost, type HostChild } from '../local/host-child';
import { REPO_ROOT } from '../local/stack';
import { CONTAINERS } from '../shared/storage/object-store';
import { benchArgs, fmt, machine } from './support/args';
import { deviceCsv, serialsFor } from './support/csv';
import { dropBlob, readBlobText } from './support/run';
import { startBenchStack, type BenchStack } from './support/stack';
import { logEntries } from './support/traffic';
import { peakPerWindow } from './support/traffic';
import { budgetRunKey } from '../shared/graph/budget/shared-budget';

const USAGE =
  'usage: npx tsx bench/pipeline-shared-budget.ts [--devices 20000] [--hosts 3] [--small 3] [--tenant 20000] [--timeout-minutes 60] [--log <file>]';
const count = z.coerce.number().int().min(0);
const args = benchArgs(
  {
    devices: count.min(1).default(20_000),
    hosts: count.min(1).max(5).default(3),
    small: count.min(1).default(3),
    tenant: count.default(20_000),
    'timeout-minutes': count.min(1).default(60),
    log: z.string().min(1).optional(),
  },
  USAGE,
);

/** Every host line, with when it came and from which host. */
const lines: { at: number; host: number; line: string }[] = [];
const started = Date.now();
const onLine = (host: number) => (line: string) => {
  const at = Date.now();
  lines.push({ at, host, line });
  if (args.log) appendFileSync(args.log, `${((at - started) / 1000).toFixed(1)} h${host} ${line}\n`);
};

/** Where a run's time went: when each phase ended (seconds after the drop) and what it waited for the budget. */
function timeline(runId: string, droppedAt: number): string {
  const mine = lines.filter((l) => l.line.includes(`[${runId}]`));
  const phases = mine
    .map((l) => ({ at: l.at, m: /\] (\w+) (done|stopped)/.exec(l.line) }))
    .filter((p) => p.m)
    .map((p) => `${p.m![1]} ${((p.at - droppedAt) / 1000).toFixed(1)} s`);
  const key = budgetRunKey(runId);
  let grants = 0;
  let waited = 0;
  let longest = 0;
  for (const l of lines) {
    const m = new RegExp(`graph budget: run ${key} .*: (\\d+) grants .* ([\\d.]+) s waiting in all, longest ([\\d.]+) s`).exec(l.line);
    if (!m) continue;
    grants += Number(m[1]);
    waited += Number(m[2]);
    longest = Math.max(longest, Number(m[3]));
  }
  const host = mine[0]?.host;
  return `host ${host ?? '?'}; ${phases.join(', ') || 'no phase lines'}; budget: ${grants} grants, ${waited.toFixed(1)} s waiting in all, longest ${longest.toFixed(1)} s`;
}

async function reportedAfter(stack: BenchStack, runId: string, droppedAt: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (!(await readBlobText(stack, CONTAINERS.reports, `${runId}/report.json`))) {
    if (Date.now() > deadline) throw new Error(`no report for ${runId} within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return (Date.now() - droppedAt) / 1000;
}

async function main(): Promise<void> {
  console.log(`pipeline-shared-budget: ${machine()}; ${new Date().toISOString()}`);
  console.log(
    `${args.hosts} hosts, tenant ${fmt.n(args.tenant)} devices, time scale 0, throttling ON, one drop of ${fmt.n(args.devices)} and ${args.small} × 10`,
  );
  const stack = await startBenchStack({ tenantDevices: args.tenant, throttling: true, onHostLine: onLine(0) });
  const extra: { host: HostChild; stateDir: string }[] = [];
  const dispose = async () => {
    for (const e of extra) {
      await stopHost(e.host).catch(() => undefined);
      rmSync(e.stateDir, { recursive: true, force: true });
    }
    await stack.dispose();
  };
  const interrupt = () => void dispose().finally(() => process.exit(130));
  process.once('SIGINT', interrupt).once('SIGTERM', interrupt);
  try {
    for (let i = 1; i < args.hosts; i++) {
      const stateDir = mkdtempSync(join(tmpdir(), 'intake-budget-bench-'));
      extra.push({ host: await spawnHost(REPO_ROOT, 0, stateDir, stack.appSettings, onLine(i)), stateDir });
    }
    stack.emulator.updateSettings({ logBodyLimit: 200_000, logLimit: 5_000_000 });
    stack.emulator.clearLog();
    const timeoutMs = args['timeout-minutes'] * 60_000;
    const smallRuns: { label: string; runId: string; droppedAt: number; seconds: number }[] = [];
    const small = async (prefix: string) => {
      const d = await dropBlob(stack, `bench/${prefix}.csv`, deviceCsv(serialsFor(prefix, 10)));
      const seconds = await reportedAfter(stack, d.runId, d.droppedAt, timeoutMs);
      smallRuns.push({ label: prefix, ...d, seconds });
      return seconds;
    };
    const alone = await small('SBA');
    console.log(`small drop alone: ${alone.toFixed(1)} s to its report`);
    const large = await dropBlob(stack, `bench/shared-${args.devices}.csv`, deviceCsv(serialsFor('SBL', args.devices)));
    const largeReport = reportedAfter(stack, large.runId, large.droppedAt, timeoutMs);
    // Small drops once the large run is importing (its calls fill the window) and again later.
    await new Promise((r) => setTimeout(r, 60_000));
    const beside = await Promise.all(Array.from({ length: args.small }, (_, i) => small(`SBB${i}`)));
    console.log(`small drops 60 s after the large one: ${beside.map((s) => s.toFixed(1)).join(' / ')} s`);
    await new Promise((r) => setTimeout(r, 120_000));
    const later = await Promise.all(Array.from({ length: args.small }, (_, i) => small(`SBC${i}`)));
    console.log(`small drops 3 min after the large one: ${later.map((s) => s.toFixed(1)).join(' / ')} s`);
    const largeSeconds = await largeReport;
    const ours = logEntries(stack.emulator).filter((e) => e.appId === LOCAL_APP_ID && !e.batch);
    const intune = ours.filter((e) => /^\/(v1\.0|beta)\/deviceManagement/.test(e.path));
    const writes = intune.filter((e) => e.method !== 'GET');
    console.log(`large drop (${fmt.n(args.devices)}): ${largeSeconds.toFixed(1)} s to its report`);
    // Give the budget's per-run lines of the last 10 s time to come out.
    await new Promise((r) => setTimeout(r, 11_000));
    // How long the emulator itself took to answer a page of group members (every run reads them)
    // while each small run was under way: the service's own latency, not the app's waiting.
    const pages = logEntries(stack.emulator).filter((e) => e.appId === LOCAL_APP_ID && /\/transitiveMembers/.test(e.path));
    const median = (xs: number[]) => (xs.length === 0 ? 0 : [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!);
    for (const r of smallRuns) {
      const during = pages.filter((e) => e.at >= r.droppedAt && e.at <= r.droppedAt + r.seconds * 1000).map((e) => e.durationMs);
      console.log(
        `  ${r.label}: ${timeline(r.runId, r.droppedAt)}; member pages answered in ${median(during)} ms (median of ${during.length})`,
      );
    }
    console.log(`  large: ${timeline(large.runId, large.droppedAt)}`);
    console.log(
      `app's operations ${fmt.n(ours.length)} (Intune ${fmt.n(intune.length)}, writes ${fmt.n(writes.length)}); peak per 20 s: ` +
        `${peakPerWindow(
          intune.map((e) => e.at),
          20_000,
        )} Intune requests (limit 1,000), ${peakPerWindow(
          writes.map((e) => e.at),
          20_000,
        )} writes (limit 100); 429 answered: ${ours.filter((e) => e.throttled).length}`,
    );
  } finally {
    await dispose();
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
