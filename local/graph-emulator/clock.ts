/**
 * The emulator's clock: wall time plus whatever the control API has advanced it by. Policy windows
 * (the 10-minute sync floor, throttling windows) run on this clock unscaled; service processing
 * delays are multiplied by the time scale when they are scheduled (see scheduler.ts), so time
 * scale 0 makes processing instant without erasing the windows tests need to observe.
 */
export class EmulatorClock {
  private offsetMs = 0;

  constructor(private readonly wall: () => number = Date.now) {}

  now(): number {
    return this.wall() + this.offsetMs;
  }

  iso(at: number = this.now()): string {
    return new Date(at).toISOString();
  }

  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new Error(`cannot advance the clock by ${ms} ms`);
    this.offsetMs += ms;
  }

  get advancedMs(): number {
    return this.offsetMs;
  }

  restoreOffset(ms: number): void {
    this.offsetMs = ms;
  }
}
