/**
 * Other apps in the tenant that keep its Intune request window (2,000 per 20 s, shared by every
 * app) full, so the run's own Intune calls meet 429 + Retry-After. Driven by conditions, not by a
 * schedule: the window is refilled whenever it has room again, until the run has been throttled
 * (or has finished), so a slow machine cannot let the run slip between two timed bursts.
 */
import { LOCAL_APP_ID } from '../../local/app-token';
import type { GraphEmulator, LogEntry } from '../../local/graph-emulator';
import { INTUNE_LIMITS } from '../../local/graph-emulator/throttle';

/** Ops per burst: more than the tenant window holds, from apps whose own windows (1,000) are empty. */
const BURST_OPS = 3_000;
const BATCH_OPS = 20;

async function batch(graphUrl: string, token: string): Promise<void> {
  const requests = Array.from({ length: BATCH_OPS }, (_, i) => ({
    id: String(i + 1),
    method: 'GET',
    url: '/deviceManagement/windowsAutopilotSettings',
  }));
  const res = await fetch(`${graphUrl}/beta/$batch`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ requests }),
  });
  await res.arrayBuffer();
}

/** One burst from apps new to the window (so only the tenant-wide limit stops them), 8 lanes of $batch. */
async function burst(graphUrl: string, burstNo: number): Promise<void> {
  const apps = Math.ceil(BURST_OPS / INTUNE_LIMITS.appAll);
  const batches = Math.ceil(BURST_OPS / BATCH_OPS);
  const lanes = Array.from({ length: 8 }, async (_, lane) => {
    for (let i = lane; i < batches; i += 8) await batch(graphUrl, `neighbour-${burstNo}-${i % apps}`);
  });
  await Promise.all(lanes);
}

/** Does one more Intune request fit in the tenant window? Asked by an app new to it, so only the tenant limit answers. */
async function windowHasRoom(graphUrl: string, probeNo: number): Promise<boolean> {
  const res = await fetch(`${graphUrl}/beta/deviceManagement/windowsAutopilotSettings`, {
    headers: { Authorization: `Bearer probe-${probeNo}` },
  });
  await res.arrayBuffer();
  return res.status !== 429;
}

/** The emulator's own log, read forward from a sequence number (no bodies: cheap to poll). */
export class LogCursor {
  constructor(
    private readonly emulator: GraphEmulator,
    private next: number,
  ) {}

  read(): LogEntry[] {
    const out: LogEntry[] = [];
    for (;;) {
      const page = this.emulator.requestLog(this.next, 50_000, false);
      if (page.entries.length === 0) return out;
      out.push(...page.entries);
      this.next = page.next;
    }
  }
}

export interface Neighbours {
  /** Resolves once the window has been filled the first time. */
  filled: Promise<void>;
  /** Resolves when the neighbours have stopped (the run was throttled, or `stop()` was called). */
  done: Promise<void>;
  stop(): void;
}

/**
 * Fills the tenant's Intune window now and again whenever it has room, until a request of this
 * app (LOCAL_APP_ID) logged after `since` has been throttled.
 */
export function noisyNeighbours(emulator: GraphEmulator, since: number): Neighbours {
  const log = new LogCursor(emulator, since);
  let stopped = false;
  let appThrottled = false;
  const runThrottled = () => (appThrottled ||= log.read().some((e) => e.appId === LOCAL_APP_ID && e.throttled === true));
  let markFilled: () => void = () => undefined;
  const filled = new Promise<void>((resolve) => (markFilled = resolve));
  const done = (async () => {
    // Bursts in a row after which the window still had room: the emulator is not limiting the
    // tenant at all, and bursting on would only load the machine (the test's checks then fail).
    let unfilled = 0;
    let justBurst = false;
    for (let round = 0; !stopped && !runThrottled() && unfilled < 3; round++) {
      if (await windowHasRoom(emulator.url, round)) {
        if (justBurst) unfilled++;
        await burst(emulator.url, round);
        justBurst = true;
      } else {
        markFilled();
        unfilled = 0;
        justBurst = false;
        // Full: look again shortly (a 20-s window frees up gradually as its oldest requests age out).
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    markFilled();
  })();
  return { filled, done, stop: () => (stopped = true) };
}
