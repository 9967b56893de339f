/**
 * Virtual time for code that sleeps: `sleep(ms)` parks the caller until the driver advances the
 * clock past its wake-up time. Concurrent sleepers wake in time order, so a simulation of many
 * callers over minutes runs in milliseconds and the same way every time.
 */
export class VirtualClock {
  t = 0;
  private sleepers: { at: number; seq: number; wake: () => void }[] = [];
  private seq = 0;

  now = (): number => this.t;

  sleep = (ms: number): Promise<void> =>
    new Promise((wake) => {
      this.sleepers.push({ at: this.t + Math.max(0, ms), seq: this.seq++, wake });
    });

  /** Lets every ready promise chain run (I/O-free code settles within a few macrotask turns). */
  async settle(): Promise<void> {
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  }

  /** Runs until `done` resolves, waking sleepers in time order; fails past `limitMs` of virtual time. */
  async runUntil<T>(done: Promise<T>, limitMs: number): Promise<T> {
    let finished = false;
    let value: T | undefined;
    void done.then((v) => {
      finished = true;
      value = v;
    });
    for (;;) {
      await this.settle();
      if (finished) return value as T;
      this.sleepers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.sleepers.shift();
      if (!next) throw new Error('nothing left to wake, but the simulation has not finished');
      if (next.at > limitMs) throw new Error(`still running at ${limitMs} ms of virtual time`);
      this.t = Math.max(this.t, next.at);
      next.wake();
    }
  }
}
