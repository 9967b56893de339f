/**
 * What the intake orchestration knows about its run between steps — the phase, the polling pace,
 * the counts, the report's outcome, a permanent failure — and the run's custom status and log. It
 * survives continueAsNew through `resume` (contracts/run.ts IntakeInput), so a long run keeps a
 * bounded history. Deterministic: time is the orchestration's clock.
 */
import type { OrchestrationContext } from 'durable-functions';
import type { DeliveryStatus } from '../shared/contracts/delivery';
import {
  emptyCounts,
  type CustomStatus,
  type IntakeInput,
  type Phase,
  type RunOutcome,
  type RunStop,
  type StageCounts,
} from '../shared/contracts/run';

export class IntakeRun {
  phase: Phase;
  phaseStartedAt: string;
  intervalSeconds: number;
  /** Steps of this history generation (continueAsNew starts a new one). */
  steps = 0;
  counts: StageCounts;
  outcome: RunOutcome | undefined;
  recordsLeft: number | undefined;
  stop: RunStop | undefined;
  /** Whether the run imported anything, so its import records must be deleted after the report. */
  needsCleanup: boolean;
  /** Deliveries and their answers, once the run notifies (orchestrations/notify.ts). */
  notifications: DeliveryStatus[] | undefined;
  private readonly generation: number;

  constructor(
    private readonly context: OrchestrationContext,
    readonly input: IntakeInput,
  ) {
    const resume = input.resume;
    this.phase = resume?.phase ?? 'parse';
    this.phaseStartedAt = resume?.phaseStartedAt ?? this.now();
    this.intervalSeconds = resume?.intervalSeconds ?? input.settings.poll.initialSeconds;
    this.generation = resume?.generation ?? 0;
    this.outcome = resume?.outcome;
    this.counts = resume?.outcome?.counts ?? emptyCounts();
    this.stop = resume?.stop;
    // A run is continued as new only in a polling phase, after something was imported.
    this.needsCleanup = resume !== undefined;
  }

  now(): string {
    return this.context.df.currentUtcDateTime.toISOString();
  }

  at(phase: Phase): boolean {
    return this.phase === phase;
  }

  /** Moves to a phase: its deadline and polling pace start over. */
  enter(phase: Phase, note?: string): void {
    this.phase = phase;
    this.phaseStartedAt = this.now();
    this.intervalSeconds = this.input.settings.poll.initialSeconds;
    this.status(note);
  }

  status(note?: string): void {
    const { runId, source } = this.input;
    const value: CustomStatus = { runId, source: `${source.container}/${source.name}`, phase: this.phase, counts: this.counts, note };
    if (this.notifications) value.notifications = this.notifications;
    this.context.df.setCustomStatus(value);
  }

  log(message: string): void {
    if (!this.context.df.isReplaying) this.context.log(`[${this.input.runId}] ${message}`);
  }

  /** Starts the next history generation where this one stands. */
  continueAsNew(): undefined {
    this.log(`continuing as new (generation ${this.generation + 1}) in phase ${this.phase}`);
    const { phase, phaseStartedAt, intervalSeconds, outcome, stop } = this;
    const resume = { phase, phaseStartedAt, intervalSeconds, generation: this.generation + 1, outcome, ...(stop ? { stop } : {}) };
    this.context.df.continueAsNew({ ...this.input, resume });
    return undefined;
  }

  /** The orchestration's output: the report's outcome, with what cleanup left and what stopped the run. */
  finish(): RunOutcome {
    if (!this.outcome) throw new Error(`run ${this.input.runId}: ended without a report`);
    const final: RunOutcome = {
      ...this.outcome,
      ...(this.recordsLeft === undefined ? {} : { importRecordsLeft: this.recordsLeft }),
      ...(this.stop ? { stopped: this.stop } : {}),
      notifications: this.notifications,
    };
    this.status('done');
    this.log(
      `finished: ${final.status}, ${this.counts.confirmed} confirmed, ${this.counts.failed} failed${this.recordsLeft ? `, ${this.recordsLeft} import records left` : ''}`,
    );
    return final;
  }
}
