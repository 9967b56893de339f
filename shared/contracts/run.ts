/**
 * The shapes of a run that cross the orchestration boundary: settings, counts, outcome, the
 * orchestration's input and custom status, and the inputs and results of its steps. Each is a zod
 * schema, parsed once where it enters (activities.ts ties each activity to its input and output).
 * They carry references and counts only — device lists live in blobs — so orchestration history
 * stays small whatever the size of the file.
 */
import { z } from 'zod';
import { DeliveryStatus, NotifySettings } from './delivery';

export const BlobRef = z.object({
  container: z.string().min(1),
  name: z.string().min(1),
  etag: z.string().min(1),
});
export type BlobRef = z.infer<typeof BlobRef>;

export const RunSettings = z.object({
  chunkSize: z.number().int().min(1).max(500),
  /** MAX_FILE_ROWS (absent in histories from before the setting: the intake's default). */
  maxRows: z.number().int().min(1).optional(),
  poll: z.object({
    initialSeconds: z.number().min(0),
    maxSeconds: z.number().min(0),
    factor: z.number().min(1),
  }),
  /** Minutes; each counts from the moment the device passed the previous stage. */
  deadlines: z.object({
    importMinutes: z.number().positive(),
    registrationMinutes: z.number().positive(),
    groupMinutes: z.number().positive(),
    profileMinutes: z.number().positive(),
    espMinutes: z.number().positive(),
  }),
  expected: z.object({
    groupIds: z.array(z.string().min(1)),
    profileId: z.string().min(1).optional(),
    espId: z.string().min(1).optional(),
  }),
  /** Set when notification channels were configured as the run started (absent in older histories: no notifications). */
  notify: NotifySettings.optional(),
});
export type RunSettings = z.infer<typeof RunSettings>;

/** Slack past a phase's own deadlines before the orchestration stops polling it (a step that keeps failing). */
const BUDGET_SLACK_MINUTES = 10;

/**
 * How long each polling phase may run before the orchestration gives up on it and reports what is
 * known: its devices' deadlines plus a little slack. A new stage adds its deadline here, once.
 */
export function phaseBudgetMinutes(settings: RunSettings, phase: 'import' | 'confirm' | 'cleanup'): number {
  const d = settings.deadlines;
  const deadlines = phase === 'confirm' ? d.registrationMinutes + d.groupMinutes + d.profileMinutes + d.espMinutes : d.importMinutes;
  return deadlines + BUDGET_SLACK_MINUTES;
}

/** 'cleanup' follows the report: the run's import records are deleted once the report is written. */
export const Phase = z.enum(['parse', 'import', 'confirm', 'report', 'cleanup']);
export type Phase = z.infer<typeof Phase>;

export const StageCounts = z.object({
  rows: z.number().int(),
  valid: z.number().int(),
  rejectedRows: z.number().int(),
  duplicateRows: z.number().int(),
  imported: z.number().int(),
  importFailed: z.number().int(),
  registered: z.number().int(),
  inGroup: z.number().int(),
  profileAssigned: z.number().int(),
  espConfirmed: z.number().int(),
  confirmed: z.number().int(),
  failed: z.number().int(),
  pending: z.number().int(),
});
export type StageCounts = z.infer<typeof StageCounts>;

export function emptyCounts(): StageCounts {
  return {
    rows: 0,
    valid: 0,
    rejectedRows: 0,
    duplicateRows: 0,
    imported: 0,
    importFailed: 0,
    registered: 0,
    inGroup: 0,
    profileAssigned: 0,
    espConfirmed: 0,
    confirmed: 0,
    failed: 0,
    pending: 0,
  };
}

/**
 * A permanent failure that stopped the run (a missing permission, a refused token, an answer the
 * app does not understand): what failed and how to fix it. Retrying cannot help, so the run reports
 * at once instead of polling until its deadlines.
 */
export const RunStop = z.object({
  kind: z.enum(['permission', 'auth', 'contract']),
  operation: z.string(),
  status: z.number().int().optional(),
  code: z.string().optional(),
  message: z.string(),
  fix: z.string(),
  /** The phase the run was in. */
  phase: z.string(),
  at: z.string(),
});
export type RunStop = z.infer<typeof RunStop>;

export const RunOutcome = z.object({
  runId: z.string(),
  status: z.enum(['completed', 'rejected']),
  reportPath: z.string(),
  /** Where the source blob went; absent when a newer upload had replaced it (it stays for its own run). */
  archivedAs: z.string().optional(),
  counts: StageCounts,
  /** Import records of the run still in Intune when it ended (0 normally; set once cleanup ran). */
  importRecordsLeft: z.number().int().optional(),
  /** Set when a permanent failure stopped the run before every device was settled. */
  stopped: RunStop.optional(),
  /** What each notification channel answered (runs with channels configured). */
  notifications: z.array(DeliveryStatus).optional(),
});
export type RunOutcome = z.infer<typeof RunOutcome>;

