/**
 * Every activity of the intake orchestration, by contract (contract.ts). The names are the ones
 * deployed histories hold: never rename one (docs/DEPLOY.md, "Upgrading with runs in flight").
 */
import type { runCleanupStep } from '../run/cleanup-step';
import type { runConfirmStep } from '../run/confirm/step';
import type { runFinalizeStep } from '../run/finalize-step';
import type { runImportStep } from '../run/import/step';
import type { runLedgerStep } from '../run/ledger-step';
import type { runParseStep } from '../run/parse-step';
import { activity, type Implements } from './contract';
import { FinalizeInput, IntakeInput, LedgerInput, LedgerResult, ParseInput, ParseResult, RunOutcome, StepInput, StepResult } from './run';

/** Streams the blob version through the CSV intake; verdicts and import chunks to blobs. @see {@link runParseStep} */
export const ParseStep = activity('intakeParse', ParseInput, ParseResult);

/** One bounded step of the import phase: send, poll, settle, delete alongside. @see {@link runImportStep} */
export const ImportStep = activity('intakeImportStep', StepInput, StepResult);

/** One bounded step of the confirm phase: registration, group, profile, ESP per device. @see {@link runConfirmStep} */
export const ConfirmStep = activity('intakeConfirmStep', StepInput, StepResult);

/** Writes the report and archives the source blob. @see {@link runFinalizeStep} */
export const FinalizeStep = activity('intakeFinalize', FinalizeInput, RunOutcome);

/** Records the reported run's devices in the provenance ledger. @see {@link runLedgerStep} */
export const LedgerStep = activity('intakeRecordLedger', LedgerInput, LedgerResult);

/** Deletes the run's remaining import records after the report. @see {@link runCleanupStep} */
export const CleanupStep = activity('intakeCleanupStep', StepInput, StepResult);

/**
 * Compile-time proof that each implementation takes its contract's input and returns its output
 * (a step whose result drifted from its contract does not build).
 */
export const IMPLEMENTED: [
  Implements<typeof ParseStep, typeof runParseStep>,
  Implements<typeof ImportStep, typeof runImportStep>,
  Implements<typeof ConfirmStep, typeof runConfirmStep>,
  Implements<typeof FinalizeStep, typeof runFinalizeStep>,
  Implements<typeof LedgerStep, typeof runLedgerStep>,
  Implements<typeof CleanupStep, typeof runCleanupStep>,
] = [true, true, true, true, true, true];

/** The intake orchestration: one per blob version (orchestrations/intake.ts). */
export const IntakeOrchestration = { name: 'intakeOrchestrator', input: IntakeInput, output: RunOutcome } as const;
