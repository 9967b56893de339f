/**
 * The shared budget the app runs with: one record per tenant in the app's own Table storage, the
 * documented limits less headroom (costs.ts), grants leased for GRAPH_BUDGET_LEASE_SECONDS.
 */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { AppConfig } from '../../config';
import { tableClientFor } from '../../ledger/table-ledger';
import { budgetLimits } from './costs';
import type { BudgetRules } from './model';
import { SharedBudget } from './shared-budget';
import { BUDGET_TABLE, TableBudgetStore } from './table-store';

export function budgetRules(config: AppConfig['graph']): BudgetRules {
  return {
    limits: budgetLimits(config.intuneBudget),
    leaseMs: config.budget.leaseSeconds * 1000,
    // Runs ask at least every few seconds while they send; one that stopped leaves the shares soon after.
    demandTtlMs: 5_000,
    maxWaitMs: 1_000,
    // 10 %: a small run's import (one write) and first reads never wait behind a large run's burst.
    reserve: 0.1,
  };
}

export function sharedBudgetFor(config: AppConfig): SharedBudget {
  // A table partition key may not hold / \ # ? — a tenant id is a GUID, 'default' without one.
  const tenant = config.graph.budget.tenant.replace(/[/\\#?]/g, '_');
  return new SharedBudget({
    store: new TableBudgetStore(tableClientFor(config.storage, BUDGET_TABLE), tenant),
    rules: budgetRules(config.graph),
    holder: `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`,
    // A run holding less than the reserve takes four requests' worth per grant: a small run reading
    // tenant-sized lists page by page pays one round trip to the record per four pages, not per page.
    ahead: 4,
    // Each run's grants and waits every 10 s while it sends: where a slow run's time went (the
    // worker's own log; runs by their budget key, nothing about devices).
    log: (line) => console.info(line),
  });
}
