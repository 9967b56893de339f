// Preloaded into the host by bench/pipeline-memory.ts (--probe 1, through NODE_OPTIONS=--import):
// reports the process's own memory on stderr, so the bench can tell live heap (heapUsed right
// after a major GC) from RSS that V8 simply has not returned yet. Plain JavaScript: it loads
// before tsx does.
/* global process, setInterval */
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import { isMainThread } from 'node:worker_threads';

const mb = (n) => (n / 2 ** 20).toFixed(1);
const line = (tag) => {
  const m = process.memoryUsage();
  // Committed size of each V8 space (new_space: the young generation's semi-spaces), to tell what of heapTotal grows.
  const spaces = getHeapSpaceStatistics()
    .map((s) => `${s.space_name.replace(/_space$/, '')}=${mb(s.space_size)}`)
    .join(' ');
  process.stderr.write(
    `${tag} rss=${mb(m.rss)} heapUsed=${mb(m.heapUsed)} heapTotal=${mb(m.heapTotal)} external=${mb(m.external)} arrayBuffers=${mb(m.arrayBuffers)} ${spaces}\n`,
  );
};
// Worker threads load it too (NODE_OPTIONS); only the main isolate runs the app.
if (isMainThread) {
  new PerformanceObserver((list) => {
    if (list.getEntries().some((e) => e.detail && e.detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR)) line('memprobe-gc');
  }).observe({ entryTypes: ['gc'] });
  setInterval(() => line('memprobe'), 250).unref();
}
