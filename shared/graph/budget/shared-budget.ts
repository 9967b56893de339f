/**
 * One tenant's Graph budget shared through a BudgetStore by every instance and run: each attempt
 * reads the record, decides with model.ts and writes it back only if nobody wrote in between
 * (optimistic concurrency; a conflict means "read again"). Within a process the attempts take
 * turns (one read-decide-write at a time: no conflicts with ourselves) and a waiting run sleeps
 * outside its turn, so it never holds up a run that would be granted. Releases are not written on
 * their own: they ride on the next attempt's write, or a flush shortly after if none comes.
 */
import { randomUUID } from 'node:crypto';
import { DIMENSIONS, decide, emptyState, release, type Amounts, type BudgetRules, type BudgetState, type Grant } from './model';
import type { BudgetStore } from './store';

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
}

export interface BudgetStats {
  reads: number;
  writes: number;
  conflicts: number;
  waits: number;
  grants: number;
}

interface PendingRelease {
  id: string;
  run: string;
  used: Amounts;
}

export class SharedBudget implements Pacer {
  readonly holder: string;
  readonly stats: BudgetStats = { reads: 0, writes: 0, conflicts: 0, waits: 0, grants: 0 };
  private turn: Promise<unknown> = Promise.resolve();
  private pending: PendingRelease[] = [];
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
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
    const id = randomUUID();
    for (;;) {
      const outcome = await this.inTurn(() => this.attempt(id, run, amounts));
      if (outcome.grant) {
        const grant = outcome.grant;
        return (used) => this.release(grant, used ?? amounts);
      }
      this.stats.waits++;
      await this.sleep(outcome.waitMs);
    }
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

  private inTurn<T>(fn: () => Promise<T>): Promise<T> {
    const mine = this.turn.then(fn);
    this.turn = mine.catch(() => undefined);
    return mine;
  }

  private async attempt(id: string, run: string, amounts: Amounts): Promise<{ grant?: Grant; waitMs: number }> {
    const snap = await this.read();
    const before = snap?.state ?? emptyState();
    const { state, carried } = this.withReleases(before);
    const now = this.now();
    const decision = decide(state, { id, holder: this.holder, run, amounts }, now, this.options.rules);
    if (decision.granted) {
      if (await this.write(decision.state, snap?.etag)) {
        this.drop(carried);
        this.stats.grants++;
        return { grant: decision.grant, waitMs: 0 };
      }
      // Someone wrote first: look again soon, spread out so rivals do not collide again.
      return { waitMs: 1 + Math.floor(this.random() * 20) };
    }
    // Waiting: make this run count for the fair shares (refreshed well within their lifetime), and
    // write any releases we carry; a conflict here costs nothing, the next look writes again.
    const seen = before.demand[run];
    const stale = seen === undefined || now - seen > this.options.rules.demandTtlMs / 3;
    if ((stale || carried.length > 0) && (await this.write(decision.state, snap?.etag))) this.drop(carried);
    return { waitMs: decision.waitMs + Math.floor(this.random() * 20) };
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
