/**
 * The Graph emulator: Intune (Autopilot, deployment profiles, ESP) and Entra (groups, devices)
 * endpoints behaving like the real service, for local runs and tests. docs/GRAPH-EMULATOR.md.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { z } from 'zod';
import { HoldRuleSchema, type Holds } from './holds';
import type { LogEntry, LogSummary } from './request-log';
import { applySeed, SeedSchema, type Seed } from './seed';
import { createEmulatorServer, EmulatorCore, listen } from './server';
import { defaultSettings, type Settings, type SettingsPatch } from './settings';

export type { Seed } from './seed';
export { TUTORIAL_TENANT } from './seeds/tutorial-tenant';
export { createEmulatorGraphClient, relativeLink } from './graph-client';
export type { Settings, SettingsPatch } from './settings';
export type { LogEntry, LogSummary } from './request-log';

export interface EmulatorOptions {
  /** 0 = a free port. */
  port?: number;
  /** Multiplies the service's processing delays: 0 = instant (still causal), 1 = real delays. Default 1. */
  timeScale?: number;
  /** Load the tenant from this file at start (if it exists) and save it there on stop. */
  stateFile?: string;
  /** Seed applied at start to a fresh tenant (not when a state file was restored). */
  seed?: Seed;
  /** Enforce the documented Intune and directory limits (429 + Retry-After). Default off. */
  throttling?: boolean;
  faults?: { errorRate?: number; timeoutRate?: number; latencyMs?: number; timeoutMs?: number; seed?: number };
  /** Diagnostic lines (start-up, unexpected failures); never bodies, hashes or UPNs. */
  log?: (line: string) => void;
}

export type HoldRuleInput = z.input<typeof HoldRuleSchema>;

export interface GraphEmulator {
  /** http://127.0.0.1:<port>; Graph roots are url+'/v1.0' and url+'/beta'. */
  url: string;
  port: number;
  stop(): Promise<void>;
  reset(seed?: Seed): Promise<void>;
  seed(seed: Seed): Promise<void>;
  /** Moves the emulator clock forward and runs the work that became due. */
  advanceClock(ms: number): Promise<void>;
  /** Frozen, the clock stands still except for advances (deterministic windows in tests). */
  freezeClock(frozen: boolean): void;
  settings(): Settings;
  updateSettings(patch: SettingsPatch): Settings;
  /** Entries after `since` (seq), bodies redacted (left out with `withBodies` false, which is cheaper). */
  requestLog(since?: number, limit?: number, withBodies?: boolean): { entries: LogEntry[]; next: number };
  logSummary(): LogSummary;
  clearLog(): void;
  /** Holds the next matching request(s) until released (holds.ts): a deterministic "in flight". */
  hold(rule: HoldRuleInput): void;
  holds(): ReturnType<Holds['status']>;
  releaseHolds(): number;
}

export async function startGraphEmulator(opts: EmulatorOptions = {}): Promise<GraphEmulator> {
  const diagnostic = opts.log ?? (() => undefined);
  const base = defaultSettings();
  const settings: Settings = {
    ...base,
    timeScale: opts.timeScale ?? base.timeScale,
    throttling: opts.throttling ?? base.throttling,
    faults: { ...base.faults, ...Object.fromEntries(Object.entries(opts.faults ?? {}).filter(([, v]) => v !== undefined)) },
  };
  const core = new EmulatorCore(settings, opts.stateFile, diagnostic);
  const restored = opts.stateFile !== undefined && existsSync(opts.stateFile);
  if (restored) {
    core.loadState();
    diagnostic(`graph-emulator: loaded state from ${opts.stateFile}; the seed is not applied to a restored tenant`);
  } else if (opts.seed) {
    applySeed(core.tenant, opts.seed);
  }
  const server: Server = createEmulatorServer(core);
  const port = await listen(server, opts.port ?? 0);
  core.url = `http://127.0.0.1:${port}`;
  let stopped = false;
  return {
    url: core.url,
    port,
    async stop() {
      if (stopped) return;
      stopped = true;
      if (opts.stateFile) core.saveState();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
    },
    async reset(seed) {
      core.tenant.reset();
      core.throttler.reset();
      core.log.clear();
      if (seed) applySeed(core.tenant, seed);
    },
    async seed(seed) {
      core.tenant.runDue();
      applySeed(core.tenant, seed);
    },
    async advanceClock(ms) {
      core.clock.advance(ms);
      core.tenant.runDue();
    },
    freezeClock: (frozen) => core.clock.freeze(frozen),
    settings: () => core.settings,
    updateSettings(patch) {
      core.updateSettings(patch);
      return core.settings;
    },
    requestLog: (since = 0, limit = 100_000, withBodies = true) => core.log.read(since, limit, withBodies),
    logSummary: () => core.log.summary(),
    clearLog: () => core.log.clear(),
    hold: (rule) => core.holds.add(HoldRuleSchema.parse(rule)),
    holds: () => core.holds.status(),
    releaseHolds: () => core.holds.releaseAll(),
  };
}

/** Reads and validates a seed file (e.g. local/graph-emulator/seeds/tutorial-tenant.json). */
export function readSeedFile(file: string): Seed {
  return SeedSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
}
