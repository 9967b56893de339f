/**
 * One tenant's Graph budget shared through a BudgetStore by every instance and run: each attempt
 * reads the record, decides with model.ts and writes it back only if nobody wrote in between
 * (optimistic concurrency; a conflict means "read again"). Within a process every waiting caller
 * is decided in the same attempt — one read, one write for all of them, no conflicts with
 * ourselves — so a run that would be granted never waits behind one that must wait, and a new
 * caller wakes a sleeping attempt at once. Releases are not written on their own: they ride on the
 * next attempt's write, or a flush shortly after if none comes.
 */
import { createHash, randomUUID } from 'node:crypto';
import {
  DIMENSIONS,
  compact,
  decide,
  emptyState,
  release,
  usage,
  type Amounts,
  type BudgetRules,
  type BudgetState,
  type Grant,
} from './model';
import type { BudgetStore } from './store';

/**
 * A run as the record names it: 12 hex characters of its id's SHA-256 (run ids are ~70 characters,
 * and the record holds an entry per run and second of the last window).
 */
export function budgetRunKey(runId: string): string {
  return createHash('sha256').update(runId).digest('hex').slice(0, 12);
}

/** Called once the request(s) a grant covered were answered, with what was really sent (default: all of it). */
export type Release = (used?: Amounts) => void;

/** The narrow interface the Graph gateway paces through (fakes in tests). */
export interface Pacer {
  /** Resolves once `amounts` may be sent on behalf of `run`. */
  acquire(run: string, amounts: Amounts): Promise<Release>;
}

export interface SharedBudgetOptions {
  store: BudgetStore;
  rules: BudgetRules;
  /** This instance (host name, process id, a random part): who holds a grant, for diagnostics. */
  holder?: string;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** A release waits at most this long for an attempt to carry it before it is written alone. */
  releaseFlushMs?: number;
  /** Where each run's waits for capacity are summed up (one line per run and `reportEveryMs`); none by default. */
  log?: (line: string) => void;
  /** How often a run's waits are summed up in the log (default 10 s). */
  reportEveryMs?: number;
  /**
   * A run that holds less than the reserve is granted this many requests' worth at once (default 1:
   * off); its next requests in this process draw on that credit without a round trip to the store.
   * A run reading a list page by page then pays one read and write of the record per few pages.
   */
  ahead?: number;
  /** Unused credit goes back once no request of the run has drawn on it for this long (default 250 ms). */
  aheadIdleMs?: number;
}

export interface BudgetStats {
  reads: number;
  writes: number;
  conflicts: number;
  waits: number;
  grants: number;
  /** Requests served from a run's credit, without a round trip to the store. */
  drawn: number;
}

/** Past this size the record's released entries are merged into coarser buckets (a Table string property holds 32 K characters). */
const COMPACT_ABOVE_CHARS = 16_000;

interface PendingRelease {
  id: string;
  run: string;
  used: Amounts;
}

interface Waiter {
  id: string;
  run: string;
  amounts: Amounts;
  /** When the caller asked: the wait is counted from here to its grant. */
  since: number;
  /** Attempts that decided on it (more than one: it waited for capacity, not only for the store). */
  attempts: number;
  resolve: (grant: Grant) => void;
  reject: (error: unknown) => void;
}

/**
 * A grant of several requests' worth held by one run in this process: the first request used part
 * of it, later ones draw on the rest while it is young enough to cover them within the lease. It is
 * released as one grant (what all its requests really sent) once no request is using it and none
 * came for `aheadIdleMs`, or it is spent or too old.
 */
interface Credit {
  grant: Grant;
  left: Required<Amounts>;
  used: Required<Amounts>;
  /** Requests drawn on it and not yet answered. */
  outstanding: number;
  /** Bumped on every draw: an idle release scheduled before it no longer applies. */
  generation: number;
  closed: boolean;
}

const zero = (): Required<Amounts> => ({ iw: 0, ir: 0, du: 0, dw: 0 });

