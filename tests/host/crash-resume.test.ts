import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { api, APPS, pollUntil, startHostProcess, type HostProcess } from './support/host-process';

// Kill the host at seeded points (after the N-th journal commit, optionally leaving a torn line, or
// after an activity's side effect but before its result is committed), restart it, and check that
// every orchestration completes with the right output and no activity effect is lost. Each plan's
// first kill must happen (a plan whose workload finishes first proves nothing): the workload writes
// 50 journal records and runs 15 activities on an uninterrupted host, so the points are drawn below
// those — a first kill on one of the first FIRST_KILL_COMMITS commits, as the count varies with timing
// (under CI load a workload finished before its 45th record). A follow-up kill counts from the restarted host's
// own first commit, where little work may be left; it may miss, and the suite requires that most
// follow-ups hit.

const INSTANCES = 3;
const WIDTH = 3;
const RUNS = 20;
/** Journal records and activities of the whole workload on one uninterrupted host (measured). */
const WORKLOAD_COMMITS = 50;
/** A first kill's commit is drawn from 1 to this: well inside the workload whatever the timing. */
const FIRST_KILL_COMMITS = 31;
const WORKLOAD_ACTIVITIES = INSTANCES * (WIDTH + 2);
const followUps = { planned: 0, hit: 0 };

