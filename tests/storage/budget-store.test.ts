/**
 * The BudgetStore contract (read, conditional write, conflicting create) on the in-memory store and
 * on Table storage over Azurite, and the shared budget itself over Azurite: two instances (separate
 * clients) contending for one tenant's record never grant more than the limit between them.
 */
import { TableClient } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decide, emptyState, usage, type BudgetRules } from '../../shared/graph/budget/model';
import { SharedBudget } from '../../shared/graph/budget/shared-budget';
import { MemoryBudgetStore, type BudgetStore } from '../../shared/graph/budget/store';
import { BUDGET_TABLE, TableBudgetStore } from '../../shared/graph/budget/table-store';
import { startAzurite, type AzuriteInstance } from '../support/azurite';

let azurite: AzuriteInstance | undefined;
beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => azurite?.stop());

const RULES: BudgetRules = {
  limits: {
    iw: { limit: 100, windowMs: 20_000 },
    ir: { limit: 1000, windowMs: 20_000 },
    du: { limit: 3000, windowMs: 10_000 },
    dw: { limit: 3000, windowMs: 150_000 },
  },
  leaseMs: 15_000,
  demandTtlMs: 5_000,
  maxWaitMs: 200,
  reserve: 0,
};

let tenants = 0;
function tableStore(key = `tenant${++tenants}`): TableBudgetStore {
  if (!azurite) throw new Error('Azurite did not start (see beforeAll)');
  const client = TableClient.fromConnectionString(azurite.connectionString, BUDGET_TABLE, { allowInsecureConnection: true });
  return new TableBudgetStore(client, key);
}

function contract(name: string, make: () => BudgetStore) {
  describe(`BudgetStore contract: ${name}`, () => {
    const grant = (id: string) => decide(emptyState(), { id, holder: 'h', run: 'r', amounts: { iw: 1 } }, 0, RULES).state;

    it('has no record at first, then the one written', async () => {
      const store = make();
      expect(await store.read()).toBeUndefined();
      expect(await store.write(grant('a'), undefined)).toBe(true);
      const read = await store.read();
      expect(read?.state.grants.map((g) => g.id)).toEqual(['a']);
      expect(read?.etag).toBeTruthy();
    });

    it('writes only over the version it read', async () => {
      const store = make();
      await store.write(grant('a'), undefined);
      const first = (await store.read())!;
      expect(await store.write(grant('b'), first.etag)).toBe(true);
      expect(await store.write(grant('c'), first.etag)).toBe(false); // stale: someone wrote after our read
      expect((await store.read())?.state.grants.map((g) => g.id)).toEqual(['b']);
    });

    it('creates the record only once', async () => {
      const store = make();
      expect(await store.write(grant('a'), undefined)).toBe(true);
      expect(await store.write(grant('b'), undefined)).toBe(false);
    });
  });
}

contract('MemoryBudgetStore', () => new MemoryBudgetStore());
contract('TableBudgetStore on Azurite', () => tableStore());

describe('shared budget over Azurite', () => {
  it('two instances taking turns at one record never hold more than the limit together', async () => {
    const key = `tenant${++tenants}`;
    // Each instance's first read waits for the other's: both then write over the same (absent)
    // version, and exactly one of those writes must lose.
    let reads = 0;
    let open: () => void = () => {};
    const bothRead = new Promise<void>((r) => (open = r));
    const racing = (store: BudgetStore): BudgetStore => ({
      async read() {
        const v = await store.read();
        if (++reads === 2) open();
        if (reads <= 2) await bothRead;
        return v;
      },
      write: (state, etag) => store.write(state, etag),
    });
    const a = new SharedBudget({ store: racing(tableStore(key)), rules: RULES, holder: 'a' });
    const b = new SharedBudget({ store: racing(tableStore(key)), rules: RULES, holder: 'b' });
    const probe = tableStore(key);
    let peakHeld = 0;
    // Each instance: 6 callers wanting 10 writes each, twice — 240 writes against 100 per window.
    // Grants are never released here: the first 100 are all that fit until they expire.
    const granted: string[] = [];
    const callers = [a, b].flatMap((x) =>
      Array.from({ length: 6 }, async (_, i) => {
        await x.acquire(`run-${x.holder}`, { iw: 10 });
        granted.push(`${x.holder}${i}`);
        const held = usage((await probe.read())!.state, Date.now(), RULES).iw;
        peakHeld = Math.max(peakHeld, held);
      }),
    );
    const outcome = await Promise.race([
      Promise.all(callers).then(() => 'all granted'),
      new Promise((r) => setTimeout(() => r('timed out'), 3_000)),
    ]);
    expect(outcome).toBe('timed out'); // 120 asked, 100 fit: two callers must still be waiting
    expect(granted).toHaveLength(10);
    expect(peakHeld).toBe(100);
    // Both instances got grants, and they met at least one conflicting write between them.
    expect(granted.some((g) => g.startsWith('a')) && granted.some((g) => g.startsWith('b'))).toBe(true);
    expect(a.stats.conflicts + b.stats.conflicts).toBeGreaterThan(0);
  });
});