/** What one run was granted in this process and how long its callers waited for it (summed since the last report). */
export interface RunWaits {
  grants: number;
  /** Grants not given at the first attempt: the caller waited for capacity, not only for the store. */
  delayed: number;
  waitedMs: number;
  longestMs: number;
  amounts: Required<Amounts>;
  /** Requests served from the run's credit (no wait, no store round trip): not in `grants` or `amounts`. */
  drawn: number;
  since: number;
}

export class SharedBudget implements Pacer {
  readonly holder: string;
  readonly stats: BudgetStats = { reads: 0, writes: 0, conflicts: 0, waits: 0, grants: 0, drawn: 0 };
  /** Per run (its budget key), what it was granted and waited since its last report. */
  readonly waits = new Map<string, RunWaits>();
  /** Per run (its budget key), the credit its requests in this process draw on. */
  private readonly credits = new Map<string, Credit>();
  private turn: Promise<unknown> = Promise.resolve();
  private pending: PendingRelease[] = [];
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private reportTimer: ReturnType<typeof setTimeout> | undefined;
  /** Callers of this process waiting for capacity: decided together, one read and one write for all. */
  private queue: Waiter[] = [];
  private pumping = false;
  private arrived = false;
  private wake: (() => void) | undefined;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(private readonly options: SharedBudgetOptions) {
    this.holder = options.holder ?? `${process.pid}-${randomUUID().slice(0, 8)}`;
    this.now = options.now ?? (() => Date.now());
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.random = options.random ?? Math.random;
  }

  async acquire(run: string, amounts: Amounts): Promise<Release> {
    if (!DIMENSIONS.some((d) => (amounts[d] ?? 0) > 0)) return () => {};
    const key = budgetRunKey(run);
    const credit = this.credits.get(key);
    if (credit && this.covers(credit, amounts)) return this.draw(credit, amounts);
    const grant = await new Promise<Grant>((resolve, reject) => {
      this.queue.push({ id: randomUUID().slice(0, 13), run: key, amounts, since: this.now(), attempts: 0, resolve, reject });
      this.kick();
    });
    const ahead = this.credits.get(key);
    if (ahead?.grant === grant) return this.part(ahead, amounts);
    return (used) => this.release(grant, used ?? amounts);
  }

  /** Whether a credit may still serve this request: enough left, and young enough to finish within its lease. */
  private covers(credit: Credit, amounts: Amounts): boolean {
    if (credit.closed || this.now() >= credit.grant.at + this.options.rules.leaseMs / 2) return false;
    return DIMENSIONS.every((d) => (amounts[d] ?? 0) <= credit.left[d]);
  }

  private draw(credit: Credit, amounts: Amounts): Release {
    for (const d of DIMENSIONS) credit.left[d] -= amounts[d] ?? 0;
    this.stats.drawn++;
    const run = credit.grant.run;
    const waits = this.waits.get(run) ?? this.newWaits(this.now());
    waits.drawn++;
    this.waits.set(run, waits);
    return this.part(credit, amounts);
  }

  /** One request under a credit: its release adds what it sent; the last one out may give the credit back. */
  private part(credit: Credit, amounts: Amounts): Release {
    credit.outstanding++;
    credit.generation++;
    let done = false;
    return (used) => {
      if (done) return;
      done = true;
      const sent = used ?? amounts;
      for (const d of DIMENSIONS) credit.used[d] += Math.min(sent[d] ?? 0, amounts[d] ?? 0);
      credit.outstanding--;
      this.settle(credit);
    };
  }

  /** Gives a credit back once nothing uses it: at once when it can serve nothing more, else after it sat idle. */
  private settle(credit: Credit): void {
    if (credit.closed || credit.outstanding > 0) return;
    const spent = DIMENSIONS.every((d) => credit.left[d] <= 0) || this.now() >= credit.grant.at + this.options.rules.leaseMs / 2;
    if (spent) return this.close(credit);
    const generation = credit.generation;
    void this.sleep(this.options.aheadIdleMs ?? 250).then(() => {
      if (credit.generation === generation) this.close(credit);
    });
  }

