/**
 * The shared Graph budget on its in-memory store and a virtual clock: the rules (model.ts) and the
 * client (shared-budget.ts) — limits held in every window, fair shares between runs, capacity of a
 * dead holder recovered one lease after it expired, and conditional-write conflicts between rivals.
 */
import { describe, expect, it, vi } from 'vitest';
import { compact, decide, emptyState, release, usage, type Amounts, type BudgetRules } from '../../shared/graph/budget/model';
import { SharedBudget, budgetRunKey } from '../../shared/graph/budget/shared-budget';
import { MemoryBudgetStore, type BudgetStore } from '../../shared/graph/budget/store';
import { VirtualClock } from '../support/virtual-clock';

const RULES: BudgetRules = {
  limits: {
    iw: { limit: 100, windowMs: 20_000 },
    ir: { limit: 1000, windowMs: 20_000 },
    du: { limit: 3000, windowMs: 10_000 },
    dw: { limit: 3000, windowMs: 150_000 },
  },
  leaseMs: 15_000,
  demandTtlMs: 5_000,
  maxWaitMs: 1_000,
  reserve: 0,
};

function budget(store: MemoryBudgetStore, clock: VirtualClock, holder: string) {
  return new SharedBudget({ store, rules: RULES, holder, now: clock.now, sleep: clock.sleep, random: () => 0.5 });
}

/** The most of one dimension sent within any window, from (time, amount) sends. */
function peak(sends: { at: number; n: number }[], windowMs: number): number {
  let most = 0;
  for (const s of sends) {
    const inWindow = sends.filter((o) => o.at >= s.at && o.at < s.at + windowMs).reduce((sum, o) => sum + o.n, 0);
    most = Math.max(most, inWindow);
  }
  return most;
}

