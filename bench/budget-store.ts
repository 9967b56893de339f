/**
 * What the shared Graph budget costs per grant on Azurite, with its record in Table storage (what
 * the app uses) or in a blob (the alternative), both with ETag-conditioned writes:
 *   1. one instance, one caller: latency of acquire (read + conditional write) — the time added
 *      before each Graph request or $batch;
 *   2. three instances × four callers each (separate clients, one record), limits high enough that
 *      nobody waits: grants per second and conflicting writes per grant.
 * A durable entity is not measured: an activity (where Graph calls are made) cannot wait on an
 * entity's answer, only an orchestration can (docs/PERFORMANCE.md).
 * Run: npx tsx bench/budget-store.ts [--grants 300] [--seconds 10]
 */
import { parseArgs } from 'node:util';
import { TableClient } from '@azure/data-tables';
import { BlobServiceClient } from '@azure/storage-blob';
import { startAzurite } from '../local/azurite';
import type { BudgetRules } from '../shared/graph/budget/model';
import { SharedBudget } from '../shared/graph/budget/shared-budget';
import type { BudgetStore } from '../shared/graph/budget/store';
import { BUDGET_TABLE, TableBudgetStore } from '../shared/graph/budget/table-store';
import { BlobBudgetStore } from './support/blob-budget-store';

const { values } = parseArgs({ options: { grants: { type: 'string' }, seconds: { type: 'string' } } });
const GRANTS = Number(values.grants ?? 300);
const SECONDS = Number(values.seconds ?? 10);

const BIG = { limit: 1_000_000_000, windowMs: 20_000 };
const RULES: BudgetRules = {
  limits: { iw: BIG, ir: BIG, du: BIG, dw: BIG },
  leaseMs: 15_000,
  demandTtlMs: 5_000,
  maxWaitMs: 1_000,
  reserve: 0.1,
};

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;

async function main() {
  const azurite = await startAzurite();
  try {
    const blobs = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('budget-bench');
    await blobs.createIfNotExists();
    const kinds: [string, (key: string) => BudgetStore][] = [
      [
        'table',
        (key) =>
          new TableBudgetStore(
            TableClient.fromConnectionString(azurite.connectionString, BUDGET_TABLE, { allowInsecureConnection: true }),
            key,
          ),
      ],
      ['blob', (key) => new BlobBudgetStore(blobs.getBlockBlobClient(`${key}.json`))],
    ];
    for (const [kind, storeFor] of kinds) {
      // 1. Sequential: one grant at a time (its release rides on the next acquire's write).
      const one = new SharedBudget({ store: storeFor(`seq-${kind}`), rules: RULES, holder: 'one' });
      (await one.acquire('warm-up', { ir: 1 }))();
      const times: number[] = [];
      for (let i = 0; i < GRANTS; i++) {
        const t = performance.now();
        const release = await one.acquire('run', { ir: 20, iw: 1 });
        times.push(performance.now() - t);
        release();
      }
      times.sort((a, b) => a - b);
      const mean = times.reduce((a, b) => a + b, 0) / times.length;
      console.log(
        `${kind}: sequential acquire over ${GRANTS} grants: mean ${mean.toFixed(1)} ms, p50 ${pct(times, 0.5).toFixed(1)} ms, p95 ${pct(times, 0.95).toFixed(1)} ms; ` +
          `storage calls per grant ${((one.stats.reads + one.stats.writes + one.stats.conflicts) / one.stats.grants).toFixed(2)}`,
      );
      // 2. Contention: three instances, four callers each, one record.
      const instances = [1, 2, 3].map((i) => new SharedBudget({ store: storeFor(`busy-${kind}`), rules: RULES, holder: `h${i}` }));
      const end = Date.now() + SECONDS * 1000;
      await Promise.all(
        instances.flatMap((b, i) =>
          Array.from({ length: 4 }, async (_, c) => {
            while (Date.now() < end) (await b.acquire(`run-${i}-${c % 2}`, { ir: 1 }))();
          }),
        ),
      );
      const grants = instances.reduce((n, b) => n + b.stats.grants, 0);
      const conflicts = instances.reduce((n, b) => n + b.stats.conflicts, 0);
      console.log(
        `${kind}: 3 instances × 4 callers for ${SECONDS} s: ${(grants / SECONDS).toFixed(0)} grants/s, ${(conflicts / grants).toFixed(2)} conflicting writes per grant`,
      );
    }
  } finally {
    await azurite.stop();
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
