/**
 * Replay cost on the local host: one orchestration with N (default 2,000) sequential activities.
 * Every episode replays the whole history, so the cost of one episode should grow linearly with the
 * history (and the whole run quadratically, as on the real extension) — never worse per episode.
 * Prints, for the 100 episodes before several history sizes, the median and minimum episode wall
 * time and the median process CPU time per episode (robust against a shared, loaded machine), and
 * CPU time per 1,000 history events: flat means linear.
 *
 *   npx tsx bench/host-replay.ts                (BENCH_STEPS=2000)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startLocalHost, type EpisodeTiming } from '../local/host/index';

const STEPS = Number(process.env.BENCH_STEPS ?? 2000);
const WINDOW = 100;

async function main(): Promise<void> {
  const stateDir = mkdtempSync(join(tmpdir(), 'bench-replay-'));
  const episodes: EpisodeTiming[] = [];
  const host = await startLocalHost({
    appDir: resolve(__dirname, '../tests/host/apps/bench'),
    port: 0,
    stateDir,
    log: (l) => (/error|failed/i.test(l) ? process.stderr.write(`${l}\n`) : undefined),
    onEpisode: (e) => episodes.push(e),
  });
  try {
    const t0 = performance.now();
    const r = await fetch(`${host.url}/durabletask/orchestrators/chain/replay-1`, { method: 'POST', body: String(STEPS) });
    if (r.status !== 202) throw new Error(`start: HTTP ${r.status}`);
    const s = await host.waitForInstance('replay-1', { timeoutMs: 1_800_000 });
    if (s.runtimeStatus !== 'Completed' || s.output !== STEPS) throw new Error(JSON.stringify(s));
    const wall = (performance.now() - t0) / 1000;
    console.log(`one orchestration, ${STEPS} sequential activities: ${episodes.length} episodes, ${wall.toFixed(1)} s wall`);
    console.log('activities done | history events | median episode ms | min episode ms | median CPU ms | CPU ms per 1,000 events');
    const marks = [250, 500, 1000, 1500, 2000].filter((m) => m <= STEPS);
    for (const mark of marks) {
      const slice = episodes.slice(Math.max(0, mark - WINDOW), mark);
      const sorted = slice.map((e) => e.ms).sort((a, b) => a - b);
      const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
      const min = sorted[0] ?? 0;
      const cpuSorted = slice.map((e) => e.cpuMs).sort((a, b) => a - b);
      const cpu = cpuSorted[Math.floor(cpuSorted.length / 2)] ?? 0;
      const events = slice.reduce((a, e) => a + e.historyEvents, 0) / slice.length;
      const cols = [
        String(mark).padStart(15),
        events.toFixed(0).padStart(14),
        median.toFixed(2).padStart(17),
        min.toFixed(2).padStart(14),
        cpu.toFixed(2).padStart(13),
        ((cpu / events) * 1000).toFixed(2).padStart(23),
      ];
      console.log(cols.join(' | '));
    }
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
