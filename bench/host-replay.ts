/**
 * Replay cost on the local host: one orchestration with N (default 2,000) sequential activities.
 * Every episode replays the whole history, so the cost of one episode should grow linearly with the
 * history (and the whole run quadratically, as on the real extension) — never worse per episode.
 * Prints the mean episode time around several history sizes and the time per 1,000 history events.
 *
 *   npx tsx bench/host-replay.ts                (BENCH_STEPS=2000)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startLocalHost, type EpisodeTiming } from '../local/host/index';

const STEPS = Number(process.env.BENCH_STEPS ?? 2000);
const WINDOW = 50;

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
    console.log('activities done | history events | mean episode ms (window of 50) | ms per 1,000 events');
    const marks = [250, 500, 1000, 1500, 2000].filter((m) => m <= STEPS);
    for (const mark of marks) {
      const slice = episodes.slice(Math.max(0, mark - WINDOW), mark);
      const ms = slice.reduce((a, e) => a + e.ms, 0) / slice.length;
      const events = slice.reduce((a, e) => a + e.historyEvents, 0) / slice.length;
      console.log(`${String(mark).padStart(15)} | ${events.toFixed(0).padStart(14)} | ${ms.toFixed(2).padStart(29)} | ${((ms / events) * 1000).toFixed(2).padStart(19)}`);
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
