/**
 * An intake run's notification facts: the problems of the run by code (fed one report row at a
 * time, so memory holds a few entries per code whatever the size of the run), the reasons it needs
 * an admin, and the event it raises. Pure: the prepare step reads the rows and hands them here.
 */
import type { BlobRef, NotifyEvent, RunOutcome } from '../contracts';
import type { ReportRow } from '../report/run-report';
import { MAX_EXAMPLES, MAX_PROBLEMS, MAX_TEXT, type Attention, type Problem, type RunSection } from './payload';

/** Failures that mean a deadline passed before the device got there. */
const DEADLINE_CODES = new Set(['ImportTimeout', 'RegistrationTimeout', 'NoEntraDevice', 'NotInExpectedGroup', 'ProfileNotAssigned']);
/** 808: registered to another tenant — only the previous owner or Microsoft can release it. */
const ELSEWHERE_CODE = '808';

export function clip(value: string, max = MAX_TEXT): string {
  return value.length <= max ? value : `${value.slice(0, max - 1)}…`;
}

/** Problems by code, as the report's summary counts them (SummaryBuilder in run-report.ts). */
export class ProblemTally {
  private readonly byCode = new Map<string, Problem>();

  add(row: ReportRow): void {
    const failure = row.device?.failure;
    const code = failure?.code ?? (row.status !== 'valid' ? row.code : undefined);
    if (!code) return;
    let p = this.byCode.get(code);
    if (!p) {
      p = {
        code,
        count: 0,
        stage: failure ? failure.stage : 'file',
        message: clip(failure?.message ?? row.message ?? code),
        ...(failure?.remediation ? { remediation: clip(failure.remediation) } : {}),
        examples: [],
      };
      this.byCode.set(code, p);
    }
    p.count++;
    if (row.serialNumber && p.examples.length < MAX_EXAMPLES) p.examples.push(clip(row.serialNumber, 100));
  }

  count(code: string): number {
    return this.byCode.get(code)?.count ?? 0;
  }

  countWhere(test: (code: string) => boolean): number {
    let n = 0;
    for (const p of this.byCode.values()) if (test(p.code)) n += p.count;
    return n;
  }

  get codes(): number {
    return this.byCode.size;
  }

  /** The most frequent first (ties in the order first met). */
  top(n = MAX_PROBLEMS): Problem[] {
    return [...this.byCode.values()].sort((a, b) => b.count - a.count).slice(0, n);
  }
}

/** Why the run needs an admin; empty when it does not. */
export function attentionOf(outcome: RunOutcome, tally: ProblemTally, fileRejected: string | undefined): Attention[] {
  const out: Attention[] = [];
  if (outcome.status === 'rejected')
    out.push({
      reason: 'fileRejected',
      detail: clip(fileRejected ? `The file was rejected: ${fileRejected}` : 'The file had no valid rows.'),
    });
  const elsewhere = tally.count(ELSEWHERE_CODE);
  if (elsewhere > 0)
    out.push({
      reason: 'registeredElsewhere',
      count: elsewhere,
      detail: `${elsewhere} device(s) are registered to another tenant (808): the previous owner must deregister them.`,
    });
  const late = tally.countWhere((c) => DEADLINE_CODES.has(c)) + outcome.counts.pending;
  if (late > 0)
    out.push({
      reason: 'deadlinesPassed',
      count: late,
      detail: `${late} device(s) did not reach their next stage before its deadline${outcome.counts.pending ? ` (${outcome.counts.pending} still pending)` : ''}.`,
    });
  if (outcome.stopped)
    out.push({
      reason: 'stopped',
      detail: clip(`The run stopped in its ${outcome.stopped.phase} phase: ${outcome.stopped.message} Fix: ${outcome.stopped.fix}`),
    });
  return out;
}

export function runSection(outcome: RunOutcome, source: Pick<BlobRef, 'container' | 'name'>, tally: ProblemTally): RunSection {
  const s = outcome.stopped;
  return {
    runId: outcome.runId,
    source: { container: source.container, name: clip(source.name, 1024) },
    status: outcome.status,
    reportPath: outcome.reportPath,
    counts: outcome.counts,
    problemCodes: tally.codes,
    problems: tally.top(),
    ...(s ? { stopped: { kind: s.kind, phase: s.phase, operation: s.operation, message: clip(s.message), fix: clip(s.fix) } } : {}),
  };
}

/** The event a run raises: needs attention when any reason stands, completed otherwise. */
export function intakeEvent(attention: readonly Attention[]): NotifyEvent {
  return attention.length > 0 ? 'run.needsAttention' : 'run.completed';
}
