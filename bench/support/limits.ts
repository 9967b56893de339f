/**
 * The least time the documented limits allow for a set of Graph operations: the yardstick of the
 * throttled benchmark. It states the limits itself, from Microsoft's pages, and classifies requests
 * by path, so a mistake in the emulator's own limits or route table cannot move it:
 *
 * - Intune (every /deviceManagement call), per app per tenant: 1,000 requests and 100 writes
 *   (POST, PUT, PATCH, DELETE) per 20 s — learn.microsoft.com/graph/throttling-limits,
 *   "Intune service limits" (docs-contrib includes/throttling-intune-device-enrollment.md).
 * - The directory (/groups, /devices, /directoryObjects), per app and tenant: a bucket of resource
 *   units refilled at its quota per 10 s — 3,500 / 5,000 / 8,000 for tenants of < 50 / 50–500 /
 *   > 500 users; a read of /groups/{id}/members costs 3, of /transitiveMembers 5, other requests 1
 *   (same page, "Identity and access service limits").
 *
 * Only accepted operations count (the service does not count a request it throttled).
 */
import type { LogEntry } from '../../local/graph-emulator';

const INTUNE = { requestsPer20s: 1_000, writesPer20s: 100, windowMs: 20_000 } as const;
const DIRECTORY = { quota: { S: 3_500, M: 5_000, L: 8_000 }, windowMs: 10_000 } as const;

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

/** The documented area of a request and its directory cost, from its path alone. */
function areaAndCost(e: LogEntry): { area: 'intune' | 'directory'; cost: number } | undefined {
  const path = e.path.split('?')[0]!;
  const m = /^\/(v1\.0|beta)\/([^/]+)(\/.*)?$/i.exec(path);
  if (!m) return undefined;
  const root = m[2]!.toLowerCase();
  if (root === 'devicemanagement') return { area: 'intune', cost: 1 };
  if (root === 'groups' || root === 'devices' || root === 'directoryobjects') {
    const rest = (m[3] ?? '').toLowerCase();
    const cost =
      e.method === 'GET' && /^\/[^/]+\/transitivemembers/.test(rest) ? 5 : e.method === 'GET' && /^\/[^/]+\/members/.test(rest) ? 3 : 1;
    return { area: 'directory', cost };
  }
  return undefined;
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
  const quota = DIRECTORY.quota[tier];
  const intuneAllMs = windowsFloor(intuneOps, INTUNE.requestsPer20s, INTUNE.windowMs);
  const intuneWritesMs = windowsFloor(intuneWrites, INTUNE.writesPer20s, INTUNE.windowMs);
  const directoryMs = Math.max(0, ((directoryUnits - quota) / quota) * DIRECTORY.windowMs);
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
