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
