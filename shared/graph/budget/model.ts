/**
 * The shared Graph budget's rules, pure: what one tenant's budget record holds, when a request for
 * capacity is granted, and how a release is recorded. Every instance of the app (and every run in
 * it) reads the same record, decides with these rules and writes it back only if nobody wrote in
 * between (shared-budget.ts), so all of them together stay within the limits Microsoft documents
 * per app per tenant.
 *
 * A grant lets its holder send its amounts until the grant expires (one lease). The service counts
 * a request in every window that contains it, so a grant keeps counting until one window after it
 * was released — or, if its holder died without releasing it, one window after it expired: the
 * capacity a dead instance held comes back one lease period (plus that window) later.
 */
import { z } from 'zod';

/**
 * What is counted. Intune: writes and all requests per app per tenant per 20 s. Directory (Entra):
 * resource units per app+tenant per 10 s and writes per 150 s (graph-api reference §12, from
 * https://learn.microsoft.com/en-us/graph/throttling-limits#identity-and-access-service-limits).
 */
export const DIMENSIONS = ['iw', 'ir', 'du', 'dw'] as const;
export type Dimension = (typeof DIMENSIONS)[number];
export type Amounts = Partial<Record<Dimension, number>>;

export interface Limit {
  /** At most this many in any window. */
  limit: number;
  windowMs: number;
}
export type BudgetLimits = Record<Dimension, Limit>;

export interface BudgetRules {
  limits: BudgetLimits;
  /** How long a grant may be used; an unreleased grant (its holder died) stops counting one window after this. */
  leaseMs: number;
  /** A run that has asked within this long competes for a fair share. */
  demandTtlMs: number;
  /** A waiter looks again at least this often (another run's share may have freed up). */
  maxWaitMs: number;
  /**
   * The part of each limit (0–1) kept for runs holding less than that part: a small run goes on at
   * once even while a large one keeps the window full (a large run fills only up to limit − reserve).
   */
  reserve: number;
}

const AmountsSchema = z.object({
  iw: z.number().optional(),
  ir: z.number().optional(),
  du: z.number().optional(),
  dw: z.number().optional(),
});
const OutstandingSchema = z.object({
  id: z.string(),
  holder: z.string(),
  run: z.string(),
  a: AmountsSchema,
  at: z.number(),
  exp: z.number(),
});
const ReleasedSchema = z.object({ run: z.string(), a: AmountsSchema, t: z.number() });

/** The record as stored (validated on every read: it crosses a process boundary). */
export const BudgetStateSchema = z.object({
  v: z.literal(1),
  /** Grants in use (or held by an instance that died). */
  grants: z.array(OutstandingSchema),
  /** Released grants, merged per run and second of release (rounded up: never counts for less). */
  done: z.array(ReleasedSchema),
  /** When each run last asked for capacity. */
  demand: z.record(z.string(), z.number()),
});
export type BudgetState = z.infer<typeof BudgetStateSchema>;
export type Grant = z.infer<typeof OutstandingSchema>;

export const emptyState = (): BudgetState => ({ v: 1, grants: [], done: [], demand: {} });

export interface CapacityRequest {
  id: string;
  holder: string;
  run: string;
  amounts: Amounts;
}

export type Decision = { granted: true; state: BudgetState; grant: Grant } | { granted: false; state: BudgetState; waitMs: number };

const amountOf = (a: Amounts, d: Dimension): number => a[d] ?? 0;

/** Until when an entry counts against dimension d: one window after its end (release or expiry). */
const countsUntil = (end: number, d: Dimension, rules: BudgetRules) => end + rules.limits[d].windowMs;

interface Entry {
  run: string;
  a: Amounts;
  end: number;
}

function entries(state: BudgetState): Entry[] {
  return [...state.grants.map((g) => ({ run: g.run, a: g.a, end: g.exp })), ...state.done.map((r) => ({ run: r.run, a: r.a, end: r.t }))];
}

function stillCounts(e: Entry, now: number, rules: BudgetRules): boolean {
  return DIMENSIONS.some((d) => amountOf(e.a, d) > 0 && now < countsUntil(e.end, d, rules));
}

/** Drops what no longer counts anywhere and runs that stopped asking. */
export function prune(state: BudgetState, now: number, rules: BudgetRules): BudgetState {
  const demand: Record<string, number> = {};
  for (const [run, at] of Object.entries(state.demand)) if (now - at < rules.demandTtlMs) demand[run] = at;
  return {
    v: 1,
    grants: state.grants.filter((g) => stillCounts({ run: g.run, a: g.a, end: g.exp }, now, rules)),
    done: state.done.filter((r) => stillCounts({ run: r.run, a: r.a, end: r.t }, now, rules)),
    demand,
  };
}

