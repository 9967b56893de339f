/**
 * A run's phases from the orchestration's own log lines, as the host printed them and the bench
 * stamped them on arrival: parse (from the drop), import, confirm, report (the finalize step) and
 * cleanup (the ledger step, then the deletes). The Graph log alone cannot split them (the cleanup's list walks look like import reads).
 */
export interface HostLine {
  at: number;
  line: string;
}

export interface HostPhases {
  parseMs?: number;
  importMs?: number;
  confirmMs?: number;
  reportMs?: number;
  cleanupMs?: number;
  /** The finalize step's own breakdown ("finalize took …"), when it logged one. */
  finalize?: string;
  /** The ledger step's ("ledger took …"), which follows the report. */
  ledger?: string;
}

const MARKS = [
  ['parsed', /\] parsed: /],
  ['import', /\] import (done|stopped)/],
  ['confirm', /\] confirm (done|stopped)/],
  ['report', /\] report written: /],
  ['cleanup', /\] finished: /],
] as const;

export function hostPhases(lines: readonly HostLine[], runId: string, droppedAt: number): HostPhases {
  const at = new Map<string, number>();
  let finalize: string | undefined;
  let ledger: string | undefined;
  for (const { at: time, line } of lines) {
    if (!line.includes(runId)) continue;
    for (const [name, pattern] of MARKS) if (!at.has(name) && pattern.test(line)) at.set(name, time);
    const took = /finalize took (.*)$/.exec(line);
    if (took) finalize = took[1];
    const recorded = /ledger took (.*)$/.exec(line);
    if (recorded) ledger = recorded[1];
  }
  const span = (from: number | undefined, to: number | undefined) => (from !== undefined && to !== undefined ? to - from : undefined);
  const out: HostPhases = {};
  const set = (key: Exclude<keyof HostPhases, 'finalize' | 'ledger'>, v: number | undefined) => {
    if (v !== undefined) out[key] = v;
  };
  set('parseMs', span(droppedAt, at.get('parsed')));
  set('importMs', span(at.get('parsed'), at.get('import')));
  set('confirmMs', span(at.get('import'), at.get('confirm')));
  set('reportMs', span(at.get('confirm'), at.get('report')));
  set('cleanupMs', span(at.get('report'), at.get('cleanup')));
  if (finalize) out.finalize = finalize;
  if (ledger) out.ledger = ledger;
  return out;
}
