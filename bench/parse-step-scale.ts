/**
 * The parse step at file sizes up to 1,000,000 rows (issue 16): parse, validate, dedupe and cut into
 * import chunks — `runParseStep`, the activity's own code — with the file streamed from disk and
 * every state blob it writes (row parts, chunk inputs and states, manifest) counted and dropped, so
 * what is measured is the step's memory, not a store's. Each size runs in a fresh child process;
 * its peak RSS (getrusage maxrss) is the step's.
 *
 *   npx tsx bench/parse-step-scale.ts [--rows 10000,100000,1000000] [--chunk 100] [--heap-mb 96]
 *
 * Files are generated once into .bench/ (bench/support/csv-file.ts, as bench/csv-parse.ts: rows of ~2 KB,
 * synthetic hashes of 1.1–1.9 KB decoded); 1,000,000 rows is a 1.9 GB file. `--heap-mb` caps V8's
 * old space: finishing under a small cap shows memory does not grow with the file.
 */
import { createReadStream, existsSync, mkdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { runParseStep } from '../shared/run/parse-step';
import { RunStore } from '../shared/run/run-store';
import type { ObjectStore } from '../shared/storage/object-store';
import { writeLargeCsv } from './support/csv-file';
import { inChild, measureFootprint, type Footprint } from './support/child-measure';

const Args = z.object({
  rows: z.array(z.number().int().positive()),
  chunk: z.number().int().min(1).max(500),
  measure: z.string().optional(),
  heapMb: z.number().int().min(16).optional(),
});

function parseArgs(argv: string[]): z.infer<typeof Args> {
  const get = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  return Args.parse({
    rows: (get('--rows') ?? '10000,100000,1000000').split(',').map(Number),
    chunk: Number(get('--chunk') ?? '100'),
    measure: get('--measure'),
    heapMb: get('--heap-mb') === undefined ? undefined : Number(get('--heap-mb')),
  });
}

/** Reads the one file from disk; every write is counted and dropped. */
function sinkStore(file: string, written: { blobs: number; bytes: number }): ObjectStore {
  const refuse = () => Promise.reject(new Error('not used by the parse step'));
  return {
    get: async () => undefined,
    etagOf: async () => '"bench"',
    openRead: async () => createReadStream(file, { highWaterMark: 64 * 1024 }),
    put: async (_c, _p, data) => {
      written.blobs++;
      written.bytes += Buffer.byteLength(data);
      return '"w"';
    },
    putStream: refuse,
    putIf: refuse,
    deleteIf: refuse,
    list: () => ({ [Symbol.asyncIterator]: () => ({ next: refuse }) }),
    copy: refuse,
  };
}

interface Measured extends Footprint {
  rows: number;
  valid: number;
  chunks: number;
  blobs: number;
  writtenMb: number;
}

function measure(file: string, chunk: number): Promise<Measured> {
  const written = { blobs: 0, bytes: 0 };
  const objects = sinkStore(file, written);
  return measureFootprint(async () => {
    const result = await runParseStep(
      { objects, runs: new RunStore(objects), log: () => {} },
      {
        runId: 'intake-bench',
        source: { container: 'autopilot-intake', name: 'bench.csv', etag: '"bench"' },
        chunkSize: chunk,
        maxRows: 1_000_000,
        now: new Date().toISOString(),
      },
    );
    if (result.fileRejected) throw new Error(`bench file rejected: ${result.fileRejected}`);
    return {
      rows: result.counts.rows,
      valid: result.counts.valid,
      chunks: result.chunkCount,
      blobs: written.blobs,
      writtenMb: written.bytes / 2 ** 20,
    };
  });
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.measure) {
    process.send?.(await measure(args.measure, args.chunk));
    return;
  }
  const dir = resolve(__dirname, '..', '.bench');
  mkdirSync(dir, { recursive: true });
  const heap = args.heapMb ? [`--max-old-space-size=${args.heapMb}`] : [];
  console.log(`node ${process.version}, chunks of ${args.chunk}${args.heapMb ? `, V8 old space capped at ${args.heapMb} MB` : ''}`);
  console.log('rows\tfile MB\tseconds\trows/s\tchunks\tstate blobs\tstate MB\tRSS before MB\tpeak RSS MB');
  for (const rows of args.rows) {
    const file = resolve(dir, `parse-step-${rows}.csv`);
    if (!existsSync(file)) await writeLargeCsv(file, rows, { serialWidth: 7 });
    const m = await inChild<Measured>(__filename, ['--measure', file, '--chunk', String(args.chunk)], heap);
    if (m.rows !== rows || m.valid !== rows) throw new Error(`expected ${rows} valid rows, got ${m.valid}/${m.rows}`);
    console.log(
      [
        rows,
        (statSync(file).size / 2 ** 20).toFixed(0),
        m.seconds.toFixed(1),
        Math.round(rows / m.seconds),
        m.chunks,
        m.blobs,
        m.writtenMb.toFixed(0),
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
