/**
 * A sliding-window budget, the shape of Intune's documented limits (per app per tenant: 100 writes
 * and 1,000 requests per 20 seconds). Sending within the budget instead of letting 429s sort it
 * out keeps a long run at the limit's pace without streaks of throttled requests — which the
 * service punishes by counting them too.
 */
export class SlidingWindowLimiter {
  private readonly sent: number[] = [];

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = () => Date.now(),
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`limit must be a positive integer, got ${limit}`);
  }

  /** Resolves once `n` more operations fit in the window, and counts them as sent. */
  async acquire(n: number): Promise<void> {
    if (n <= 0) return;
    if (n > this.limit) throw new Error(`${n} operations can never fit a budget of ${this.limit} per window`);
    for (;;) {
      const t = this.now();
      while (this.sent.length > 0 && this.sent[0]! <= t - this.windowMs) this.sent.shift();
      if (this.sent.length + n <= this.limit) {
        for (let i = 0; i < n; i++) this.sent.push(t);
        return;
      }
      // The oldest entries that must leave the window before n more fit.
      const freeAt = this.sent[this.sent.length + n - this.limit - 1]! + this.windowMs;
      await this.sleep(Math.max(1, freeAt - t));
    }
  }
}

/** Documented Intune limits per app per tenant, less a margin for the portal and other tools. */
export const INTUNE_BUDGET = { writesPer20s: 90, requestsPer20s: 900 } as const;
