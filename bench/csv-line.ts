/**
 * How the intake hands lines to csv-parse (shared/intake/csv-line.ts), measured: microseconds per
 * device line for
 *   - `parseCsvLine`: csv-parse's sync API, one call per line, with the intake's options (shipped);
 *   - the same without a stated record_delimiter (csv-parse then looks for one at every byte);
 *   - one long-lived csv-parse stream parser fed every line (the alternative: it cannot start a
 *     line clean after an unclosed quote, so it is here for speed only).
 *
 *   npx tsx bench/csv-line.ts [--lines 20000] [--rounds 3]
 *
 * Lines are like bench/csv-parse.ts's rows (5 fields, 1.5–2.5 KB of base64 in the hash column), from
 * seeded bytes so every run parses the same text.
 */
import { Parser } from 'csv-parse';
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { parseCsvLine } from '../shared/intake/csv-line';

const Args = z.object({ lines: z.number().int().positive(), rounds: z.number().int().positive() });

function parseArgs(argv: string[]): z.infer<typeof Args> {
  const get = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  return Args.parse({ lines: Number(get('--lines') ?? 20_000), rounds: Number(get('--rounds') ?? 3) });
}

function seededBytes(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

function makeLines(count: number): string[] {
  return Array.from(
    { length: count },
    (_, i) => `BENCH-${i},,${seededBytes(1100 + (i % 800), i + 1).toString('base64')},Sales,user${i % 50}@contoso.com`,
  );
}

function viaIntake(lines: string[]): number {
  let fields = 0;
  for (const line of lines) {
    const result = parseCsvLine(line, ',');
    if (!result.ok) throw new Error(`bench line rejected: ${result.problem}`);
    fields += result.fields.length;
  }
  return fields;
}

function viaSyncDiscovering(lines: string[]): number {
  let fields = 0;
  for (const line of lines)
    fields += parse(line, { relax_quotes: true, ltrim: true, rtrim: true, relax_column_count: true })[0]?.length ?? 0;
  return fields;
}

async function viaOneStream(lines: string[]): Promise<number> {
  const parser = new Parser({ relax_quotes: true, ltrim: true, rtrim: true, relax_column_count: true, record_delimiter: '\n' });
  let fields = 0;
  parser.on('data', (record: string[]) => {
    fields += record.length;
  });
  const ended = new Promise<void>((resolve, reject) => {
    parser.on('end', resolve);
    parser.on('error', reject);
  });
  for (const line of lines) parser.write(`${line}\n`);
  parser.end();
  await ended;
  return fields;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const lines = makeLines(args.lines);
  const mb = lines.reduce((sum, l) => sum + l.length, 0) / 2 ** 20;
  console.log(`node ${process.version}, ${args.lines} lines, ${mb.toFixed(1)} MB`);
  console.log('round\tway\tms\tµs/line\tMB/s');
  const ways: Array<[string, (l: string[]) => number | Promise<number>]> = [
    ['parseCsvLine (sync per line, shipped)', viaIntake],
    ['sync per line, record_delimiter discovered', viaSyncDiscovering],
    ['one stream parser', viaOneStream],
  ];
  for (let round = 1; round <= args.rounds; round++) {
    for (const [name, run] of ways) {
      // The discovering variant is ~10× slower: a tenth of the lines keeps a round short.
      const sample = run === viaSyncDiscovering ? lines.slice(0, Math.ceil(lines.length / 10)) : lines;
      const started = process.hrtime.bigint();
      const fields = await run(sample);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (fields !== sample.length * 5) throw new Error(`${name}: ${fields} fields for ${sample.length} lines`);
      const sampleMb = (mb * sample.length) / lines.length;
      console.log(
        [round, name, (seconds * 1000).toFixed(0), ((seconds / sample.length) * 1e6).toFixed(1), (sampleMb / seconds).toFixed(1)].join(
          '\t',
        ),
      );
    }
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
