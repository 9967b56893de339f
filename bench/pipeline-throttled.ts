/**
 * A large run against the documented limits (issue 6): the Graph emulator enforces the Intune
 * per-app/per-tenant windows and the directory resource-unit bucket (time scale 0, so the limits
 * are the only thing that takes time on the service side). Prints the run's total time against the
 * least time those limits allow for the operations it made, the peak operations per 20 s window
 * from the request log, and how often and how long it was throttled.
 * Run: npm run build && npx tsx bench/pipeline-throttled.ts [--devices 10000] [--tenant 20000] [--chunk 100]
 */
import { z } from 'zod';
import { LOCAL_APP_ID } from '../local/app-token';
import { benchArgs, fmt, machine, table } from './support/args';
import { deviceCsv, serialsFor } from './support/csv';
import { limitFloor, throttledWindows } from './support/limits';
import { dropBlob, readReport, waitForRun } from './support/run';
import { startBenchStack } from './support/stack';
import { importsPerSerial, logEntries, phases, summarize } from './support/traffic';

const USAGE = 'usage: npx tsx bench/pipeline-throttled.ts [--devices 10000] [--tenant 20000] [--chunk 100] [--timeout-minutes 120]';
const count = z.coerce.number().int().min(0);
const args = benchArgs(
  {
    devices: count.min(1).default(10_000),
    tenant: count.default(20_000),
    chunk: count.min(1).max(500).optional(),
    'timeout-minutes': count.min(1).default(120),
  },
  USAGE,
);

