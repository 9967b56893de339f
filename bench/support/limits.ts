/**
 * The least time the documented limits allow for a set of Graph operations (graph-api reference
 * §12, as the emulator enforces them in local/graph-emulator/throttle.ts): Intune counts requests
 * and writes per app in sliding 20 s windows; the directory charges resource units from a bucket
 * that starts full and refills at its quota per 10 s. Only accepted operations count (the service
 * does not count a request it throttled).
 */
import type { LogEntry } from '../../local/graph-emulator';
import { normalizeSegments, route } from '../../local/graph-emulator/router';
import { DIRECTORY_LIMITS, INTUNE_LIMITS } from '../../local/graph-emulator/throttle';

export interface LimitFloor {
  intuneOps: number;
  intuneWrites: number;
  directoryOps: number;
  directoryUnits: number;
  /** Least wall time each limit allows for these operations, ms. */
  intuneAllMs: number;
  intuneWritesMs: number;
  directoryMs: number;
  /** The binding one. */
  floorMs: number;
  binding: string;
}

function areaAndCost(e: LogEntry): { area: string; cost: number } | undefined {
  const path = e.path.split('?')[0]!;
  const version = path.split('/')[1];
  if (version !== 'v1.0' && version !== 'beta') return undefined;
  try {
    const match = route(e.method, version, normalizeSegments(path.slice(version.length + 2)), path);
    return { area: match.route.area, cost: match.route.cost ?? 1 };
  } catch {
    return undefined;
  }
}

/** n operations through a limit of `limit` per sliding window: the last can start (⌈n/limit⌉−1) windows after the first. */
const windowsFloor = (n: number, limit: number, windowMs: number) => (n <= 0 ? 0 : (Math.ceil(n / limit) - 1) * windowMs);

export function limitFloor(entries: LogEntry[], tier: 'S' | 'M' | 'L' = 'S'): LimitFloor {
  let intuneOps = 0;
  let intuneWrites = 0;
  let directoryOps = 0;
  let directoryUnits = 0;
  for (const e of entries) {
    if (e.batch || e.throttled || e.fault) continue;
    const a = areaAndCost(e);
    if (!a) continue;
    if (a.area === 'intune') {
      intuneOps++;
      if (e.method !== 'GET') intuneWrites++;
    } else if (a.area === 'directory') {
      directoryOps++;
      directoryUnits += a.cost;
    }
  }
  const quota = DIRECTORY_LIMITS.ru[tier];
  const intuneAllMs = windowsFloor(intuneOps, INTUNE_LIMITS.appAll, INTUNE_LIMITS.windowMs);
  const intuneWritesMs = windowsFloor(intuneWrites, INTUNE_LIMITS.appWrites, INTUNE_LIMITS.windowMs);
  const directoryMs = Math.max(0, ((directoryUnits - quota) / quota) * DIRECTORY_LIMITS.ruWindowMs);
  const candidates: [string, number][] = [
    ['Intune requests per app (1,000 / 20 s)', intuneAllMs],
    ['Intune writes per app (100 / 20 s)', intuneWritesMs],
    [`directory resource units (${quota} / 10 s)`, directoryMs],
  ];
  const [binding, floorMs] = candidates.reduce((a, b) => (b[1] > a[1] ? b : a));
  return { intuneOps, intuneWrites, directoryOps, directoryUnits, intuneAllMs, intuneWritesMs, directoryMs, floorMs, binding };
}

/** 20 s windows (aligned on the first request) in which at least one request was throttled. */
export function throttledWindows(entries: LogEntry[]): { windows: number; of: number; longestStreak: number } {
  if (entries.length === 0) return { windows: 0, of: 0, longestStreak: 0 };
  const start = entries[0]!.at;
  const hit = new Set<number>();
  let lastWindow = 0;
  for (const e of entries) {
    const w = Math.floor((e.at - start) / 20_000);
    lastWindow = Math.max(lastWindow, w);
    if (e.throttled) hit.add(w);
  }
  let longest = 0;
  let streak = 0;
  for (let w = 0; w <= lastWindow; w++) {
    streak = hit.has(w) ? streak + 1 : 0;
    longest = Math.max(longest, streak);
  }
  return { windows: hit.size, of: lastWindow + 1, longestStreak: longest };
}
