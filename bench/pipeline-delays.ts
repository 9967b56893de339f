/**
 * Time the pipeline adds on top of the service (issue 6): the Graph emulator runs with its
 * realistic processing delays scaled down (import 15 s + 75 s, sync 60 s, automatic sync 15 min,
 * dynamic membership 3 min, profile assignment 5 min — all × the time scale), throttling off.
 * The service's own span for a run is from its first import call to the last device's profile
 * assignment (deploymentProfileAssignedDateTime, the last milestone the emulator produces); the
 * pipeline's overhead is the rest of drop → report. The app polls at its production pace
 * (shared/config.ts POLL_DEFAULTS) scaled by the same factor as the service.
 * Run: npm run build && npx tsx bench/pipeline-delays.ts [--devices 100] [--time-scale 0.02] [--tenant 20000]
 */
import { z } from 'zod';
import { LOCAL_APP_ID } from '../local/app-token';
import { POLL_DEFAULTS } from '../shared/config';
import { benchArgs, fmt, machine, table } from './support/args';
import { deviceCsv, serialsFor } from './support/csv';
import { dropBlob, readReport, waitForRun } from './support/run';
import { startBenchStack } from './support/stack';
import { logEntries, phases } from './support/traffic';

const USAGE =
  'usage: npx tsx bench/pipeline-delays.ts [--devices 100] [--time-scale 0.02] [--tenant 20000] [--poll-initial s] [--poll-max s]';
const args = benchArgs(
  {
    devices: z.coerce.number().int().min(1).default(100),
    'time-scale': z.coerce.number().positive().max(1).default(0.02),
    tenant: z.coerce.number().int().min(0).default(20_000),
    'poll-initial': z.coerce.number().positive().optional(),
    'poll-max': z.coerce.number().positive().optional(),
  },
  USAGE,
);
// The app's production polling pace, scaled like the service's delays: what a deployed app would
// add on top of the real service, in proportion. (--poll-initial/--poll-max override it.)
const pollInitial = args['poll-initial'] ?? POLL_DEFAULTS.initialSeconds * args['time-scale'];
const pollMax = args['poll-max'] ?? POLL_DEFAULTS.maxSeconds * args['time-scale'];

const Assigned = z.object({ deploymentProfileAssignedDateTime: z.string().nullish() }).passthrough();

async function main(): Promise<void> {
  console.log(`pipeline-delays: ${machine()}; ${new Date().toISOString()}`);
  console.log(
    `tenant ${fmt.n(args.tenant)} devices, time scale ${args['time-scale']}, throttling off, ${fmt.n(args.devices)} devices, poll ${fmt.n(pollInitial, 2)}…${fmt.n(pollMax, 2)} s × ${POLL_DEFAULTS.factor}`,
  );
  const stack = await startBenchStack({
    tenantDevices: args.tenant,
    timeScale: args['time-scale'],
    appSettings: {
      POLL_INITIAL_SECONDS: String(pollInitial),
      POLL_MAX_SECONDS: String(pollMax),
      POLL_FACTOR: String(POLL_DEFAULTS.factor),
    },
  });
  const interrupt = () => void stack.dispose().finally(() => process.exit(130));
  process.once('SIGINT', interrupt).once('SIGTERM', interrupt);
  const delays = stack.emulator.settings().delays;
  try {
    stack.emulator.clearLog();
    const { runId, droppedAt } = await dropBlob(stack, `bench/delays-${args.devices}.csv`, deviceCsv(serialsFor('DLYX', args.devices)));
    const watch = await waitForRun(stack, runId, droppedAt, { timeoutMs: 60 * 60_000, pollMs: 100 });
    const report = await readReport(stack, runId);
    const entries = logEntries(stack.emulator).filter((e) => e.appId === LOCAL_APP_ID);
    const firstImport = entries.find((e) => e.path.endsWith('/importedWindowsAutopilotDeviceIdentities/import'))?.at ?? droppedAt;
    // Read each device's assignment time back (a bench token: not counted as the run's traffic).
    let lastAssigned = 0;
    for (const row of report.rows) {
      const id = row.device?.['ztdId'];
      if (typeof id !== 'string') continue;
      const res = await fetch(`${stack.emulator.url}/beta/deviceManagement/windowsAutopilotDeviceIdentities/${id}`, {
        headers: { Authorization: 'Bearer bench-reader' },
      });
      const body = Assigned.parse(await res.json());
      if (body.deploymentProfileAssignedDateTime) lastAssigned = Math.max(lastAssigned, Date.parse(body.deploymentProfileAssignedDateTime));
    }
    const serviceMs = lastAssigned - firstImport;
    const p = phases(entries, droppedAt, droppedAt + watch.reportedMs);
    const overheadMs = watch.reportedMs - serviceMs;
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
          ['Drop → run completed (import records deleted)', fmt.s(watch.elapsedMs), ''],
          ['Service span (first import call → last profile assigned)', fmt.s(serviceMs), ''],
          ['Time above the service span', `${fmt.s(overheadMs)} (${fmt.n((100 * overheadMs) / Math.max(1, serviceMs), 1)} %)`, '< 10 %'],
          ['  of which drop → first Graph request', fmt.s(p.toFirstRequestMs), ''],
          ['  of which last profile assigned → report', fmt.s(droppedAt + watch.reportedMs - lastAssigned), ''],
        ]),
    );
    console.log(
      `\nEmulator delays × ${args['time-scale']}: import ${fmt.s((delays.importPendingMs + delays.importProcessMs) * args['time-scale'])}, sync ${fmt.s(delays.syncRunMs * args['time-scale'])}, automatic sync ${fmt.s(delays.autoSyncMs * args['time-scale'])}, membership ${fmt.s(delays.membershipMs * args['time-scale'])}, profile ${fmt.s(delays.profileAssignmentMs * args['time-scale'])}`,
    );
  } finally {
    await stack.dispose();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
