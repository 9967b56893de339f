/**
 * The emulator's clock: wall time plus whatever the control API has advanced it by, or, while
 * frozen, a fixed instant that only advances move (for tests that must not depend on how fast
 * the machine is). Policy windows (the 10-minute sync floor, throttling windows) run on this clock
 * unscaled; service processing delays are multiplied by the time scale when they are scheduled
 * (see scheduler.ts), so time scale 0 makes processing instant without erasing the windows.
 */
export class EmulatorClock {
  private offsetMs = 0;
  private frozenAt: number | undefined;

  constructor(private readonly wall: () => number = Date.now) {}

  now(): number {
    return this.frozenAt ?? this.wall() + this.offsetMs;
  }

  iso(at: number = this.now()): string {
    return new Date(at).toISOString();
  }

  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new Error(`cannot advance the clock by ${ms} ms`);
    if (this.frozenAt !== undefined) this.frozenAt += ms;
    else this.offsetMs += ms;
  }

  get frozen(): boolean {
    return this.frozenAt !== undefined;
  }

  freeze(frozen: boolean): void {
    if (frozen && this.frozenAt === undefined) this.frozenAt = this.now();
    if (!frozen && this.frozenAt !== undefined) {
      this.offsetMs = this.frozenAt - this.wall();
      this.frozenAt = undefined;
    }
  }

  /** How far the clock is ahead of wall time. */
  get advancedMs(): number {
    return this.now() - this.wall();
  }

  restoreOffset(ms: number): void {
    this.offsetMs = ms;
  }
}
