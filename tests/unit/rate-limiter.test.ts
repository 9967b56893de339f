import { describe, expect, it } from 'vitest';
import { SlidingWindowLimiter } from '../../shared/graph/rate-limiter';

describe('sliding-window budget', () => {
  it('lets operations through up to the limit, then waits exactly until the oldest leave the window', async () => {
    let t = 0;
    const waits: number[] = [];
    const limiter = new SlidingWindowLimiter(
      100,
      20_000,
      () => t,
      async (ms) => {
        waits.push(ms);
        t += ms;
      },
    );
    for (let i = 0; i < 5; i++) await limiter.acquire(20); // 100 at t=0
    expect(waits).toEqual([]);
    t = 5_000;
    await limiter.acquire(20); // must wait until the first 20 (sent at 0) leave at 20,000
    expect(waits).toEqual([15_000]);
    expect(t).toBe(20_000);
  });

  it('never lets more than the limit through in any window over a long run', async () => {
    let t = 0;
    const sentAt: number[] = [];
    const limiter = new SlidingWindowLimiter(
      90,
      20_000,
      () => t,
      async (ms) => {
        t += ms;
      },
    );
    for (let i = 0; i < 200; i++) {
      await limiter.acquire(7);
      for (let k = 0; k < 7; k++) sentAt.push(t);
      t += 50;
    }
    for (const start of sentAt) expect(sentAt.filter((s) => s >= start && s < start + 20_000).length).toBeLessThanOrEqual(90);
    // and it keeps the pace: requests of 7 fit 12 to a window (84 operations), so 1,400 need ~333 s
    expect(t).toBeGreaterThan(300_000);
    expect(t).toBeLessThan(345_000);
  });

  it('measures the window from the answer: a slow request keeps its place longer', async () => {
    let t = 0;
    const limiter = new SlidingWindowLimiter(
      100,
      20_000,
      () => t,
      async (ms) => {
        t += ms;
      },
    );
    const answered = await limiter.acquire(100);
    t = 3_000; // the service processed (and answered) it 3 s after we sent it
    answered();
    t = 20_000;
    await limiter.acquire(1);
    expect(t).toBe(23_000);
  });

  it('refuses a request larger than the whole budget instead of waiting forever', async () => {
    await expect(new SlidingWindowLimiter(10, 1000).acquire(11)).rejects.toThrow(/never fit/);
  });
});
