/**
 * One Graph budget for every instance (issue 16): three local hosts (separate processes) on one
 * Azurite, the emulator enforcing the documented per-app limits. A small drop alone, then a large
 * drop with small ones beside it, then the host running the large one killed while it holds budget
 * and more small drops. From the emulator's own log: no 20 s window over the per-app Intune limits
 * and not one 429; the small drops finish within a few seconds of what they take alone; the dead
 * host's grants stop counting one lease (plus the window) after they were taken.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TableClient } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_APP_ID } from '../../local/app-token';
import { spawnHost, stopHost, type HostChild } from '../../local/host-child';
import { REPO_ROOT } from '../../local/stack';
import { CSV_HEADER, csvRow, serialsFor } from '../../bench/support/csv';
import { readBlobText, dropBlob } from '../../bench/support/run';
import { startBenchStack, type BenchStack } from '../../bench/support/stack';
import { logEntries } from '../../bench/support/traffic';
import { BudgetStateSchema, type BudgetState } from '../../shared/graph/budget/model';
import { BUDGET_TABLE, TableBudgetStore } from '../../shared/graph/budget/table-store';
import { SharedBudget, budgetRunKey } from '../../shared/graph/budget/shared-budget';
import { budgetRules as rulesFor } from '../../shared/graph/budget/from-config';
import { loadConfig } from '../../shared/config';
import { CONTAINERS } from '../../shared/storage/object-store';
import { TENANT_DEVICES } from './support';
import { peakPerWindow } from '../../bench/support/traffic';

const LEASE_SECONDS = 10;
const WINDOW_MS = 20_000;
const LARGE = 600;

/** The rules the hosts run with, from the same settings. */
function budgetRules(stack: BenchStack) {
  return rulesFor(loadConfig(stack.appSettings).graph);
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('shared Graph budget across three hosts', () => {
  let stack: BenchStack;
  const extra: { host: HostChild; stateDir: string }[] = [];
  let log = '';

  beforeAll(async () => {
    stack = await startBenchStack({
      tenantDevices: TENANT_DEVICES,
      throttling: true,
      appSettings: { GRAPH_BUDGET_LEASE_SECONDS: String(LEASE_SECONDS) },
      onHostLine: (line) => (log += `${line}\n`),
    });
    // Two more instances of the app: own processes and durable state, the same storage account,
    // task hub and settings (so one blob-trigger receipt per blob: each drop runs on one of them).
    for (let i = 0; i < 2; i++) {
      const stateDir = mkdtempSync(join(tmpdir(), 'intake-budget-host-'));
      extra.push({ host: await spawnHost(REPO_ROOT, 0, stateDir, stack.appSettings, (line) => (log += `${line}\n`)), stateDir });
    }
  }, 180_000);
  afterAll(async () => {
    for (const e of extra) {
      await stopHost(e.host).catch(() => undefined);
      rmSync(e.stateDir, { recursive: true, force: true });
    }
    await stack?.dispose();
  });

  const budgetTable = () =>
    TableClient.fromConnectionString(stack.azurite.connectionString, BUDGET_TABLE, { allowInsecureConnection: true });
  /** Every instance seen holding a grant. */
  const holders = new Set<string>();
  const budgetRecord = async (): Promise<BudgetState | undefined> => {
    try {
      const row = await budgetTable().getEntity<{ state: string }>('default', 'budget');
      const state = BudgetStateSchema.parse(JSON.parse(row.state));
      for (const g of state.grants) holders.add(g.holder);
      return state;
    } catch {
      return undefined;
    }
  };
  const reported = (runId: string) => readBlobText(stack, CONTAINERS.reports, `${runId}/report.json`);
  const smallFile = (prefix: string) => [CSV_HEADER, ...serialsFor(prefix, 10).map((s) => csvRow(s))].join('\r\n') + '\r\n';
  /** Drops → seconds until each report is written. */
  const dropSmall = async (prefixes: string[]): Promise<number[]> => {
    const drops = await Promise.all(prefixes.map((p) => dropBlob(stack, `budget/${p}.csv`, smallFile(p))));
    return Promise.all(
      drops.map(async (d) => {
        await until(`the report of ${d.runId}`, async () => ((await reported(d.runId)) ? true : undefined), 120_000);
        return (Date.now() - d.droppedAt) / 1000;
      }),
    );
  };
  const hosts = () => [stack.host, ...extra.map((e) => e.host)];

  it('keeps every host within the per-app limits, small drops beside a large one, a dead holder recovered', async () => {
    const [alone] = await dropSmall(['BGA']);

    // A large drop keeps the budget busy: its import records are polled in $batches of 20 and
    // deleted alongside, more than the window allows.
    const large = await dropBlob(
      stack,
      'budget/large.csv',
      [CSV_HEADER, ...serialsFor('BGL', LARGE).map((s) => csvRow(s))].join('\r\n') + '\r\n',
    );
    const largeKey = budgetRunKey(large.runId);
    await until(
      'the large run holding most of the write budget',
      async () => {
        const state = await budgetRecord();
        const writes = state?.done.filter((r) => r.run === largeKey).reduce((n, r) => n + (r.a.iw ?? 0), 0) ?? 0;
        return writes >= 50 ? true : undefined;
      },
      120_000,
    );
    const beside = await dropSmall(['BGB', 'BGC', 'BGD']);

    // Freeze the host running the large run while it holds a grant, then kill it there. A grant
    // lasts as long as its request: the emulator holds the next import-record DELETEs (the large
    // run's, deleting at the write budget), so a grant of it stays in the record until the kill
    // instead of for the milliseconds a probe every 100 ms can miss under load.
    stack.emulator.hold({ method: 'DELETE', path: '/importedWindowsAutopilotDeviceIdentities/', when: 'before', count: 10 });
    let dead: { host: HostChild; holder: string; grantedAt: number } | undefined;
    while (!dead) {
      const state = await until(
        'a grant of the large run',
        async () => {
          const s = await budgetRecord();
          return s?.grants.some((g) => g.run === largeKey) ? s : undefined;
        },
        60_000,
      );
      const holder = state.grants.find((g) => g.run === largeKey)!.holder;
      const host = hosts().find((h) => holder.includes(`-${h.child.pid}-`))!;
      host.child.kill('SIGSTOP');
      const now = await budgetRecord();
      const held = now?.grants.filter((g) => g.holder === holder) ?? [];
      if (held.length > 0) {
        host.child.kill('SIGKILL');
        await host.exited;
        dead = { host, holder, grantedAt: Math.max(...held.map((g) => g.at)) };
      } else host.child.kill('SIGCONT');
    }
    // What the other hosts' requests were held for goes on; the dead host's are dropped unsent.
    stack.emulator.releaseHolds();
    const afterKill = await dropSmall(['BGE', 'BGF', 'BGG']);
    const ours = logEntries(stack.emulator).filter((e) => e.appId === LOCAL_APP_ID && !e.batch);
    const intune = ours.filter((e) => /^\/(v1\.0|beta)\/deviceManagement/.test(e.path));
    const writes = intune.filter((e) => e.method !== 'GET');
    const peaks = {
      requests: peakPerWindow(
        intune.map((e) => e.at),
        WINDOW_MS,
      ),
      writes: peakPerWindow(
        writes.map((e) => e.at),
        WINDOW_MS,
      ),
    };
    console.log(
      `shared budget, 3 hosts: small alone ${alone!.toFixed(1)} s; beside the ${LARGE}-device run ${beside.map((s) => s.toFixed(1)).join(' / ')} s; ` +
        `after the kill ${afterKill.map((s) => s.toFixed(1)).join(' / ')} s; peak per 20 s: ${peaks.requests} Intune requests, ${peaks.writes} writes; ` +
        `429s ${ours.filter((e) => e.throttled).length}; operations ${ours.length}`,
    );
    // What the dead host held is still in the record, unreleased, until one lease plus one window
    // after it was granted; the next instance to write the record then drops it.
    const freedBy = dead.grantedAt + LEASE_SECONDS * 1000 + WINDOW_MS;
    expect(Date.now(), 'the small drops after the kill took longer than the dead grants could hold them').toBeLessThan(freedBy);
    expect((await budgetRecord())?.grants.some((g) => g.holder === dead!.holder)).toBe(true);
    await new Promise((r) => setTimeout(r, Math.max(0, freedBy - Date.now()) + 100));
    const probe = new SharedBudget({ store: new TableBudgetStore(budgetTable(), 'default'), rules: budgetRules(stack), holder: 'probe' });
    (await probe.acquire('probe', { ir: 1 }))();
    expect((await budgetRecord())?.grants.some((g) => g.holder === dead!.holder)).toBe(false);
    // More than one host took grants: the budget was really shared between processes.
    expect(holders.size, log.slice(-3000)).toBeGreaterThanOrEqual(2);
    expect(ours.filter((e) => e.throttled)).toEqual([]);
    // The large run, above 100 devices in flight, walked the group as an advanced query ($count=true
    // and ConsistencyLevel, without which the service answers 400); the small runs asked per device.
    const walks = ours.filter((e) => e.path.includes('/transitiveMembers/microsoft.graph.device'));
    expect(walks.length).toBeGreaterThan(0);
    expect(walks.every((e) => e.status === 200 && e.path.includes('$count=true'))).toBe(true);
    expect(peaks.writes).toBeLessThanOrEqual(100);
    expect(peaks.requests).toBeLessThanOrEqual(1000);
    // The large run really pressed on the limits (the test would prove nothing otherwise).
    // (87 of 96 at best with the reserve kept for new runs; on a loaded machine the large run's
    // steps leave gaps, so half the limit is what it must at least reach.)
    expect(peaks.writes).toBeGreaterThanOrEqual(50);
    for (const s of beside) expect(s).toBeLessThanOrEqual(alone! + 10);
    for (const s of afterKill) expect(s).toBeLessThanOrEqual(alone! + LEASE_SECONDS + WINDOW_MS / 1000 + 10);
  }, 300_000);
});
