/**
 * The budget record in Azure Table storage (`autopilotBudget` in the app's account, beside the
 * ledger): one entity per tenant, the state as JSON in one property, written with If-Match on its
 * ETag (a new record with insert, which fails if a rival created it first). Table over blob: one
 * round trip per read and per conditional write on both, measured slightly faster (docs/PERFORMANCE.md);
 * over a durable entity: an activity cannot wait on an entity's answer, only an orchestration can,
 * and each answer would cost a queue round trip and history events per request.
 */
import type { TableClient } from '@azure/data-tables';
import { BudgetStateSchema, type BudgetState } from './model';
import type { BudgetStore, Versioned } from './store';

export const BUDGET_TABLE = 'autopilotBudget';
const ROW = 'budget';
/** A string property holds at most 64 KiB (32 K UTF-16 characters). */
const MAX_CHARS = 32_000;

type Row = { partitionKey: string; rowKey: string; state: string };

function statusOf(error: unknown): number | undefined {
  return typeof error === 'object' && error !== null ? (error as { statusCode?: number }).statusCode : undefined;
}

export class TableBudgetStore implements BudgetStore {
  private ready: Promise<void> | undefined;

  /** `key`: the tenant the budget is for (one record per tenant the app talks to). */
  constructor(
    private readonly client: TableClient,
    private readonly key: string,
  ) {}

  private ensure(): Promise<void> {
    // Created on first use (Azurite starts empty); 409: it exists.
    this.ready ??= this.client.createTable().catch((error: unknown) => {
      if (statusOf(error) !== 409) throw error;
    });
    return this.ready;
  }

  async read(): Promise<Versioned | undefined> {
    await this.ensure();
    try {
      const row = await this.client.getEntity<Row>(this.key, ROW);
      return { state: BudgetStateSchema.parse(JSON.parse(row.state)), etag: row.etag };
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  async write(state: BudgetState, etag: string | undefined): Promise<boolean> {
    await this.ensure();
    const json = JSON.stringify(state);
    if (json.length > MAX_CHARS) throw new Error(`the budget record grew to ${json.length} characters (more than ${MAX_CHARS})`);
    const entity: Row = { partitionKey: this.key, rowKey: ROW, state: json };
    try {
      if (etag === undefined) await this.client.createEntity(entity);
      else await this.client.updateEntity(entity, 'Replace', { etag });
      return true;
    } catch (error) {
      // 412: changed since we read it; 409: created by someone else since we found none.
      if (statusOf(error) === 412 || statusOf(error) === 409) return false;
      throw error;
    }
  }
}
