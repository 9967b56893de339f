/**
 * Records a reported run's devices in the provenance ledger (ledger/record-run.ts), as its own
 * activity after the report: the report is what the admin waits for, while the ledger serves the
 * reconciliation, which also backfills entries from reports it finds unrecorded. At 100,000 devices
 * the entries take tens of seconds of table writes that no longer hold the report back (issue 16).
 * Safe to repeat: every entry is an upsert keyed by serial number.
 */
import type { LedgerInput, LedgerResult } from '../contracts';
import type { Ledger } from '../ledger/ledger';
import { recordRun } from '../ledger/record-run';
import type { RunStore } from './run-store';

export interface LedgerStepDeps {
  runs: RunStore;
  ledger: Ledger;
  log: (message: string) => void;
}

export async function runLedgerStep(deps: LedgerStepDeps, input: LedgerInput): Promise<LedgerResult> {
  const started = Date.now();
  const manifest = await deps.runs.readManifest(input.runId);
  if (!manifest) throw new Error(`run ${input.runId}: no manifest`);
  const recorded = await recordRun(deps.ledger, deps.runs, manifest, {
    archivedAs: input.archivedAs,
    expected: input.expected,
    now: input.now,
  });
  deps.log(`run ${input.runId}: ledger took ${((Date.now() - started) / 1000).toFixed(1)} s recording ${recorded} entries`);
  return { recorded };
}