/** mulberry32: a seeded PRNG so a failing run can be reproduced from its seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Plan {
  seed: number;
  crashes: Record<string, string>[];
}

function planFor(seed: number): Plan {
  const r = rng(seed);
  const one = (first: boolean): Record<string, string> => {
    const kind = r();
    const commit = String(1 + Math.floor(r() * (first ? FIRST_KILL_COMMITS : WORKLOAD_COMMITS - 5)));
    if (kind < 0.45) return { LOCAL_HOST_CRASH_AFTER_COMMIT: commit };
    if (kind < 0.7) return { LOCAL_HOST_CRASH_AFTER_COMMIT: commit, LOCAL_HOST_CRASH_TORN: '1' };
    return { LOCAL_HOST_CRASH_AFTER_ACTIVITY: String(1 + Math.floor(r() * (WORKLOAD_ACTIVITIES - 1))) };
  };
  const crashes = [one(true)];
  if (r() < 0.35) crashes.push(one(false));
  return { seed, crashes };
}

const live = new Set<HostProcess>();
const dirs: string[] = [];
afterAll(async () => {
  for (const h of live) await h.kill();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function ensureStarted(host: HostProcess, id: string, file: string): Promise<void> {
  const status = await api(`${host.url}/durabletask/instances/${id}`).catch(() => undefined);
  if (status && status.status !== 404) return;
  await api(`${host.url}/durabletask/orchestrators/crashWorkload/${id}`, {
    method: 'POST',
    body: JSON.stringify({ file, id, width: WIDTH }),
  }).catch(() => undefined);
}

async function runPlan(plan: Plan): Promise<void> {
  const stateDir = mkdtempSync(join(tmpdir(), `host-crash-${plan.seed}-`));
  dirs.push(stateDir);
  const file = join(stateDir, 'effects.log');
  const ids = Array.from({ length: INSTANCES }, (_, i) => `crash-${plan.seed}-${i}`);
  const appDir = join(APPS, 'patterns');

  for (const [index, crashEnv] of plan.crashes.entries()) {
    const host = await startHostProcess({ appDir, stateDir, env: crashEnv });
    live.add(host);
    // Starting can itself be interrupted by the kill; ensureStarted is idempotent across restarts.
    for (const id of ids) await ensureStarted(host, id, file);
    // Either the crash hook fires, or the workload finishes before reaching the N-th commit.
    const outcome = await Promise.race([
      host.exited,
      pollUntil(
        'all instances finished before the crash point',
        async () => {
          for (const id of ids) {
            const s = await api(`${host.url}/durabletask/instances/${id}`).catch(() => undefined);
            if (!s || s.status !== 200) return undefined;
          }
          return 'finished';
        },
        120_000,
      ).catch(() => 'timeout'),
    ]);
    await host.kill();
    live.delete(host);
    expect(outcome).not.toBe('timeout');
    // The crash hooks end the process with SIGKILL; 'finished' means the kill point was never reached.
    if (index === 0) expect(outcome, `seed ${plan.seed}: the first kill (${JSON.stringify(crashEnv)}) never happened`).toBe('SIGKILL');
    else {
      followUps.planned++;
      if (outcome === 'SIGKILL') followUps.hit++;
    }
  }

  const host = await startHostProcess({ appDir, stateDir });
  live.add(host);
  try {
    for (const id of ids) await ensureStarted(host, id, file);
    for (const id of ids) {
      const s = await pollUntil(
        `instance ${id}`,
        async () => {
          const r = await api(`${host.url}/durabletask/instances/${id}`);
          return r.status === 200 ? (r.body as Record<string, unknown>) : undefined;
        },
        120_000,
      );
      const expected = [`${id}:first`, ...Array.from({ length: WIDTH }, (_, i) => `${id}:fan${i}`), `${id}:last`];
      expect(s, `seed ${plan.seed}: ${JSON.stringify(s)}\n${host.stderr()}`).toMatchObject({
        runtimeStatus: 'Completed',
        output: expected,
      });
      const effects = existsSync(file) ? readFileSync(file, 'utf8').split('\n') : [];
      for (const tag of expected) expect(effects, `seed ${plan.seed}: effect ${tag} lost`).toContain(tag);
    }
  } finally {
    await host.kill();
    live.delete(host);
  }
}

describe('crash and resume', () => {
  for (let i = 0; i < RUNS; i++) {
    const plan = planFor(1000 + i);
    const label = plan.crashes
      .map((c) =>
        Object.entries(c)
          .map(([k, v]) => `${k.replace('LOCAL_HOST_CRASH_', '')}=${v}`)
          .join(','),
      )
      .join(' then ');
    it(`run ${i} (seed ${plan.seed}): kill at ${label}, restart, everything completes`, async () => {
      await runPlan(plan);
    }, 300_000);
  }

  it('most follow-up kills happened too', () => {
    expect(followUps.planned, 'the seeds plan no follow-up kill').toBeGreaterThan(0);
    expect(followUps.hit * 2, `${followUps.hit} of ${followUps.planned} follow-up kills happened`).toBeGreaterThanOrEqual(
      followUps.planned,
    );
  });
});

describe('durable timers across a restart', () => {
  it('fires a timer that was armed before the host was killed', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'host-timer-restart-'));
    dirs.push(stateDir);
    const appDir = join(APPS, 'patterns');
    const first = await startHostProcess({ appDir, stateDir });
    live.add(first);
    const started = await api(`${first.url}/durabletask/orchestrators/longTimer/timer-1`, { method: 'POST', body: '4000' });
    expect(started.status).toBe(202);
    // Running means the episode that created the timer has run (its record is on disk a moment later;
    // if the kill beats the fsync, the restart re-runs that episode). Either way the timer must fire.
    await pollUntil('timer armed', async () => {
      const r = await api(`${first.url}/durabletask/instances/timer-1`);
      return (r.body as { runtimeStatus?: string }).runtimeStatus === 'Running' ? true : undefined;
    });
    expect((await api(`${first.url}/durabletask/instances/timer-1`)).status).toBe(202);
    await first.kill();
    live.delete(first);

    const second = await startHostProcess({ appDir, stateDir });
    live.add(second);
    try {
      const s = await pollUntil(
        'timer fired after restart',
        async () => {
          const r = await api(`${second.url}/durabletask/instances/timer-1`);
          return r.status === 200 ? (r.body as Record<string, unknown>) : undefined;
        },
        120_000,
      );
      expect(s.runtimeStatus).toBe('Completed');
      expect(s.output).toBeGreaterThanOrEqual(4000);
    } finally {
      await second.kill();
      live.delete(second);
    }
  }, 300_000);
});
