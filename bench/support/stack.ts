/**
 * The local stack as the pipeline benchmarks and fault suites use it: Azurite + the Graph
 * emulator + the local host running this app (local/stack.ts), in a throw-away state directory,
 * with the tutorial tenant plus a large set of already-registered devices (a realistic tenant:
 * every list and every dynamic group is that big).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertBuildFresh } from '../../local/dist-freshness';
import { REPO_ROOT, startLocalStack, tutorialSeed, type LocalStack, type StackOptions } from '../../local/stack';

export interface BenchStackOptions {
  /** Autopilot devices already in the tenant (serials SEED00001…). Default 20,000. */
  tenantDevices?: number;
  timeScale?: number;
  throttling?: boolean;
  faults?: StackOptions['faults'];
  appSettings?: Record<string, string>;
  /** Host output lines; default kept in memory (hostLog()). */
  onHostLine?: (line: string) => void;
}

export type BenchStack = LocalStack & { stateDir: string; dispose(): Promise<void> };

/**
 * Poll settings for time scale 0: the service finishes instantly, so a run is bounded by how soon
 * the orchestration looks again. Production defaults (shared/config.ts POLL_DEFAULTS: 15 s … 20 s) are for the real service.
 */
export const FAST_POLL = { POLL_INITIAL_SECONDS: '0.5', POLL_MAX_SECONDS: '2', POLL_FACTOR: '1.5' } as const;

export async function startBenchStack(options: BenchStackOptions = {}): Promise<BenchStack> {
  // The host runs dist/: a benchmark after a source edit without a build would measure the old code.
  assertBuildFresh(REPO_ROOT);
  const stateDir = mkdtempSync(join(tmpdir(), 'intake-bench-'));
  const seed = { ...tutorialSeed() };
  const count = options.tenantDevices ?? 20_000;
  if (count > 0) Object.assign(seed, { generatedDevices: { count, serialPrefix: 'SEED' } });
  let stack: LocalStack;
  try {
    stack = await startLocalStack({
      stateDir,
      seed,
      timeScale: options.timeScale ?? 0,
      throttling: options.throttling ?? false,
      faults: options.faults,
      appSettings: { ...FAST_POLL, ...options.appSettings },
      ...(options.onHostLine ? { onHostLine: options.onHostLine } : {}),
    });
  } catch (error) {
    // startLocalStack has stopped whatever it had started; the state directory is ours to remove.
    rmSync(stateDir, { recursive: true, force: true });
    throw error;
  }
  return Object.assign(stack, {
    stateDir,
    async dispose() {
      try {
        await stack.stop();
      } finally {
        rmSync(stateDir, { recursive: true, force: true });
      }
    },
  });
}