export const IntakeInput = z.object({
  runId: z.string().min(1),
  source: BlobRef,
  settings: RunSettings,
  /**
   * The provenance ledger is recorded by its own activity after the report (run/ledger-step.ts).
   * Absent in runs started before: their histories replay as recorded, the report step recording it.
   */
  ledgerStep: z.literal(true).optional(),
  /** Set by continueAsNew so a long run keeps a bounded history. */
  resume: z
    .object({
      phase: Phase,
      phaseStartedAt: z.string(),
      intervalSeconds: z.number(),
      generation: z.number().int(),
      /** The report's outcome, once written (a run continued as new in its cleanup phase). */
      outcome: RunOutcome.optional(),
      /** A permanent failure met before the report (carried to it across continueAsNew). */
      stop: RunStop.optional(),
    })
    .optional(),
});
export type IntakeInput = z.infer<typeof IntakeInput>;

export const ParseInput = z.object({
  runId: z.string().min(1),
  source: BlobRef,
  chunkSize: z.number().int().min(1),
  /** More data rows than this rejects the file (absent in runs started before the setting: the intake's default). */
  maxRows: z.number().int().min(1).optional(),
  now: z.string(),
});
export type ParseInput = z.infer<typeof ParseInput>;

export const ParseResult = z.object({
  runId: z.string(),
  fileRejected: z.string().optional(),
  chunkCount: z.number().int(),
  counts: StageCounts,
});
export type ParseResult = z.infer<typeof ParseResult>;

export const StepInput = z.object({
  runId: z.string().min(1),
  /** The orchestration's deterministic clock, so activities judge deadlines on the same time line. */
  now: z.string(),
  phaseStartedAt: z.string(),
  settings: RunSettings,
});
export type StepInput = z.infer<typeof StepInput>;

/**
 * What a step says comes next: `done` (the phase is over), `now` (it stopped at its budget with work
 * ready: run the next step at once), `wait` (waiting on the service: poll again after a timer) or
 * `stop` (a permanent failure: report it now). Histories written before `next` existed carried two
 * booleans; they are read the same way so in-flight runs replay.
 */
const StepNext = z.enum(['done', 'now', 'wait', 'stop']);
export const StepResult = z.preprocess(
  (raw) => {
    if (typeof raw !== 'object' || raw === null || 'next' in raw) return raw;
    const legacy = raw as { done?: unknown; moreWork?: unknown };
    return { ...raw, next: legacy.done === true ? 'done' : legacy.moreWork === true ? 'now' : 'wait' };
  },
  z.object({
    next: StepNext,
    counts: StageCounts,
    note: z.string().optional(),
    /** Cleanup steps: the run's import records still to delete. */
    recordsLeft: z.number().int().optional(),
    /** With `next: 'stop'`: what stopped the run. */
    stop: RunStop.optional(),
  }),
);
export type StepResult = z.infer<typeof StepResult>;

export const FinalizeInput = z.object({
  runId: z.string().min(1),
  source: BlobRef,
  now: z.string(),
  /** The run was stopped by a permanent failure: devices still in flight are reported as failed by it. */
  stop: RunStop.optional(),
  /**
   * Only from runs started before the ledger step (IntakeInput `ledgerStep`): what the run expected
   * of every device, for the provenance ledger this step then records.
   */
  expected: RunSettings.shape.expected.optional(),
});
export type FinalizeInput = z.infer<typeof FinalizeInput>;

/** A reported run to record in the provenance ledger (run/ledger-step.ts). */
export const LedgerInput = z.object({
  runId: z.string().min(1),
  /** container/path of the archived source, when the report step archived it. */
  archivedAs: z.string().optional(),
  /** What the run expected of every device. */
  expected: RunSettings.shape.expected,
  now: z.string(),
});
export type LedgerInput = z.infer<typeof LedgerInput>;

export const LedgerResult = z.object({ recorded: z.number().int() });
export type LedgerResult = z.infer<typeof LedgerResult>;

export const CustomStatus = z.object({
  runId: z.string(),
  source: z.string(),
  phase: Phase,
  counts: StageCounts,
  note: z.string().optional(),
  /** Deliveries and their answers, once the run notifies. */
  notifications: z.array(DeliveryStatus).optional(),
});
export type CustomStatus = z.infer<typeof CustomStatus>;