/** What counts now against each dimension, in total and for one run. */
export function usage(state: BudgetState, now: number, rules: BudgetRules, run?: string): Record<Dimension, number> {
  const used = { iw: 0, ir: 0, du: 0, dw: 0 };
  for (const e of entries(state)) {
    if (run !== undefined && e.run !== run) continue;
    for (const d of DIMENSIONS) if (now < countsUntil(e.end, d, rules)) used[d] += amountOf(e.a, d);
  }
  return used;
}

/**
 * Grant when the amounts fit every limit and the run stays within its fair share: each run that
 * asked lately gets limit / (number of such runs). A run holding nothing may always take one
 * request's worth if it fits, and a run holding less than the reserve may use the reserve the
 * others may not touch — so a small run beside a large one that fills the window (in bursts: a
 * $batch of deletes) goes on at once instead of waiting for the large one's grants to age out.
 */
export function decide(current: BudgetState, request: CapacityRequest, now: number, rules: BudgetRules): Decision {
  const state = prune(current, now, rules);
  state.demand[request.run] = now;
  const runs = Object.keys(state.demand).length;
  const used = usage(state, now, rules);
  const mine = usage(state, now, rules, request.run);
  let fits = true;
  for (const d of DIMENSIONS) {
    const n = amountOf(request.amounts, d);
    if (n <= 0) continue;
    const { limit } = rules.limits[d];
    if (n > limit) throw new Error(`${n} ${d} can never fit a budget of ${limit} per window`);
    const share = Math.floor(limit / runs);
    // The reserve is for runs that hold little (a small run between its steps still holds what it
    // sent in the last window): only a run that would hold more than the reserve is kept out of it.
    const reserve = Math.floor(limit * rules.reserve);
    const cap = mine[d] + n > reserve ? limit - reserve : limit;
    if (used[d] + n > cap || (mine[d] > 0 && mine[d] + n > share)) fits = false;
  }
  if (!fits) return { granted: false, state, waitMs: nextChange(state, request.amounts, now, rules) };
  const grant: Grant = { id: request.id, holder: request.holder, run: request.run, a: request.amounts, at: now, exp: now + rules.leaseMs };
  state.grants.push(grant);
  return { granted: true, state, grant };
}

/** The soonest an entry holding one of these dimensions stops counting (capped: shares change as runs come and go). */
function nextChange(state: BudgetState, wanted: Amounts, now: number, rules: BudgetRules): number {
  let soonest = now + rules.maxWaitMs;
  for (const e of entries(state)) {
    for (const d of DIMENSIONS) {
      if (amountOf(wanted, d) <= 0 || amountOf(e.a, d) <= 0) continue;
      const until = countsUntil(e.end, d, rules);
      if (until > now && until < soonest) soonest = until;
    }
  }
  return Math.max(1, soonest - now);
}

/**
 * A grant answered: it now counts from its release (rounded up to the second, so releases of one
 * run merge into few entries), for what was really sent (never more than granted). A release that
 * comes after its grant was pruned still counts, from now.
 */
export function release(current: BudgetState, grantId: string, run: string, used: Amounts, now: number, rules: BudgetRules): BudgetState {
  const state = prune(current, now, rules);
  const grant = state.grants.find((g) => g.id === grantId);
  const granted = grant?.a ?? used;
  const a: Amounts = {};
  for (const d of DIMENSIONS) {
    const n = Math.min(amountOf(used, d), amountOf(granted, d));
    if (n > 0) a[d] = n;
  }
  state.grants = state.grants.filter((g) => g.id !== grantId);
  if (Object.keys(a).length === 0) return state;
  const t = Math.ceil(now / 1000) * 1000;
  const same = state.done.find((r) => r.run === (grant?.run ?? run) && r.t === t);
  if (!same) state.done.push({ run: grant?.run ?? run, a, t });
  else
    for (const d of DIMENSIONS) {
      const n = amountOf(same.a, d) + amountOf(a, d);
      if (n > 0) same.a[d] = n;
    }
  return state;
}

/**
 * Keeps the record small with many runs at once: above `maxChars` of JSON, released entries are
 * merged per run into 5-second buckets, each counting from the end of its bucket — never for less
 * time than before, so the limits still hold; only a little capacity comes back a few seconds late.
 */
export function compact(state: BudgetState, maxChars: number): BudgetState {
  if (JSON.stringify(state).length <= maxChars) return state;
  const merged = new Map<string, BudgetState['done'][number]>();
  for (const r of state.done) {
    const t = Math.ceil(r.t / 5000) * 5000;
    const key = `${r.run}@${t}`;
    const into = merged.get(key);
    if (!into) merged.set(key, { run: r.run, a: { ...r.a }, t });
    else for (const d of DIMENSIONS) if (amountOf(r.a, d) > 0) into.a[d] = amountOf(into.a, d) + amountOf(r.a, d);
  }
  return { ...state, done: [...merged.values()] };
}
