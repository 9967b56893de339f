/** Memory of a child process from /proc (Linux): peak resident set (VmHWM) and current (VmRSS). */
import { readFileSync } from 'node:fs';

export interface ProcMemory {
  rssMb: number;
  hwmMb: number;
}

export function procMemory(pid: number): ProcMemory | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 };
}

/** Samples VmRSS every `everyMs` and remembers the peak (VmHWM is read too, when the kernel has it). */
export function sampleMemory(pid: () => number | undefined, everyMs = 200): { stop(): { peakRssMb: number; hwmMb: number } } {
  let peakRss = 0;
  let hwm = 0;
  const tick = () => {
    const p = pid();
    const m = p === undefined ? undefined : procMemory(p);
    if (!m) return;
    if (Number.isFinite(m.rssMb)) peakRss = Math.max(peakRss, m.rssMb);
    if (Number.isFinite(m.hwmMb)) hwm = Math.max(hwm, m.hwmMb);
  };
  tick();
  const timer = setInterval(tick, everyMs);
  return {
    stop() {
      tick();
      clearInterval(timer);
      return { peakRssMb: peakRss, hwmMb: hwm };
    },
  };
}

/**
 * This process's own RSS while something runs in it: the peak of `process.memoryUsage().rss`
 * sampled every `everyMs` (plus at start and stop) and the RSS it started from. Unlike getrusage's
 * maxrss it leaves out what the process did before (a bench's setup).
 */
export function sampleSelf(everyMs = 50): { stop(): { peakRssMb: number; startRssMb: number } } {
  const mb = () => process.memoryUsage().rss / 2 ** 20;
  const startRssMb = mb();
  let peakRssMb = startRssMb;
  const timer = setInterval(() => (peakRssMb = Math.max(peakRssMb, mb())), everyMs);
  return {
    stop() {
      clearInterval(timer);
      return { peakRssMb: Math.max(peakRssMb, mb()), startRssMb };
    },
  };
}
