/**
 * Where the pipeline's own time goes in one run at realistic (scaled) service delays: the host's
 * log lines and the run's Graph requests on one time line, in ms after the drop. It shows what
 * bench/pipeline-delays.ts sums up as "time above the service span": the blob pickup and parse
 * before the first Graph call, and the last poll interval, the last confirm step and the report
 * after the service's last milestone. Polls at the production pace scaled like the service.
 * Run: npm run build && npx tsx bench/pipeline-timeline.ts [--devices 100] [--time-scale 0.05] [--tenant 20000] [--all 0]
 *      (--all 1 also lists the import-record polls and deletes, one line per request)
 */
import { z } from 'zod';
import { POLL_DEFAULTS } from '../shared/config';
import { benchArgs, machine } from './support/args';
import { deviceCsv, serialsFor } from './support/csv';
import { dropBlob, waitForRun } from './support/run';
import { startBenchStack } from './support/stack';
import { logEntries } from './support/traffic';

const USAGE = 'usage: npx tsx bench/pipeline-timeline.ts [--devices 100] [--time-scale 0.05] [--tenant 20000] [--all 0]';
const args = benchArgs(
  {
    devices: z.coerce.number().int().min(1).default(100),
    'time-scale': z.coerce.number().positive().max(1).default(0.05),
    tenant: z.coerce.number().int().min(0).default(20_000),
    all: z.coerce.number().int().min(0).max(1).default(0),
  },
  USAGE,
);

const IMPORT_RECORD = /importedWindowsAutopilotDeviceIdentities\/[^/?]+$/;

async function main(): Promise<void> {
  console.log(`pipeline-timeline: ${machine()}; ${new Date().toISOString()}`);
  const scale = args['time-scale'];
  const lines: { at: number; line: string }[] = [];
  const stack = await startBenchStack({
    tenantDevices: args.tenant,
    timeScale: scale,
    appSettings: {
      POLL_INITIAL_SECONDS: String(POLL_DEFAULTS.initialSeconds * scale),
      POLL_MAX_SECONDS: String(POLL_DEFAULTS.maxSeconds * scale),
      POLL_FACTOR: String(POLL_DEFAULTS.factor),
    },
    onHostLine: (line) => lines.push({ at: Date.now(), line }),
  });
  try {
    stack.emulator.clearLog();
    const { runId, droppedAt } = await dropBlob(stack, `bench/timeline-${args.devices}.csv`, deviceCsv(serialsFor('TLNX', args.devices)));
    const watch = await waitForRun(stack, runId, droppedAt, { timeoutMs: 60 * 60_000, pollMs: 50 });
    const events: { at: number; what: string }[] = [];
    for (const l of lines) if (l.at >= droppedAt) events.push({ at: l.at, what: `host   ${l.line.slice(0, 150)}` });
    let hidden = 0;
    for (const e of logEntries(stack.emulator)) {
      if (e.batch) continue;
      if (!args.all && IMPORT_RECORD.test(e.path.split('?')[0]!)) {
        hidden++;
        continue;
      }
      events.push({ at: e.at, what: `graph  ${e.method} ${e.path.slice(0, 100)} ${e.status}` });
    }
    events.sort((a, b) => a.at - b.at);
    for (const e of events) console.log(`${String(e.at - droppedAt).padStart(8)} ms  ${e.what}`);
    console.log(
      `\n${args.devices} devices, time scale ${scale}: report written ${watch.reportedMs} ms after the drop, run completed ${watch.elapsedMs} ms`,
    );
    if (hidden) console.log(`(${hidden} polls and deletes of single import records not listed; --all 1 lists them)`);
  } finally {
    await stack.dispose();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
