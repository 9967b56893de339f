/**
 * Where one tenant's budget record lives: read it with its version, write it back only if that
 * version is still current (Azure's ETag / If-Match). Everything else about the budget is in
 * model.ts and shared-budget.ts, so tests run the same code over MemoryBudgetStore.
 */
import type { BudgetState } from './model';

export interface Versioned {
  state: BudgetState;
  etag: string;
}

export interface BudgetStore {
  /** The current record, undefined if none was written yet. */
  read(): Promise<Versioned | undefined>;
  /**
   * Writes if the record is still at `etag` (undefined: only if there is none yet). False when
   * someone else wrote first — the caller reads again and decides again.
   */
  write(state: BudgetState, etag: string | undefined): Promise<boolean>;
}

/** The store in memory, for tests and for a single process; `beforeWrite` lets a test slip a rival write in. */
export class MemoryBudgetStore implements BudgetStore {
  private current: Versioned | undefined;
  private version = 0;
  reads = 0;
  writes = 0;
  conflicts = 0;

  constructor(private readonly beforeWrite?: (store: MemoryBudgetStore) => Promise<void> | void) {}

  async read(): Promise<Versioned | undefined> {
    this.reads++;
    await Promise.resolve();
    return this.current && { state: structuredClone(this.current.state), etag: this.current.etag };
  }

  async write(state: BudgetState, etag: string | undefined): Promise<boolean> {
    await this.beforeWrite?.(this);
    return this.writeNow(state, etag);
  }

  /** A write that does not run the hook (what a rival instance's write looks like). */
  writeNow(state: BudgetState, etag: string | undefined): boolean {
    if ((this.current?.etag ?? undefined) !== etag) {
      this.conflicts++;
      return false;
    }
    this.writes++;
    this.current = { state: structuredClone(state), etag: `"${++this.version}"` };
    return true;
  }

  peek(): BudgetState | undefined {
    return this.current && structuredClone(this.current.state);
  }
}
