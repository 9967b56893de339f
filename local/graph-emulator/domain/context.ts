import type { EmulatorClock } from '../clock';
import type { Scheduler } from '../scheduler';
import type { Settings } from '../settings';
import type { TenantStore } from '../state/store';
import type { ParsedRule } from '../membership';

/** What the domain modules share: state, time, and the knobs. */
export interface TenantContext {
  store: TenantStore;
  scheduler: Scheduler;
  clock: EmulatorClock;
  /**
   * The instant the service acts at: while deferred work runs, the instant that work was due;
   * otherwise the clock. Work set off by other work follows from when that work happened, not from
   * how long this machine took to get there, so at time scale 0 a chain of stages (membership, then
   * the profile) is done by the same request whatever the wall clock did meanwhile.
   */
  now(): number;
  settings(): Settings;
  /** Parsed rules of dynamic groups, by group id. */
  rules: Map<string, Extract<ParsedRule, { ok: true }>>;
  /** Registrations not yet published to windowsAutopilotDeviceIdentities. */
  unpublished: Set<string>;
}

/** A service delay in emulator milliseconds at the current time scale. */
export function scaled(ctx: TenantContext, ms: number): number {
  return Math.round(ms * ctx.settings().timeScale);
}
