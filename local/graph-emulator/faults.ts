import type { Faults } from './settings';

/** Seeded dice (mulberry32) so a fault pattern can be replayed by reusing the seed. */
export class FaultDice {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  reseed(seed: number): void {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** A server error for this operation, or undefined. Alternates 503 (with Retry-After) and 500. */
  serverError(faults: Faults): 500 | 503 | undefined {
    if (faults.errorRate <= 0) return undefined;
    const roll = this.next();
    if (roll >= faults.errorRate) return undefined;
    return roll < faults.errorRate / 2 ? 503 : 500;
  }

  ignoreDelete(faults: Faults): boolean {
    return faults.ignoredDeleteRate > 0 && this.next() < faults.ignoredDeleteRate;
  }

  timeout(faults: Faults): boolean {
    return faults.timeoutRate > 0 && this.next() < faults.timeoutRate;
  }
}
