/**
 * CSV intake throughput and memory: rows/second and peak RSS for 10,000 and 100,000 device rows.
 *
 *   npx tsx bench/csv-parse.ts [--rows 10000,100000] [--encoding utf-8|utf-16le] [--heap-mb 48]
 *
 * Each size's file is generated once into .bench/ (synthetic hashes of 1.1–1.9 KB decoded, like
 * real ones) and then parsed in a fresh child process streaming it from disk in 64 KiB reads, so the
 * generator's memory is not counted and the child's peak RSS (getrusage maxrss) is the parser's.
 * `--heap-mb` caps the child's V8 old space: finishing under a small cap shows memory is bounded.
 */
import { createReadStream, existsSync, mkdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { readIntakeCsv } from '../shared/intake';
import { writeLargeCsv } from './support/csv-file';
import { inChild, measureFootprint, type Footprint } from './support/child-measure';

const Args = z.object({
  rows: z.array(z.number().int().positive()),
  encoding: z.enum(['utf-8', 'utf-16le']),
  measure: z.string().optional(),
  heapMb: z.number().int().min(16).optional(),
});

function parseArgs(argv: string[]): z.infer<typeof Args> {
  const get = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  return Args.parse({
    rows: (get('--rows') ?? '10000,100000').split(',').map(Number),
    encoding: get('--encoding') ?? 'utf-8',
    measure: get('--measure'),
    heapMb: get('--heap-mb') === undefined ? undefined : Number(get('--heap-mb')),
  });
}

interface Measured extends Footprint {
  rows: number;
  valid: number;
  bytes: number;
}

function measure(file: string): Promise<Measured> {
  return measureFootprint(async () => {
    let rows = 0;
    let valid = 0;
    for await (const event of readIntakeCsv(createReadStream(file, { highWaterMark: 64 * 1024 }))) {
      if (event.kind === 'rejected-file') throw new Error(`bench file rejected: ${event.reason}`);
      if (event.kind === 'row') {
        rows++;
        if (event.row.status === 'valid') valid++;
      }
    }
    return { rows, valid, bytes: statSync(file).size };
  });
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.measure) {
    const result = await measure(args.measure);
    process.send?.(result);
    return;
  }
  const dir = resolve(__dirname, '..', '.bench');
  mkdirSync(dir, { recursive: true });
  const heap = args.heapMb ? [`--max-old-space-size=${args.heapMb}`] : [];
  console.log(
    `node ${process.version}, ${args.encoding}, streaming from disk in 64 KiB reads${args.heapMb ? `, V8 old space capped at ${args.heapMb} MB` : ''}`,
  );
  console.log('rows\tfile MB\tseconds\trows/s\tMB/s\tRSS before parse MB\tpeak RSS MB');
  for (const rows of args.rows) {
    const file = resolve(dir, `csv-${rows}-${args.encoding}.csv`);
    if (!existsSync(file)) await writeLargeCsv(file, rows, { encoding: args.encoding, serialWidth: 6 });
    const m = await inChild<Measured>(__filename, ['--measure', file, '--encoding', args.encoding], heap);
    if (m.rows !== rows || m.valid !== rows) throw new Error(`expected ${rows} valid rows, got ${m.valid}/${m.rows}`);
    const mb = m.bytes / 2 ** 20;
    console.log(
      [
        rows,
        mb.toFixed(1),
        m.seconds.toFixed(2),
        Math.round(rows / m.seconds),
        (mb / m.seconds).toFixed(1),
        m.baselineRssMb.toFixed(0),
        m.peakRssMb.toFixed(0),
      ].join('\t'),
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
