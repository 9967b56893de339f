/**
 * A sliding-window budget, the shape of Intune's documented limits (per app per tenant: 100 writes
 * and 1,000 requests per 20 seconds). Sending within the budget instead of letting 429s sort it
 * out keeps a long run at the limit's pace without streaks of throttled requests — which the
 * service punishes by counting them too.
 */
export class SlidingWindowLimiter {
  /** One entry per operation: when it was sent, moved to when it was answered once known. */
  private sent: { at: number }[] = [];

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = () => Date.now(),
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`limit must be a positive integer, got ${limit}`);
  }

  /**
   * Resolves once `n` more operations fit in the window and counts them as sent. Call the returned
   * function when the request is answered: the service counts an operation when it processes it,
   * which can be later than we sent it, so the window is measured from the answer.
   */
  async acquire(n: number): Promise<() => void> {
    if (n <= 0) return () => {};
    if (n > this.limit) throw new Error(`${n} operations can never fit a budget of ${this.limit} per window`);
    for (;;) {
      const t = this.now();
      this.sent = this.sent.filter((e) => e.at > t - this.windowMs);
      if (this.sent.length + n <= this.limit) {
        const mine = Array.from({ length: n }, () => ({ at: t }));
        this.sent.push(...mine);
        return () => {
          const answered = this.now();
          for (const e of mine) e.at = Math.max(e.at, answered);
        };
      }
      // The oldest entries that must leave the window before n more fit.
      const times = this.sent.map((e) => e.at).sort((a, b) => a - b);
      const freeAt = times[this.sent.length + n - this.limit - 1]! + this.windowMs;
      await this.sleep(Math.max(1, freeAt - t));
    }
  }
}

/** Documented Intune limits per app per tenant (100 writes, 1,000 requests per 20 s), less a small margin so clock skew between us and the service does not cost a 429. */
export const INTUNE_BUDGET = { writesPer20s: 96, requestsPer20s: 960 } as const;