describe('budget rules', () => {
  it('grants up to the limit, then says to wait until the oldest grant stops counting', () => {
    let state = emptyState();
    for (let i = 0; i < 5; i++) {
      const d = decide(state, { id: `g${i}`, holder: 'h', run: 'r', amounts: { iw: 20, ir: 20 } }, 0, RULES);
      expect(d.granted).toBe(true);
      state = release(d.state, `g${i}`, 'r', { iw: 20, ir: 20 }, 100, RULES);
    }
    const patient = { ...RULES, maxWaitMs: 60_000 };
    const refused = decide(state, { id: 'x', holder: 'h', run: 'r', amounts: { iw: 1, ir: 1 } }, 5_000, patient);
    expect(refused.granted).toBe(false);
    // Released at 100 ms, counted from the next whole second: free at 1,000 + 20,000.
    expect(refused.granted ? 0 : refused.waitMs).toBe(16_000);
    // A waiter still looks again within maxWaitMs: shares change as runs come and go.
    const capped = decide(state, { id: 'x', holder: 'h', run: 'r', amounts: { iw: 1, ir: 1 } }, 5_000, RULES);
    expect(capped.granted ? 0 : capped.waitMs).toBe(1_000);
    expect(decide(state, { id: 'y', holder: 'h', run: 'r', amounts: { iw: 1, ir: 1 } }, 21_000, RULES).granted).toBe(true);
  });

  it('counts only what a release says was sent, merged per run and second', () => {
    let state = decide(emptyState(), { id: 'a', holder: 'h', run: 'r', amounts: { ir: 20 } }, 0, RULES).state;
    state = decide(state, { id: 'b', holder: 'h', run: 'r', amounts: { ir: 20 } }, 0, RULES).state;
    state = release(state, 'a', 'r', { ir: 5 }, 200, RULES);
    state = release(state, 'b', 'r', { ir: 50 }, 300, RULES); // never more than granted
    expect(state.grants).toEqual([]);
    expect(state.done).toEqual([{ run: 'r', a: { ir: 25 }, t: 1_000 }]);
    expect(usage(state, 20_999, RULES).ir).toBe(25);
    expect(usage(state, 21_000, RULES).ir).toBe(0);
  });

  it('caps a run that holds capacity at its share once another run asks', () => {
    let state = emptyState();
    const big = (id: string, now: number) => decide(state, { id, holder: 'h', run: 'big', amounts: { ir: 20 } }, now, RULES);
    for (let i = 0; i < 40; i++) {
      const d = big(`b${i}`, 0);
      expect(d.granted).toBe(true);
      state = d.state; // 800 of 1,000 held by "big"
    }
    const small = decide(state, { id: 's', holder: 'h', run: 'small', amounts: { ir: 20 } }, 1, RULES);
    expect(small.granted).toBe(true);
    state = small.state;
    // Two runs now share 1,000: "big" holds 800 > 500 and waits, though 180 are free.
    expect(big('b40', 2).granted).toBe(false);
    expect(decide(state, { id: 's2', holder: 'h', run: 'small', amounts: { ir: 20 } }, 3, RULES).granted).toBe(true);
  });

  it('keeps a reserve that only a run holding little may take', () => {
    const rules = { ...RULES, reserve: 0.1 };
    let state = emptyState();
    for (let i = 0; i < 4; i++) {
      const d = decide(state, { id: `b${i}`, holder: 'h', run: 'big', amounts: { iw: 20 } }, 0, rules);
      expect(d.granted).toBe(true);
      state = d.state;
    }
    const fifth = decide(state, { id: 'b4', holder: 'h', run: 'big', amounts: { iw: 10 } }, 0, rules);
    expect(fifth.granted).toBe(true); // 90 of 100: the most a run holding more than the reserve may fill
    state = fifth.state;
    expect(decide(state, { id: 'b5', holder: 'h', run: 'big', amounts: { iw: 1 } }, 0, rules).granted).toBe(false);
    // A small run finds the last 10 % free, at once, request after request while it holds little…
    for (let i = 0; i < 10; i++) {
      const d = decide(state, { id: `s${i}`, holder: 'h', run: 'small', amounts: { iw: 1 } }, 1 + i, rules);
      expect(d.granted).toBe(true);
      state = d.state;
    }
    // …and the limit itself still holds.
    expect(decide(state, { id: 's10', holder: 'h', run: 'small', amounts: { iw: 1 } }, 20, rules).granted).toBe(false);
  });

  it('compacts a large record without ever counting less', () => {
    let state = emptyState();
    for (let run = 0; run < 30; run++)
      for (let second = 0; second < 20; second++) {
        const id = `g${run}-${second}`;
        state = decide(state, { id, holder: 'h', run: `run${run}`, amounts: { ir: 1 } }, second * 1000, {
          ...RULES,
          demandTtlMs: 60_000,
        }).state;
        state = release(state, id, `run${run}`, { ir: 1 }, second * 1000 + 1, RULES);
      }
    const small = compact(state, 16_000);
    expect(JSON.stringify(state).length).toBeGreaterThan(16_000);
    expect(JSON.stringify(small).length).toBeLessThan(16_000);
    for (let t = 19_000; t <= 45_000; t += 500) expect(usage(small, t, RULES).ir).toBeGreaterThanOrEqual(usage(state, t, RULES).ir);
    expect(usage(small, 19_500, RULES).ir).toBe(600); // nothing lost
  });

  it('refuses a request that can never fit', () => {
    expect(() => decide(emptyState(), { id: 'x', holder: 'h', run: 'r', amounts: { iw: 101 } }, 0, RULES)).toThrow(/never fit/);
  });
});