  private close(credit: Credit): void {
    if (credit.closed || credit.outstanding > 0) return;
    credit.closed = true;
    if (this.credits.get(credit.grant.run) === credit) this.credits.delete(credit.grant.run);
    this.release(credit.grant, credit.used);
  }

  /** Writes the releases not yet carried by an attempt (tests; a graceful stop). */
  flush(): Promise<void> {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    return this.inTurn(async () => {
      for (let tries = 0; this.pending.length > 0 && tries < 10; tries++) {
        const snap = await this.read();
        const { state, carried } = this.withReleases(snap?.state ?? emptyState());
        if (await this.write(state, snap?.etag)) this.drop(carried);
      }
    });
  }

  /** A new caller: decide at once (waking a pump that sleeps), not after the others' wait. */
  private kick(): void {
    this.arrived = true;
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
    if (!this.pumping) void this.pump();
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      while (this.queue.length > 0) {
        this.arrived = false;
        let waitMs: number;
        try {
          waitMs = await this.inTurn(() => this.attempt());
        } catch (error) {
          for (const w of this.queue.splice(0)) w.reject(error);
          break;
        }
        if (this.queue.length === 0 || this.arrived) continue;
        this.stats.waits++;
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          void this.sleep(waitMs).then(resolve);
        });
        this.wake = undefined;
      }
    } finally {
      this.pumping = false;
    }
  }

  private inTurn<T>(fn: () => Promise<T>): Promise<T> {
    const mine = this.turn.then(fn);
    this.turn = mine.catch(() => undefined);
    return mine;
  }

  /** One read, every waiter decided in arrival order, one conditional write; how long to wait before the next. */
  private async attempt(): Promise<number> {
    const snap = await this.read();
    const before = snap?.state ?? emptyState();
    const applied = this.withReleases(before);
    let state = applied.state;
    const carried = applied.carried;
    const now = this.now();
    const rules = this.options.rules;
    const granted: [Waiter, Grant][] = [];
    /** Runs given credit in this attempt: one credit per run at a time. */
    const credited = new Set<string>();
    let waitMs = rules.maxWaitMs;
    let stale = false;
    for (const w of [...this.queue]) {
      const seen = before.demand[w.run];
      // Waiting runs count for the fair shares: their mark is refreshed well within its lifetime.
      if (seen === undefined || now - seen > rules.demandTtlMs / 3) stale = true;
      w.attempts++;
      try {
        const ahead = this.aheadOf(w, state, now, credited);
        const early = ahead && decide(state, { id: w.id, holder: this.holder, run: w.run, amounts: ahead }, now, rules);
        const d =
          early && early.granted ? early : decide(state, { id: w.id, holder: this.holder, run: w.run, amounts: w.amounts }, now, rules);
        state = d.state;
        if (d === early) credited.add(w.run);
        if (d.granted) granted.push([w, d.grant]);
        else waitMs = Math.min(waitMs, d.waitMs);
      } catch (error) {
        this.queue = this.queue.filter((q) => q !== w);
        w.reject(error);
      }
    }
    const jitter = Math.floor(this.random() * 20);
    if (granted.length === 0 && !stale && carried.length === 0) return waitMs + jitter;
    state = compact(state, COMPACT_ABOVE_CHARS);
    if (!(await this.write(state, snap?.etag))) {
      // Someone wrote first: look again soon (spread out so rivals do not collide again). A lost
      // demand mark or release costs nothing: the next write carries it.
      return granted.length > 0 ? 1 + jitter : waitMs + jitter;
    }
    this.drop(carried);
    for (const [w, grant] of granted) {
      this.queue = this.queue.filter((q) => q !== w);
      this.stats.grants++;
      this.count(w, now);
      if (grant.a !== w.amounts) this.credits.set(w.run, this.creditOf(grant, w.amounts));
      w.resolve(grant);
    }
    return waitMs + jitter;
  }

  /**
   * The amounts to ask for a waiter as credit: `ahead` times its request, when its run has no credit
   * here and would still hold no more than the reserve with it (a small holder: the large run keeps
   * asking request by request, and its share stays what the rules give it).
   */
  private aheadOf(w: Waiter, state: BudgetState, now: number, credited: ReadonlySet<string>): Amounts | undefined {
    const ahead = this.options.ahead ?? 1;
    if (ahead <= 1 || this.credits.has(w.run) || credited.has(w.run)) return undefined;
    const rules = this.options.rules;
    const mine = usage(state, now, rules, w.run);
    const wanted: Amounts = {};
    for (const d of DIMENSIONS) {
      const n = w.amounts[d] ?? 0;
      if (n <= 0) continue;
      if (mine[d] + n * ahead > Math.floor(rules.limits[d].limit * rules.reserve)) return undefined;
      wanted[d] = n * ahead;
    }
    return wanted;
  }

  private creditOf(grant: Grant, first: Amounts): Credit {
    const left = zero();
    for (const d of DIMENSIONS) left[d] = (grant.a[d] ?? 0) - (first[d] ?? 0);
    return { grant, left, used: zero(), outstanding: 0, generation: 0, closed: false };
  }

  private newWaits(since: number): RunWaits {
    return { grants: 0, delayed: 0, waitedMs: 0, longestMs: 0, amounts: zero(), drawn: 0, since };
  }

  /** Adds a grant to its run's waits; every `reportEveryMs` the runs' waits are logged and counted again. */
  private count(w: Waiter, now: number): void {
    let r = this.waits.get(w.run);
    if (!r) {
      r = this.newWaits(w.since);
      this.waits.set(w.run, r);
    }
    const waited = now - w.since;
    r.grants++;
    if (w.attempts > 1) r.delayed++;
    r.waitedMs += waited;
    r.longestMs = Math.max(r.longestMs, waited);
    for (const d of DIMENSIONS) r.amounts[d] += w.amounts[d] ?? 0;
    const log = this.options.log;
    if (!log || this.reportTimer) return;
    this.reportTimer = setTimeout(() => {
      this.reportTimer = undefined;
      for (const [run, waits] of this.waits) log(describeWaits(run, waits, this.now(), this.holder));
      this.waits.clear();
    }, this.options.reportEveryMs ?? 10_000);
    this.reportTimer.unref?.();
  }

  private release(grant: Grant, used: Amounts): void {
    this.pending.push({ id: grant.id, run: grant.run, used });
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = undefined;
      void this.flush().catch(() => undefined); // unwritten, the grant still stops counting when it expires
    }, this.options.releaseFlushMs ?? 250);
    // A pending release must not keep a stopping process alive: its grant expires anyway.
    this.flushTimer.unref?.();
  }

  private withReleases(state: BudgetState): { state: BudgetState; carried: PendingRelease[] } {
    const carried = [...this.pending];
    let next = state;
    for (const r of carried) next = release(next, r.id, r.run, r.used, this.now(), this.options.rules);
    return { state: next, carried };
  }

  private drop(carried: PendingRelease[]): void {
    this.pending = this.pending.filter((p) => !carried.includes(p));
    if (this.pending.length === 0 && this.flushTimer) {
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
    }
  }

  private async read() {
    this.stats.reads++;
    return this.options.store.read();
  }

  private async write(state: BudgetState, etag: string | undefined): Promise<boolean> {
    const ok = await this.options.store.write(state, etag);
    if (ok) this.stats.writes++;
    else this.stats.conflicts++;
    return ok;
  }
}

/** One log line: a run's grants and waits over a period (the run by its budget key: no run id, device or tenant data). */
export function describeWaits(run: string, r: RunWaits, now: number, holder: string): string {
  const amounts = DIMENSIONS.filter((d) => r.amounts[d] > 0)
    .map((d) => `${d} ${r.amounts[d]}`)
    .join(', ');
  return (
    `graph budget: run ${run} on ${holder}, ${((now - r.since) / 1000).toFixed(1)} s: ${r.grants} grants (${amounts || 'nothing'}), ` +
    `${r.drawn} more requests on credit, ` +
    `${r.delayed} waited, ${(r.waitedMs / 1000).toFixed(1)} s waiting in all, longest ${(r.longestMs / 1000).toFixed(1)} s`
  );
}
