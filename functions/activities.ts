/**
 * The intake orchestration's activities: each contract (shared/contracts/activities.ts) bound to
 * its implementation over the services. The raw input is parsed by the contract on arrival; a step
 * that meets a permanent Graph failure answers `next: 'stop'` instead of throwing (shared/run/stop.ts).
 */
import type { z } from 'zod';
import { CleanupStep, ConfirmStep, FinalizeStep, ImportStep, LedgerStep, ParseStep } from '../shared/contracts/activities';
import type { ActivityContract } from '../shared/contracts/contract';
import { runCleanupStep } from '../shared/run/cleanup-step';
import { runConfirmStep } from '../shared/run/confirm/step';
import { runFinalizeStep } from '../shared/run/finalize-step';
import { runImportStep } from '../shared/run/import/step';
import { runLedgerStep } from '../shared/run/ledger-step';
import { runParseStep } from '../shared/run/parse-step';
import { stopOnPermanentFailure } from '../shared/run/stop';
import type { Services } from './services';

type Log = (message: string) => void;

export interface BoundActivity {
  name: string;
  run(services: Services, raw: unknown, log: Log): Promise<unknown>;
}

export function bind<I extends z.ZodType, O extends z.ZodType>(
  contract: ActivityContract<I, O>,
  implementation: (s: Services, input: z.output<I>, log: Log) => Promise<z.input<O>>,
): BoundActivity {
  return { name: contract.name, run: (s, raw, log) => implementation(s, contract.input.parse(raw), log) };
}

export const INTAKE_ACTIVITIES: readonly BoundActivity[] = [
  bind(ParseStep, (s, input, log) => runParseStep({ objects: s.objects, runs: s.runs, log }, input)),
  bind(ImportStep, (s, input, log) =>
    stopOnPermanentFailure('import', input.now, log, () => runImportStep({ graph: s.graphFor(input.runId), runs: s.runs, log }, input)),
  ),
  bind(ConfirmStep, (s, input, log) =>
    stopOnPermanentFailure('confirm', input.now, log, () =>
      runConfirmStep({ graph: s.graphFor(input.runId), runs: s.runs, objects: s.objects, log }, input),
    ),
  ),
  bind(FinalizeStep, (s, input, log) => runFinalizeStep({ objects: s.objects, runs: s.runs, ledger: s.ledger, log }, input)),
  bind(LedgerStep, (s, input, log) => runLedgerStep({ runs: s.runs, ledger: s.ledger, log }, input)),
  bind(CleanupStep, (s, input, log) =>
    stopOnPermanentFailure('cleanup', input.now, log, () => runCleanupStep({ graph: s.graphFor(input.runId), runs: s.runs, log }, input)),
  ),
];
