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