async function main(): Promise<void> {
  console.log(`pipeline-throttled: ${machine()}; ${new Date().toISOString()}`);
  console.log(
    `tenant ${fmt.n(args.tenant)} devices, time scale 0, throttling ON (documented limits), ${fmt.n(args.devices)} devices, chunk ${args.chunk ?? 'default (100)'}`,
  );
  const stack = await startBenchStack({
    tenantDevices: args.tenant,
    throttling: true,
    ...(args.chunk ? { appSettings: { IMPORT_CHUNK_SIZE: String(args.chunk) } } : {}),
  });
  const interrupt = () => void stack.dispose().finally(() => process.exit(130));
  process.once('SIGINT', interrupt).once('SIGTERM', interrupt);
  stack.emulator.updateSettings({ logBodyLimit: 200_000, logLimit: 5_000_000 });
  stack.emulator.clearLog();
  try {
    const serials = serialsFor('THRX', args.devices);
    const { runId, droppedAt } = await dropBlob(stack, `bench/throttled-${args.devices}.csv`, deviceCsv(serials));
    const watch = await waitForRun(stack, runId, droppedAt, {
      timeoutMs: args['timeout-minutes'] * 60_000,
      pollMs: 500,
      historyEveryMs: 5_000,
    });
    const report = await readReport(stack, runId);
    const app = LOCAL_APP_ID;
    const entries = logEntries(stack.emulator).filter((e) => e.appId === app);
    const accepted = entries.filter((e) => !e.throttled);
    const all = summarize(entries);
    const ok = summarize(accepted);
    const floor = limitFloor(entries);
    // The report is written before the run deletes its import records (cleanup phase): its own
    // floor counts only what the run sent before it.
    const reportFloor = limitFloor(entries.filter((e) => e.at <= droppedAt + watch.reportedMs));
    const windows = throttledWindows(entries);
    const p = phases(entries, droppedAt, droppedAt + watch.elapsedMs, droppedAt + watch.reportedMs);
    const duplicates = [...importsPerSerial(entries).values()].filter((n) => n > 1).length;
    // The run's Graph-bound span: from its first to its last Graph request (parse and report are local work).
    const graphSpanMs = (entries.at(-1)?.at ?? 0) - (entries[0]?.at ?? 0);
    console.log(
      '\n' +
        table([
          ['', 'Measured', 'Target'],
          [
            'Devices confirmed',
            `${fmt.n(report.rows.filter((r) => r.device?.result === 'confirmed').length)} / ${fmt.n(args.devices)}`,
            'all',
          ],
          ['Drop → report', fmt.s(watch.reportedMs), ''],
          [
            'Least time the limits allow for the operations before the report',
            `${fmt.s(reportFloor.floorMs)} (${reportFloor.binding})`,
            '',
          ],
          [
            'Drop → report ÷ its least time',
            reportFloor.floorMs > 0 ? `${fmt.n(watch.reportedMs / reportFloor.floorMs, 2)}×` : 'n/a (no limit binds before the report)',
            '≤ 1.2×',
          ],
          ['Drop → run completed (import records deleted)', fmt.s(watch.elapsedMs), ''],
          ['First → last Graph request', fmt.s(graphSpanMs), ''],
          ["Least time the limits allow for all the run's operations", `${fmt.s(floor.floorMs)} (${floor.binding})`, ''],
          [
            'Drop → completed ÷ least time',
            floor.floorMs > 0 ? `${fmt.n(watch.elapsedMs / floor.floorMs, 2)}×` : 'n/a (no limit binds)',
            '≤ 1.2×',
          ],
          ['Accepted Intune operations (writes)', `${fmt.n(floor.intuneOps)} (${fmt.n(floor.intuneWrites)})`, ''],
          ['Accepted directory operations (resource units)', `${fmt.n(floor.directoryOps)} (${fmt.n(floor.directoryUnits)})`, ''],
          [
            'Peak accepted operations / 20 s (writes)',
            `${fmt.n(ok.peakOpsPer20s)} (${fmt.n(ok.peakWritesPer20s)})`,
            '≤ 1,000 (≤ 100 writes) Intune per app',
          ],
          ['Peak attempted operations / 20 s (writes)', `${fmt.n(all.peakOpsPer20s)} (${fmt.n(all.peakWritesPer20s)})`, ''],
          ['Throttled operations (429)', fmt.n(all.throttled), ''],
          [
            '20 s windows with a 429 / all windows (longest streak)',
            `${windows.windows} / ${windows.of} (${windows.longestStreak})`,
            'not repeatedly',
          ],
          [
            'Round trips / operations per device',
            `${fmt.n(all.roundTrips / args.devices, 3)} / ${fmt.n(all.operations / args.devices, 3)}`,
            '',
          ],
          ['Largest history (events) / generations', `${fmt.n(watch.maxHistoryEvents)} / ${watch.generations}`, ''],
          ['Serials imported more than once', fmt.n(duplicates), '0'],
        ]),
    );
    // The import-record DELETEs: how many went alongside the import polls (before the report) and
    // the pace of the rest, after it (the cleanup phase).
    const reportAt = droppedAt + watch.reportedMs;
    const deletes = accepted.filter(
      (e) => !e.batch && e.method === 'DELETE' && /importedWindowsAutopilotDeviceIdentities\/[^/?]+$/.test(e.path),
    );
    const after = deletes.filter((e) => e.at > reportAt);
    const afterSpanMs = after.length > 1 ? after.at(-1)!.at - after[0]!.at : 0;
    console.log(
      `\nImport-record DELETEs: ${fmt.n(deletes.length - after.length)} before the report (alongside the polls), ${fmt.n(after.length)} after it` +
        (afterSpanMs > 0
          ? `, at ${fmt.n(((after.length - 1) / afterSpanMs) * 20_000, 1)} per 20 s from the first to the last (a run shorter than a few windows starts with a full window's burst)`
          : ''),
    );
    console.log(
      `\nLeast time per limit: Intune requests ${fmt.s(floor.intuneAllMs)}, Intune writes ${fmt.s(floor.intuneWritesMs)}, directory ${fmt.s(floor.directoryMs)}`,
    );
    console.log(
      `Where the time went: drop → first Graph request ${fmt.s(p.toFirstRequestMs)}; import phase ${fmt.s(p.importMs)}; confirm phase ${fmt.s(p.confirmMs)}; → report ${fmt.s(p.toReportMs)}; cleanup (after the report) ${fmt.s(p.cleanupMs)}; last request → completed ${fmt.s(p.afterLastRequestMs)}`,
    );
    console.log('\nOperations by kind (attempted, including throttled):\n');
    console.log(
      table([['Operation', 'Count', 'Per device'], ...all.byKind.slice(0, 12).map(([k, n]) => [k, fmt.n(n), fmt.n(n / args.devices, 3)])]),
    );
  } finally {
    await stack.dispose();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
