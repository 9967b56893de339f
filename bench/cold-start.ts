/**
 * Cold start (issue 16): how long a fresh worker takes from its start to the functions registered
 * and to the first `POST /api/intake` answered, what loading the app costs on its own, and how big
 * the deployment package is.
 *
 *   npm run build && npx tsx bench/cold-start.ts [--rounds 5]
 *
 * 1. App load: a fresh `node` requires dist/functions/index.js (what the worker does before it
 *    registers the functions; without the host the SDK skips registration) and reports the time and
 *    the modules loaded.
 * 2. Worker start: on one local stack (Azurite, Graph emulator, the local host running dist/), the
 *    host process is killed and started again each round: start → "ready" (app loaded, functions
 *    registered, listening), then the first POST /api/intake (a 2-row CSV) answered, then a second
 *    one (warm) for comparison.
 * 3. Package: the files `.funcignore` lets through (dist/ and sources; node_modules is reinstalled by
 *    the remote build) and the production dependencies (`npm ls --omit=dev`) as installed here.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { z } from 'zod';
import { generateHardwareHash } from '../local/fixtures/hardware-hash-generator';
import { REPO_ROOT } from '../local/stack';
import { benchArgs, fmt, machine, table } from './support/args';
import { startBenchStack } from './support/stack';

const args = benchArgs({ rounds: z.coerce.number().int().min(1).default(5) }, 'usage: npx tsx bench/cold-start.ts [--rounds 5]');

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

function appLoad(): { ms: number; modules: number } {
  const script = `const t=process.hrtime.bigint();require(${JSON.stringify(join(REPO_ROOT, 'dist/functions/index.js'))});process.stdout.write(JSON.stringify({ms:Number(process.hrtime.bigint()-t)/1e6,modules:Object.keys(require.cache).length}))`;
  const out = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  return JSON.parse(out.stdout) as { ms: number; modules: number };
}

/** Bytes of the files under `dir` whose repository path `keep` accepts. */
function sizeOf(dir: string, keep: (rel: string) => boolean): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      const rel = relative(REPO_ROOT, p);
      if (!keep(e.isDirectory() ? `${rel}/` : rel)) continue;
      if (e.isDirectory()) walk(p);
      else {
        files++;
        bytes += statSync(p).size;
      }
    }
  };
  walk(dir);
  return { files, bytes };
}

/** A small .funcignore reader: the patterns this repository uses (anchored dirs, globs on names). */
function funcignore(): (rel: string) => boolean {
  const patterns = readFileSync(join(REPO_ROOT, '.funcignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((p) => {
      const anchored = p.startsWith('/');
      const body = p
        .replace(/^\//, '')
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '[^/]*');
      return new RegExp(anchored ? `^${body}` : `(^|/)${body}`);
    });
  return (rel) => !patterns.some((re) => re.test(rel));
}

function productionDependencies(): { packages: number; bytes: number } {
  const out = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable', '--workspaces=false'], { cwd: REPO_ROOT, encoding: 'utf8' });
  const dirs = [...new Set(out.split('\n').filter((l) => l.includes('node_modules')))];
  let bytes = 0;
  for (const d of dirs) bytes += sizeOf(d, (rel) => !rel.slice(relative(REPO_ROOT, d).length + 1).includes('node_modules/')).bytes;
  return { packages: dirs.length, bytes };
}

async function main(): Promise<void> {
  console.log(`cold-start: ${machine()}; ${new Date().toISOString()}`);
  const loads = Array.from({ length: args.rounds }, appLoad);
  console.log(
    `\napp load (require dist/functions/index.js), ${args.rounds} fresh processes: median ${fmt.n(median(loads.map((l) => l.ms)))} ms (${loads.map((l) => l.ms.toFixed(0)).join(' / ')}), ${loads[0]?.modules} modules\n`,
  );

  const stack = await startBenchStack({ tenantDevices: 0 });
  const rows: string[][] = [
    ['round', 'start → ready (registered)', 'ready → first POST /api/intake answered', 'second POST', 'start → first answer'],
  ];
  try {
    for (let round = 1; round <= args.rounds; round++) {
      // The files are made before the clock starts: only the host's work is timed.
      const csvs = [1, 2].map((i) => {
        const serials = [`COLD-${round}-${i}-A`, `COLD-${round}-${i}-B`];
        return `Device Serial Number,Windows Product ID,Hardware Hash\r\n${serials.map((s) => `${s},,${generateHardwareHash({ serialNumber: s, manufacturer: 'Contoso', model: 'Laptop 7' })}`).join('\r\n')}\r\n`;
      });
      await stack.killHost();
      const t0 = performance.now();
      await stack.startHost();
      const t1 = performance.now();
      const post = async (i: number) => {
        const csv = csvs[i - 1];
        const res = await fetch(`${stack.hostUrl}/api/intake?fileName=cold-${round}-${i}.csv`, {
          method: 'POST',
          headers: { 'Content-Type': 'text/csv' },
          body: csv,
        });
        if (res.status !== 202) throw new Error(`POST /api/intake answered ${res.status}: ${await res.text()}`);
      };
      await post(1);
      const t2 = performance.now();
      await post(2);
      const t3 = performance.now();
      rows.push([String(round), `${fmt.n(t1 - t0)} ms`, `${fmt.n(t2 - t1)} ms`, `${fmt.n(t3 - t2)} ms`, `${fmt.n(t2 - t0)} ms`]);
    }
  } finally {
    await stack.dispose();
  }
  console.log(table(rows));

  const pkg = sizeOf(REPO_ROOT, (rel) => !rel.startsWith('node_modules') && funcignore()(rel));
  const deps = productionDependencies();
  console.log(
    `\npackage (what .funcignore lets through, before the remote build installs node_modules): ${pkg.files} files, ${fmt.n(pkg.bytes / 2 ** 20)} MB`,
  );
  console.log(
    `production dependencies as installed here (npm ls --omit=dev): ${deps.packages} packages, ${fmt.n(deps.bytes / 2 ** 20)} MB`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
