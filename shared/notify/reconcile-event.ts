/**
 * A reconciliation's notification facts: findings left unresolved and proposals waiting, with the
 * oldest few as examples (the report's own order). Fed one finding at a time; holds only the
 * examples. A reconciliation with nothing unresolved and nothing stopped raises no event.
 */
import type { ReconcileOutcome } from '../contracts';
import type { Finding } from '../reconcile/model';
import { reportOrder, unresolved } from '../reconcile/report';
import { clip } from './intake-event';
import { MAX_EXAMPLES, type Attention, type FindingExample, type ReconcileSection } from './payload';

export class DriftTally {
  unresolved = 0;
  proposalsWaiting = 0;
  private oldest: Finding[] = [];

  add(f: Finding): void {
    if (f.class === 'in-order' || f.class === 'foreign' || !unresolved(f)) return;
    this.unresolved++;
    this.proposalsWaiting += f.proposed.filter((_, i) => !f.approvals?.[i]).length;
    // Keep the MAX_EXAMPLES first in report order: insert, sort, trim.
    this.oldest.push(f);
    if (this.oldest.length > MAX_EXAMPLES * 4) this.trim();
  }

  private trim(): void {
    this.oldest.sort(reportOrder);
    this.oldest = this.oldest.slice(0, MAX_EXAMPLES);
  }

  examples(): FindingExample[] {
    this.trim();
    return this.oldest.map((f) => ({
      serialNumber: clip(f.serialNumber, 100),
      class: f.class,
      ...(f.since ? { since: f.since } : {}),
      evidence: f.evidence.slice(0, 3).map((e) => clip(e)),
      proposed: f.proposed.map((p) => p.kind),
    }));
  }
}

export function driftAttention(outcome: ReconcileOutcome, tally: DriftTally): Attention[] {
  const out: Attention[] = [];
  if (tally.unresolved > 0)
    out.push({ reason: 'driftUnresolved', count: tally.unresolved, detail: `${tally.unresolved} finding(s) need attention.` });
  if (tally.proposalsWaiting > 0)
    out.push({
      reason: 'proposalsWaiting',
      count: tally.proposalsWaiting,
      detail: `${tally.proposalsWaiting} proposed action(s) wait for an admin's approval.`,
    });
  if (outcome.stopped)
    out.push({
      reason: 'stopped',
      detail: clip(`The reconciliation stopped in ${outcome.stopped.phase}: ${outcome.stopped.message} Fix: ${outcome.stopped.fix}`),
    });
  return out;
}

export function reconcileSection(outcome: ReconcileOutcome, tally: DriftTally): ReconcileSection {
  const s = outcome.stopped;
  return {
    reconcileId: outcome.reconcileId,
    mode: outcome.mode,
    // The outcome names report.json; the folder holds the csv and summary beside it.
    reportPath: outcome.reportPath.replace(/report\.json$/, ''),
    examined: outcome.findings,
    byClass: outcome.byClass,
    unresolved: tally.unresolved,
    proposalsWaiting: tally.proposalsWaiting,
    ...(outcome.repair
      ? {
          repair: {
            done: outcome.repair.done,
            notNeeded: outcome.repair.notNeeded,
            skipped: outcome.repair.skipped,
            failed: outcome.repair.failed,
            writes: outcome.repair.writes,
          },
        }
      : {}),
    examples: tally.examples(),
    ...(s ? { stopped: { kind: s.kind, phase: s.phase, operation: s.operation, message: clip(s.message), fix: clip(s.fix) } } : {}),
  };
}
