/** Command-line flags of the pipeline benchmarks, validated once. */
import * as os from 'node:os';
import { parseArgs } from 'node:util';
import { z } from 'zod';

export function benchArgs<S extends z.ZodRawShape>(shape: S, usage: string): z.infer<z.ZodObject<S>> {
  const options = Object.fromEntries(Object.keys(shape).map((k) => [k, { type: 'string' as const }]));
  let raw: Record<string, unknown>;
  try {
    raw = parseArgs({ options, strict: true }).values;
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${usage}`, { cause: error });
  }
  const parsed = z.object(shape).safeParse(raw);
  if (!parsed.success) throw new Error(`invalid arguments: ${parsed.error.message}\n${usage}`);
  return parsed.data;
}

export function machine(): string {
  return `${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown'}), ${Math.round(os.totalmem() / 2 ** 30)} GB, Node ${process.version}, load ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join('/')}`;
}

export const fmt = {
  n: (v: number, digits = 0) => v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }),
  s: (ms: number) => `${(ms / 1000).toFixed(1)} s`,
};

export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) => `| ${r.map((cell, c) => cell.padEnd(widths[c]!)).join(' | ')} |`;
  return [line(rows[0]!), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}