describe('shared budget client', () => {
  it('keeps every 20 s window within the limits for three instances and gives a small run its share', async () => {
    const clock = new VirtualClock();
    const store = new MemoryBudgetStore();
    const instances = ['h1', 'h2', 'h3'].map((h) => budget(store, clock, h));
    const sends: { at: number; n: number; run: string }[] = [];
    const send = async (b: SharedBudget, run: string, amounts: Amounts) => {
      const done = await b.acquire(run, amounts);
      sends.push({ at: clock.t, n: amounts.ir ?? 0, run });
      await clock.sleep(300); // the request's round trip
      done();
    };
    // A large run on every instance: 3 × 4 callers sending $batches of 20 for 120 s.
    const large = instances.flatMap((b) =>
      Array.from({ length: 4 }, async () => {
        while (clock.t < 120_000) await send(b, 'large', { ir: 20, iw: 2 });
      }),
    );
    // A small run arrives at 40 s on one instance: 10 $batches of 20, one after the other.
    let smallDone = 0;
    const small = (async () => {
      await clock.sleep(40_000);
      for (let i = 0; i < 10; i++) await send(instances[1]!, 'small', { ir: 20 });
      smallDone = clock.t;
    })();
    await clock.runUntil(Promise.all([...large, small]), 200_000);

    expect(peak(sends, 20_000)).toBeLessThanOrEqual(1000);
    // The large run alone used most of the limit (at least 900 of its 1,000 in its busiest window)…
    expect(
      peak(
        sends.filter((s) => s.run === 'large'),
        20_000,
      ),
    ).toBeGreaterThanOrEqual(900);
    // …and the small one finished within a window of arriving, though the large run was using it all.
    // (Without fair shares it takes ~45 s here: the large run's callers take whatever frees up.)
    expect(smallDone - 40_000).toBeLessThan(15_000);
  });

  it('lets a small run reading page by page beside a large one finish close to its time alone, on credit', async () => {
    /** A store 100 ms away (a Table round trip under load), on the virtual clock. */
    const latent = (store: MemoryBudgetStore, clock: VirtualClock): BudgetStore => ({
      read: () => clock.sleep(100).then(() => store.read()),
      write: (state, etag) => clock.sleep(100).then(() => store.write(state, etag)),
    });
    /** A small run (26 list pages, one after the other, 300 ms each) alone or at 40 s beside a large run on three instances. */
    const scenario = async (ahead: number, beside: boolean) => {
      const clock = new VirtualClock();
      const store = new MemoryBudgetStore();
      const rules = { ...RULES, reserve: 0.1 };
      const instances = ['h1', 'h2', 'h3'].map(
        (holder) =>
          new SharedBudget({ store: latent(store, clock), rules, holder, now: clock.now, sleep: clock.sleep, random: () => 0.5, ahead }),
      );
      const sends: { at: number; n: number; run: string }[] = [];
      const send = async (b: SharedBudget, run: string, amounts: Amounts) => {
        const done = await b.acquire(run, amounts);
        sends.push({ at: clock.t, n: amounts.ir ?? 0, run });
        await clock.sleep(300);
        done();
      };
      const large = beside
        ? instances.flatMap((b) =>
            Array.from({ length: 4 }, async () => {
              while (clock.t < 90_000) await send(b, 'large', { ir: 20, iw: 2 });
            }),
          )
        : [];
      const small = (async () => {
        await clock.sleep(40_000);
        const start = clock.t;
        for (let page = 0; page < 26; page++) await send(instances[1]!, 'small', { ir: 1, du: 4 });
        return clock.t - start;
      })();
      const [took] = await clock.runUntil(Promise.all([small, ...large]), 300_000);
      return { took: took!, writes: instances[1]!.stats.writes, drawn: instances[1]!.stats.drawn, peak: peak(sends, 20_000) };
    };
    const alone = await scenario(4, false);
    const withCredit = await scenario(4, true);
    const without = await scenario(1, true);
    // Every request pays a read and a write of the record without credit (26 pages: 26 × 500 ms at least)…
    expect(without.took).toBeGreaterThanOrEqual(26 * 500);
    expect(without.drawn).toBe(0);
    // …with it, one grant in four: the run pays the store once per four pages, beside the large run as alone.
    expect(withCredit.drawn).toBeGreaterThanOrEqual(18);
    expect(withCredit.took).toBeLessThan(without.took * 0.75);
    expect(withCredit.took).toBeLessThanOrEqual(alone.took + 2_000);
    expect(withCredit.peak).toBeLessThanOrEqual(1000);
    console.log(
      `small run of 26 pages: alone ${alone.took} ms; beside a large run ${withCredit.took} ms with credit, ${without.took} ms without`,
    );
  });

  it('gives unused credit back once it sits idle, counting only what was sent', async () => {
    const clock = new VirtualClock();
    const store = new MemoryBudgetStore();
    const rules = { ...RULES, reserve: 0.1 };
    const b = new SharedBudget({
      store,
      rules,
      holder: 'h',
      now: clock.now,
      sleep: clock.sleep,
      random: () => 0,
      ahead: 4,
      aheadIdleMs: 250,
    });
    const first = await clock.runUntil(b.acquire('r', { ir: 5 }), 0);
    // Granted 20 for the first request: the next three draw on it without the store.
    expect(store.peek()!.grants.map((g) => g.a)).toEqual([{ ir: 20 }]);
    const second = await b.acquire('r', { ir: 5 });
    expect(b.stats).toMatchObject({ grants: 1, drawn: 1, reads: 1, writes: 1 });
    first();
    second({ ir: 2 }); // one of the two requests sent less than asked (a short page)
    await clock.runUntil(clock.sleep(300), 300);
    await b.flush();
    const state = store.peek()!;
    expect(state.grants).toEqual([]);
    expect(usage(state, 1_000, rules).ir).toBe(7);
    // The credit is gone: the next request asks the store again.
    await clock.runUntil(b.acquire('r', { ir: 5 }), 1_000);
    expect(b.stats.grants).toBe(2);
  });

  it("logs each run's grants, draws on credit and waits, by its budget key only", async () => {
    const clock = new VirtualClock();
    const lines: string[] = [];
    const rules = { ...RULES, reserve: 0.1 };
    const b = new SharedBudget({
      store: new MemoryBudgetStore(),
      rules,
      holder: 'h1',
      now: clock.now,
      sleep: clock.sleep,
      ahead: 4,
      log: (line) => lines.push(line),
      reportEveryMs: 20,
    });
    const runId = 'intake-0123456789abcdef0123456789abcdef';
    (await clock.runUntil(b.acquire(runId, { ir: 5 }), 0))();
    (await b.acquire(runId, { ir: 5 }))();
    // The report comes on a (real) timer: wait for it, then check it whole.
    await vi.waitFor(() => expect(lines.length).toBeGreaterThan(0), { timeout: 5_000 });
    expect(lines).toEqual([
      `graph budget: run ${budgetRunKey(runId)} on h1, 0.0 s: 1 grants (ir 5), 1 more requests on credit, 0 waited, 0.0 s waiting in all, longest 0.0 s`,
    ]);
    expect(lines.join('\n')).not.toContain(runId);
  });

  it('recovers what a dead instance held one lease (plus the window) after it was granted', async () => {
    const clock = new VirtualClock();
    const store = new MemoryBudgetStore();
    const dead = budget(store, clock, 'dead');
    const alive = budget(store, clock, 'alive');
    await clock.runUntil(dead.acquire('r1', { iw: 100, ir: 100 }), 1); // never released
    let grantedAt = -1;
    await clock.runUntil(
      alive.acquire('r2', { iw: 1 }).then(() => (grantedAt = clock.t)),
      120_000,
    );
    expect(grantedAt).toBeGreaterThanOrEqual(RULES.leaseMs + 20_000);
    expect(grantedAt).toBeLessThanOrEqual(RULES.leaseMs + 20_000 + RULES.maxWaitMs + 20);
  });

  it('counts a request that runs past its lease for one window after it was answered', async () => {
    const clock = new VirtualClock();
    const store = new MemoryBudgetStore();
    const slow = budget(store, clock, 'slow');
    const other = budget(store, clock, 'other');
    // The whole write budget for one request that takes 25 s to answer: 10 s past its 15 s lease.
    const done = await clock.runUntil(slow.acquire('r1', { iw: 100 }), 0);
    let grantedAt = -1;
    const waiting = other.acquire('r2', { iw: 1 }).then(() => (grantedAt = clock.t));
    await clock.runUntil(clock.sleep(25_000), 25_000);
    expect(grantedAt).toBe(-1);
    done();
    await slow.flush();
    // Unreleased, the grant would have stopped counting at 35 s (lease + window); answered at 25 s,
    // it counts until 45 s, the window after its answer, as the service counts it.
    expect(usage(store.peek()!, 44_999, RULES).iw).toBe(100);
    await clock.runUntil(waiting, 120_000);
    expect(grantedAt).toBeGreaterThanOrEqual(45_000);
    expect(grantedAt).toBeLessThanOrEqual(45_000 + RULES.maxWaitMs + 20);
  });

  it('counts a request answered after its grant was dropped from the record from its answer on', () => {
    const granted = decide(emptyState(), { id: 'g', holder: 'h', run: 'r', amounts: { iw: 100 } }, 0, RULES);
    expect(granted.granted).toBe(true);
    // Unreleased, the grant counts until lease + window (35 s); a write at 36 s drops it.
    expect(usage(granted.state, 34_999, RULES).iw).toBe(100);
    const pruned = decide(granted.state, { id: 'x', holder: 'h', run: 'other', amounts: { iw: 1 } }, 36_000, RULES).state;
    expect(pruned.grants.map((g) => g.id)).toEqual(['x']);
    // The request was still running: answered at 40 s, it counts from then for one window.
    const answered = release(pruned, 'g', 'r', { iw: 100 }, 40_000, RULES);
    expect(usage(answered, 59_999, RULES, 'r').iw).toBe(100);
    expect(usage(answered, 60_000, RULES, 'r').iw).toBe(0);
  });

  it('survives conditional-write conflicts without granting twice the same capacity', async () => {
    const clock = new VirtualClock();
    let rivalWrites = 3;
    // A rival instance writes between our read and our write three times (its own grant of 60).
    const store = new MemoryBudgetStore((s) => {
      if (rivalWrites-- <= 0) return;
      const current = s.peek() ?? emptyState();
      const d = decide(current, { id: `rival${rivalWrites}`, holder: 'rival', run: 'other', amounts: { iw: 30 } }, clock.t, RULES);
      s.writeNow(d.state, s['current']?.etag);
    });
    const b = budget(store, clock, 'me');
    await clock.runUntil(b.acquire('mine', { iw: 10 }), 120_000);
    expect(b.stats.conflicts).toBe(3);
    expect(b.stats.grants).toBe(1);
    const held = usage(store.peek()!, clock.t, RULES);
    expect(held.iw).toBe(100); // three rival grants of 30 and ours of 10: nothing lost, nothing over
  });

  it('two instances racing for most of the budget: one gets it, the other waits for it to free', async () => {
    const clock = new VirtualClock();
    const store = new MemoryBudgetStore();
    const a = budget(store, clock, 'a');
    const b = budget(store, clock, 'b');
    const at: Record<string, number> = {};
    const take = (x: SharedBudget, name: string) =>
      x.acquire('r', { iw: 60 }).then((done) => {
        at[name] = clock.t;
        return clock.sleep(1_000).then(() => done());
      });
    await clock.runUntil(Promise.all([take(a, 'a'), take(b, 'b')]), 120_000);
    const [first, second] = Object.values(at).sort((x, y) => x - y);
    expect(first).toBe(0);
    // The first grant was released at 1 s: it counts until 21 s.
    expect(second).toBeGreaterThanOrEqual(21_000);
    expect(a.stats.conflicts + b.stats.conflicts).toBeGreaterThanOrEqual(1);
  });

  it('fails the waiting calls when the store fails (the activity retries), and recovers after', async () => {
    const clock = new VirtualClock();
    const store = new MemoryBudgetStore();
    let down = true;
    const failing = {
      read: () => (down ? Promise.reject(new Error('storage unavailable')) : store.read()),
      write: (state: Parameters<MemoryBudgetStore['write']>[0], etag: string | undefined) => store.write(state, etag),
    };
    const b = new SharedBudget({ store: failing, rules: RULES, holder: 'h', now: clock.now, sleep: clock.sleep, random: () => 0 });
    await expect(Promise.all([b.acquire('r', { ir: 1 }), b.acquire('s', { ir: 1 })])).rejects.toThrow(/storage unavailable/);
    down = false;
    const release = await clock.runUntil(b.acquire('r', { ir: 1 }), 1_000);
    release();
    await b.flush();
    expect(store.peek()?.done).toEqual([{ run: budgetRunKey('r'), a: { ir: 1 }, t: 0 }]);
  });
});
