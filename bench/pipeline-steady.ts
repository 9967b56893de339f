/**
 * Peak memory of ONE host across successive drops (issue 16: "RSS flat from 10,000 to 100,000").
 * pipeline-memory.ts and pipeline-traffic.ts give each size a fresh host, so a small run ends before
 * V8 has grown its heap and JIT code to what any longer stretch of work gives it; a worker in Azure
 * serves many runs. Here the drops go one after another to the same stack (tenant pre-seeded with
 * `--tenant` devices, time scale 0, throttling off), each followed to completion (the last one to its
 * report with `--last-until-report 1`), and each one's peak host RSS is printed.
 * Run: npm run build && npx tsx bench/pipeline-steady.ts [--sizes 10000,10000,10000,100000] [--tenant 20000] [--chunk 500]
 */
import * as os from 'node:os';
import { z } from 'zod';
import { benchArgs, fmt, machine, table } from './support/args';
import { deviceCsv, serialsFor } from './support/csv';
import { procMemory, sampleMemory } from './support/proc';
import { dropBlob, waitForRun } from './support/run';
import { startBenchStack } from './support/stack';

const USAGE =
  'usage: npx tsx bench/pipeline-steady.ts [--sizes 10000,10000,10000,100000] [--tenant 20000] [--chunk 500] [--last-until-report 1]';
const args = benchArgs(
  {
    sizes: z
      .string()
      .default('10000,10000,10000,100000')
      .transform((s) => s.split(',').map((n) => Number(n.trim())))
      .pipe(z.array(z.number().int().min(1)).min(1)),
    tenant: z.coerce.number().int().min(0).default(20_000),
    chunk: z.coerce.number().int().min(1).max(500).default(500),
    /** 1: follow the last drop only to its report (a 100,000-device cleanup takes minutes more). */
    'last-until-report': z.coerce.number().int().min(0).max(1).default(1),
  },
  USAGE,
);

const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join('/');

async function main(): Promise<void> {
  console.log(`pipeline-steady: ${machine()}; ${new Date().toISOString()}`);
  console.log(`tenant ${fmt.n(args.tenant)} devices, time scale 0, throttling off, chunk ${args.chunk}, ONE stack for every drop`);
  const stack = await startBenchStack({ tenantDevices: args.tenant, appSettings: { IMPORT_CHUNK_SIZE: String(args.chunk) } });
  const rows: string[][] = [
    ['#', 'Devices', 'RSS before', 'Peak RSS (sampled)', 'Followed to', 'Drop → report', 'Drop → end', 'Load (1/5/15)'],
  ];
  try {
    const pid = stack.host.child.pid;
    await new Promise((r) => setTimeout(r, 5_000));
    for (const [i, devices] of args.sizes.entries()) {
      const last = i === args.sizes.length - 1;
      const before = pid === undefined ? undefined : procMemory(pid);
      const sampler = sampleMemory(() => pid, 100);
      const csv = deviceCsv(serialsFor(`S${i}N${devices}X`, devices));
      const { runId, droppedAt } = await dropBlob(stack, `bench/steady-${i}-${devices}.csv`, csv);
      const untilReport = last && args['last-until-report'] === 1;
      const watch = await waitForRun(stack, runId, droppedAt, { timeoutMs: 30 * 60_000, pollMs: 250, untilReport });
      const peak = sampler.stop();
      const row = [
        String(i + 1),
        fmt.n(devices),
        `${fmt.n(before?.rssMb ?? NaN)} MB`,
        `${fmt.n(peak.peakRssMb)} MB`,
        watch.completed ? 'completion' : 'report',
        fmt.s(watch.reportedMs),
        fmt.s(watch.elapsedMs),
        load(),
      ];
      rows.push(row);
      console.log(`drop ${i + 1}: ${fmt.n(devices)} devices, RSS before ${row[2]}, peak ${row[3]}, report ${row[5]}, ${row[4]} ${row[6]}`);
    }
  } finally {
    await stack.dispose();
  }
  console.log(`\n${table(rows)}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
