/**
 * Where a CPU profile's time went: self time by package or source directory, and by function, from a
 * `.cpuprofile` (node --cpu-prof; `bench/pipeline-traffic.ts --cpu-prof <dir>` writes the host's).
 * With --inclusive, also the time with each named function anywhere on the stack (what it and its
 * synchronous callees took: JSON.parse and the zod parse under RunStore.readJson, say).
 * Run: npx tsx bench/cpu-profile.ts <file.cpuprofile> [--top 40] [--inclusive readJson,runImportStep]
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const Profile = z.object({
  nodes: z.array(
    z.object({
      id: z.number(),
      callFrame: z.object({ functionName: z.string(), url: z.string(), lineNumber: z.number() }),
      children: z.array(z.number()).optional(),
    }),
  ),
  samples: z.array(z.number()),
  timeDeltas: z.array(z.number()),
});

const USAGE = 'usage: npx tsx bench/cpu-profile.ts <file.cpuprofile> [--top 40] [--inclusive name,name]';
const [file, ...rest] = process.argv.slice(2);
const options = new Map<string, string>();
for (let i = 0; i < rest.length; i += 2) options.set(rest[i]!, rest[i + 1] ?? '');
if (!file || [...options.keys()].some((k) => k !== '--top' && k !== '--inclusive')) {
  console.error(USAGE);
  process.exit(2);
}
const top = Number(options.get('--top') ?? 40);
const inclusive = (options.get('--inclusive') ?? '').split(',').filter((n) => n.length > 0);
const profile = Profile.parse(JSON.parse(readFileSync(file, 'utf8')));
const frames = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
const parents = new Map<number, number>();
for (const n of profile.nodes) for (const child of n.children ?? []) parents.set(child, n.id);
const under = new Map<string, number>();
const byFunction = new Map<string, number>();
const byPlace = new Map<string, number>();
let total = 0;
const add = (map: Map<string, number>, key: string, us: number) => map.set(key, (map.get(key) ?? 0) + us);
profile.samples.forEach((id, i) => {
  const us = profile.timeDeltas[i] ?? 0;
  const frame = frames.get(id)!;
  total += us;
  const source = frame.url.replace(/.*node_modules\//, 'nm/').replace(/^.*?\/(dist|shared|local|bench|functions)\//, '$1/');
  add(byFunction, `${frame.functionName || '(anonymous)'} ${source}:${frame.lineNumber + 1}`, us);
  const pkg = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(frame.url)?.[1];
  add(byPlace, pkg ?? (source.split('/').slice(0, 2).join('/') || frame.functionName), us);
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parents.get(at)) {
    const name = frames.get(at)!.functionName;
    if (inclusive.includes(name) && !seen.has(name)) {
      seen.add(name);
      add(under, name, us);
    }
  }
});
const list = (map: Map<string, number>) =>
  [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([key, us]) => `${(us / 1e6).toFixed(1).padStart(8)} s  ${key}`)
    .join('\n');
console.log(
  `${file}: ${(total / 1e6).toFixed(1)} s sampled\n\nby package or directory:\n${list(byPlace)}\n\nby function:\n${list(byFunction)}`,
);
if (inclusive.length > 0) console.log(`\nwith the function on the stack:\n${list(under)}`);
