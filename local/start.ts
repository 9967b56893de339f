/**
 * `npm start`: the product on its embedded local stack — Azurite, the Graph emulator holding the
 * tenant baseline/tenant.json describes (applied by `npm run baseline -- apply`'s code on every
 * start, so an edited baseline shows up too), and the local Functions host running this app. State persists in .local/
 * (delete it, or pass --reset, for a fresh tenant). Ctrl+C stops everything.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { DEFAULT_BASELINE_FILE } from '../shared/baseline/files';
import { startLocalStack } from './stack';
import { LOCAL_DIR, STACK_FILE } from './stack-file';

const Args = z.object({
  port: z.coerce.number().int().min(1).max(65535).default(7071),
  'graph-port': z.coerce.number().int().min(1).max(65535).default(7072),
  'notify-port': z.coerce.number().int().min(1).max(65535).default(7073),
  'time-scale': z.coerce.number().min(0).default(0.05),
  throttling: z.boolean().default(false),
  reset: z.boolean().default(false),
  verbose: z.boolean().default(false),
});

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      'graph-port': { type: 'string' },
      'notify-port': { type: 'string' },
      'time-scale': { type: 'string' },
      throttling: { type: 'boolean' },
      reset: { type: 'boolean' },
      verbose: { type: 'boolean' },
    },
  });
  const args = Args.parse(values);
  if (args.reset) rmSync(LOCAL_DIR, { recursive: true, force: true });
  mkdirSync(LOCAL_DIR, { recursive: true });
  process.stdout.write('Starting Azurite, the Graph emulator and the local Functions host…\n');
  const stack = await startLocalStack({
    hostPort: args.port,
    graphPort: args['graph-port'],
    azurite: { location: join(LOCAL_DIR, 'azurite'), ports: { blob: 10000, queue: 10001, table: 10002 } },
    stateDir: join(LOCAL_DIR, 'host'),
    emulatorStateFile: join(LOCAL_DIR, 'graph-tenant.json'),
    // The tenant is what an administrator would apply: the default baseline, through the same apply code.
    baseline: DEFAULT_BASELINE_FILE,
    timeScale: args['time-scale'],
    throttling: args.throttling,
    // Notifications go to the local receiver, which prints each one it takes.
    notifyReceiver: { port: args['notify-port'], print: (line) => process.stdout.write(`  ${line}\n`) },
    appSettings: { DASHBOARD_URL: `http://127.0.0.1:${args.port}/api/dashboard` },
    onHostLine: (line) => {
      // Run progress lines carry the run id; the host's own chatter only with --verbose.
      if (args.verbose || /\[intake-[0-9a-f]{32}\]|error|fail/i.test(line)) process.stdout.write(`  host | ${line}\n`);
    },
  });
  writeFileSync(
    STACK_FILE,
    JSON.stringify(
      {
        hostUrl: stack.hostUrl,
        graphUrl: stack.emulator.url,
        connectionString: stack.azurite.connectionString,
        baselineFile: DEFAULT_BASELINE_FILE,
      },
      null,
      2,
    ),
  );
  process.stdout.write(
    [
      '',
      `autopilot-intake is running on the local stack:`,
      `  Functions host  ${stack.hostUrl}   (GET /api/runs, GET /api/runs/{runId}, POST /api/intake, GET /api/health)`,
      `  Dashboard       ${stack.hostUrl}/api/dashboard   (runs, a run's devices, device search; open in a browser)`,
      `  Graph emulator  ${stack.emulator.url}   (tenant from baseline/tenant.json: "Autopilot devices" dynamic group, user-driven profile, ESP; time scale ${args['time-scale']})`,
      `  Azurite         blob 10000, queue 10001, table 10002   (containers autopilot-intake, -reports, -intake-archive)`,
      `  Notifications   ${stack.receiver?.url}   (local receiver: channels local_teams (a Teams card) and local_webhook (signed JSON); each notification it takes is printed here)`,
      '',
      'Check that the deployment can work against the tenant (permissions, group, profile, ESP):',
      '  npm run doctor',
      'See whether the tenant still matches the baseline (exit 2 on drift):',
      '  npm run baseline -- plan',
      '',
      'Drop a file and follow its run to the report, in another terminal:',
      '  npm run drop -- samples/intune-basic.csv',
      'or upload over HTTP like a procurement system:',
      `  curl -X POST -H "Content-Type: text/csv" --data-binary @samples/intune-basic.csv "${stack.hostUrl}/api/intake?fileName=intune-basic.csv"`,
      '',
      'Ctrl+C stops everything; state stays in .local/ (npm start -- --reset for a fresh tenant).',
      '',
    ].join('\n'),
  );
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    process.stdout.write('\nStopping…\n');
    stack.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`stop failed: ${(error as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  void stack.host.exited.then((how) => {
    if (!stopping) {
      process.stderr.write(`The local host exited unexpectedly (${how}).\n`);
      stop();
    }
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`npm start failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
