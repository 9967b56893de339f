/**
 * What a process's resident memory is made of, sampled while a benchmark runs (docs/PERFORMANCE.md,
 * "Where the rest of the growth was"): /proc/<pid>/smaps summed by kind every `--every` ms —
 * file-backed (the node binary and libraries), the main malloc heap ([heap]), anonymous mappings of
 * at most 512 KB (V8's pages) and larger anonymous ones (other threads' malloc arenas, big buffers).
 * Run beside a bench: npx tsx bench/smaps-sample.ts [--match local/host/cli.ts] [--every 2000] > F
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { benchArgs } from './support/args';

const args = benchArgs(
  { match: z.string().default('local/host/cli.ts'), every: z.coerce.number().int().min(100).default(2000) },
  'usage: npx tsx bench/smaps-sample.ts [--match local/host/cli.ts] [--every 2000]',
);

function pidOf(match: string): string | undefined {
  try {
    return execFileSync('pgrep', ['-f', match], { encoding: 'utf8' })
      .split('\n')
      .find((p) => p.trim() && p.trim() !== String(process.pid));
  } catch {
    return undefined; // pgrep exits 1 when nothing matches
  }
}

function sample(pid: string): Record<'file' | 'brk' | 'v8' | 'bigAnon', number> | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/smaps`, 'utf8');
  } catch {
    return undefined;
  }
  const kb = { file: 0, brk: 0, v8: 0, bigAnon: 0 };
  let kind: keyof typeof kb = 'bigAnon';
  for (const line of text.split('\n')) {
    const region = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (region) {
      const sizeKb = (parseInt(region[2]!, 16) - parseInt(region[1]!, 16)) / 1024;
      const name = region[3] ?? '';
      kind = name === '[heap]' ? 'brk' : name.startsWith('/') ? 'file' : name === '' && sizeKb <= 512 ? 'v8' : 'bigAnon';
    } else if (line.startsWith('Rss:')) kb[kind] += Number(line.split(/\s+/)[1]);
  }
  return kb;
}

const mb = (kb: number) => (kb / 1024).toFixed(1);
setInterval(() => {
  const pid = pidOf(args.match);
  const kb = pid ? sample(pid.trim()) : undefined;
  if (!kb) return;
  const total = kb.file + kb.brk + kb.v8 + kb.bigAnon;
  console.log(
    `${(Date.now() / 1000).toFixed(0)} total=${mb(total)} brk=${mb(kb.brk)} smallanon=${mb(kb.v8)} biganon=${mb(kb.bigAnon)} file=${mb(kb.file)}`,
  );
}, args.every);
