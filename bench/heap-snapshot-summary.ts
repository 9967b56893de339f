/**
 * A heap snapshot summed by kind (docs/PERFORMANCE.md, "Where the rest of the growth was"): self
 * size and count per node type and constructor name, largest first — strings and compiled code as
 * one line each. Snapshots come from the host run with
 * `--node-options="--heapsnapshot-signal=SIGUSR2"` (bench/pipeline-memory.ts) and `kill -USR2 <pid>`.
 * Run: node --max-old-space-size=2000 --import tsx bench/heap-snapshot-summary.ts <file.heapsnapshot> [--top 30]
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const Snapshot = z.object({
  snapshot: z.object({
    meta: z.object({ node_fields: z.array(z.string()), node_types: z.tuple([z.array(z.string())]).rest(z.unknown()) }),
  }),
  nodes: z.array(z.number()),
  strings: z.array(z.string()),
});

const file = process.argv[2];
const top = Number(process.argv[process.argv.indexOf('--top') + 1] || 30) || 30;
if (!file) throw new Error('usage: bench/heap-snapshot-summary.ts <file.heapsnapshot> [--top 30]');
const snap = Snapshot.parse(JSON.parse(readFileSync(file, 'utf8')));
const fields = snap.snapshot.meta.node_fields;
const types = snap.snapshot.meta.node_types[0];
const [ti, ni, si] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [number, number, number];
const sums = new Map<string, [bytes: number, count: number]>();
let total = 0;
for (let i = 0; i < snap.nodes.length; i += fields.length) {
  const type = types[snap.nodes[i + ti]!] ?? '?';
  const name = /string/.test(type) ? '(string)' : type === 'code' ? '(code)' : (snap.strings[snap.nodes[i + ni]!] ?? '').slice(0, 60);
  const size = snap.nodes[i + si]!;
  const sum = sums.get(`${type}:${name}`) ?? [0, 0];
  sum[0] += size;
  sum[1]++;
  sums.set(`${type}:${name}`, sum);
  total += size;
}
console.log(`total ${(total / 2 ** 20).toFixed(1)} MB`);
for (const [key, [bytes, count]] of [...sums].sort((a, b) => b[1][0] - a[1][0]).slice(0, top))
  console.log(`${(bytes / 2 ** 20).toFixed(2).padStart(8)} MB ${String(count).padStart(8)} ${key}`);
