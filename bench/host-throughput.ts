/**
 * Local host throughput: N orchestrations (default 1,000), each a chain of 10 sequential activities,
 * started over the durable HTTP API and run to completion with the real SDKs and the fsynced journal.
 * Prints throughput and per-episode overhead.
 *
 *   npx tsx bench/host-throughput.ts            (BENCH_ORCHESTRATIONS=1000 BENCH_STEPS=10)
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startLocalHost } from '../local/host/index';

const ORCHESTRATIONS = Number(process.env.BENCH_ORCHESTRATIONS ?? 1000);
const STEPS = Number(process.env.BENCH_STEPS ?? 10);
const START_CONCURRENCY = 32;

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function main(): Promise<void> {
  const stateDir = mkdtempSync(join(tmpdir(), 'bench-host-'));
  const episodeMs: number[] = [];
  const episodeCpuMs: number[] = [];
  const host = await startLocalHost({
    appDir: resolve(__dirname, '../tests/host/apps/bench'),
    port: 0,
    stateDir,
    log: (l) => (/error|failed/i.test(l) ? process.stderr.write(`${l}\n`) : undefined),
    onEpisode: (e) => {
      episodeMs.push(e.ms);
      episodeCpuMs.push(e.cpuMs);
    },
  });
  try {
    const ids = Array.from({ length: ORCHESTRATIONS }, (_, i) => `bench-${i}`);
    const t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: START_CONCURRENCY }, async () => {
        while (next < ids.length) {
          const id = ids[next++] as string;
          const r = await fetch(`${host.url}/durabletask/orchestrators/chain/${id}`, { method: 'POST', body: String(STEPS) });
          if (r.status !== 202) throw new Error(`start ${id}: HTTP ${r.status} ${await r.text()}`);
        }
      }),
    );
    const started = performance.now();
    for (const id of ids) {
      const s = await host.waitForInstance(id, { timeoutMs: 600_000 });
      if (s.runtimeStatus !== 'Completed' || s.output !== STEPS) throw new Error(`${id}: ${JSON.stringify(s)}`);
    }
    const wall = (performance.now() - t0) / 1000;
    const sorted = [...episodeMs].sort((a, b) => a - b);
    const mean = episodeMs.reduce((a, b) => a + b, 0) / episodeMs.length;
    const cpuMean = episodeCpuMs.reduce((a, b) => a + b, 0) / episodeCpuMs.length;
    const cpuTotal = process.cpuUsage();
    const journal = statSync(join(stateDir, 'journal.jsonl')).size;
    const fmt = (n: number, d = 2) => n.toFixed(d);
    console.log(`orchestrations            ${ORCHESTRATIONS} × ${STEPS} sequential activities`);
    console.log(`starting (HTTP, ${START_CONCURRENCY} parallel) ${fmt((started - t0) / 1000)} s`);
    console.log(`wall time                 ${fmt(wall)} s`);
    console.log(
      `throughput                ${fmt(ORCHESTRATIONS / wall, 1)} orchestrations/s, ${fmt((ORCHESTRATIONS * STEPS) / wall, 0)} activities/s`,
    );
    console.log(`episodes                  ${episodeMs.length} (${fmt(episodeMs.length / wall, 0)}/s)`);
    console.log(
      `episode time (ms)         mean ${fmt(mean)}  p50 ${fmt(pct(sorted, 50))}  p95 ${fmt(pct(sorted, 95))}  max ${fmt(sorted[sorted.length - 1] ?? 0)}`,
    );
    console.log(`episode CPU (ms)          mean ${fmt(cpuMean)} (process CPU while the episode ran)`);
    console.log(`process CPU               ${fmt((cpuTotal.user + cpuTotal.system) / 1e6)} s over ${fmt(wall)} s wall (incl. start-up)`);
    console.log(`journal                   ${(journal / 1e6).toFixed(1)} MB`);
  } finally {
    await host.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
