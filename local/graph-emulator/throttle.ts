import type { Area } from './handlers/types';

/** Timestamps within a sliding window; O(1) amortised per request. */
class SlidingWindow {
  private times: number[] = [];
  private head = 0;

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {}

  private trim(now: number): void {
    while (this.head < this.times.length && this.times[this.head]! <= now - this.windowMs) this.head++;
    if (this.head > 4096 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
  }

  /** Milliseconds until one more request fits, 0 if it fits now. */
  waitMs(now: number): number {
    this.trim(now);
    if (this.times.length - this.head < this.limit) return 0;
    return this.times[this.times.length - this.limit]! + this.windowMs - now;
  }

  add(now: number): void {
    this.times.push(now);
  }
}

/** Directory resource units: a bucket refilled continuously at quota per 10 s. */
class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(
    readonly capacity: number,
    readonly perMs: number,
    now: number,
  ) {
    this.tokens = capacity;
    this.at = now;
  }

  waitMs(cost: number, now: number): number {
    this.tokens = Math.min(this.capacity, this.tokens + (now - this.at) * this.perMs);
    this.at = now;
    return this.tokens >= cost ? 0 : Math.ceil((cost - this.tokens) / this.perMs);
  }

  take(cost: number): void {
    this.tokens -= cost;
  }
}

export const INTUNE_LIMITS = { windowMs: 20_000, tenantWrites: 200, tenantAll: 2000, appWrites: 100, appAll: 1000 } as const;
export const DIRECTORY_LIMITS = {
  ruWindowMs: 10_000,
  ru: { S: 3500, M: 5000, L: 8000 },
  appWrites: 3000,
  appWriteWindowMs: 150_000,
  tenantWrites: 18_000,
  tenantWriteWindowMs: 300_000,
} as const;

/** `scope` is `<Scope>/<Limit>` of the x-ms-throttle-scope header; the caller appends app and tenant. */
export type ThrottleVerdict =
  { ok: true; resourceUnits?: number } | { ok: false; retryAfterSeconds: number; scope: string; information: string };

/**
 * The documented limits (graph-api reference §12): Intune counts requests and writes per tenant
 * and per app in 20-second windows; the directory charges resource units from a per-app bucket and
 * caps writes. An "app" is a bearer token's app id. Rejected requests are not counted.
 */
export class Throttler {
  private windows = new Map<string, SlidingWindow>();
  private buckets = new Map<string, TokenBucket>();

  constructor(private tier: 'S' | 'M' | 'L' = 'S') {}

  setTier(tier: 'S' | 'M' | 'L'): void {
    if (tier !== this.tier) this.buckets.clear();
    this.tier = tier;
  }

  reset(): void {
    this.windows.clear();
    this.buckets.clear();
  }

  private window(key: string, limit: number, windowMs: number): SlidingWindow {
    let w = this.windows.get(key);
    if (!w) this.windows.set(key, (w = new SlidingWindow(limit, windowMs)));
    return w;
  }

  check(appId: string, area: Area, write: boolean, cost: number, now: number): ThrottleVerdict {
    if (area === 'intune') {
      const L = INTUNE_LIMITS;
      const checks: [SlidingWindow, string][] = [
        [this.window(`i:a:${appId}`, L.appAll, L.windowMs), 'Tenant_Application/ReadWrite'],
        [this.window('i:t', L.tenantAll, L.windowMs), 'Tenant/ReadWrite'],
      ];
      if (write) {
        checks.push(
          [this.window(`i:aw:${appId}`, L.appWrites, L.windowMs), 'Tenant_Application/Write'],
          [this.window('i:tw', L.tenantWrites, L.windowMs), 'Tenant/Write'],
        );
      }
      for (const [w, scope] of checks) {
        const wait = w.waitMs(now);
        if (wait > 0)
          return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(wait / 1000)), scope, information: 'RequestLimitExceeded' };
      }
      for (const [w] of checks) w.add(now);
      return { ok: true };
    }
    const D = DIRECTORY_LIMITS;
    const quota = D.ru[this.tier];
    let bucket = this.buckets.get(appId);
    if (!bucket) this.buckets.set(appId, (bucket = new TokenBucket(quota, quota / D.ruWindowMs, now)));
    const ruWait = bucket.waitMs(cost, now);
    if (ruWait > 0)
      return {
        ok: false,
        retryAfterSeconds: Math.max(1, Math.ceil(ruWait / 1000)),
        scope: 'Tenant_Application/ReadWrite',
        information: 'ResourceUnitLimitExceeded',
      };
    const writes: [SlidingWindow, string][] = write
      ? [
          [this.window(`d:aw:${appId}`, D.appWrites, D.appWriteWindowMs), 'Tenant_Application/Write'],
          [this.window('d:tw', D.tenantWrites, D.tenantWriteWindowMs), 'Tenant/Write'],
        ]
      : [];
    for (const [w, scope] of writes) {
      const wait = w.waitMs(now);
      if (wait > 0) return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(wait / 1000)), scope, information: 'WriteLimitExceeded' };
    }
    bucket.take(cost);
    for (const [w] of writes) w.add(now);
    return { ok: true, resourceUnits: cost };
  }
}
