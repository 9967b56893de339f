/**
 * The dashboard's runs list: every intake run and the reconciliation instance, from the Durable
 * status store, in one shape of its own (GET /api/runs keeps its shape for machines). Filtered by
 * state and source on the server; `active` tells the page to keep refreshing.
 */
import type { DurableOrchestrationStatus } from 'durable-functions';
import { z } from 'zod';
import { IntakeOrchestration } from '../shared/contracts/activities';
import { ReconcileStatus } from '../shared/contracts/reconcile';
import { ReconcileOrchestration } from '../shared/contracts/reconcile-activities';
import { CustomStatus, type StageCounts } from '../shared/contracts/run';

export interface DashboardRun {
  kind: 'intake' | 'reconcile';
  runId: string;
  /** The orchestration's runtime status: Pending, Running, Completed, Failed, Terminated, … */
  state: string;
  active: boolean;
  /** The dropped file (container/path) for an intake run; "reconciliation" for a reconciliation. */
  source?: string;
  phase?: string;
  counts?: StageCounts;
  findings?: number;
  note?: string;
  createdTime: string;
  lastUpdatedTime: string;
}

const ACTIVE = new Set(['Pending', 'Running', 'ContinuedAsNew', 'Suspended']);

const iso = (t: Date | string) => new Date(t).toISOString();

export function dashboardRun(status: DurableOrchestrationStatus): DashboardRun | undefined {
  const base = {
    state: String(status.runtimeStatus),
    active: ACTIVE.has(String(status.runtimeStatus)),
    createdTime: iso(status.createdTime),
    lastUpdatedTime: iso(status.lastUpdatedTime),
  };
  if (status.name === IntakeOrchestration.name) {
    const custom = CustomStatus.safeParse(status.customStatus);
    const c = custom.success ? custom.data : undefined;
    return { kind: 'intake', runId: status.instanceId, source: c?.source, phase: c?.phase, counts: c?.counts, note: c?.note, ...base };
  }
  if (status.name === ReconcileOrchestration.name) {
    const custom = ReconcileStatus.safeParse(status.customStatus);
    const c = custom.success ? custom.data : undefined;
    return {
      kind: 'reconcile',
      runId: c?.reconcileId ?? status.instanceId,
      source: 'reconciliation',
      phase: c?.phase,
      findings: c?.findings,
      note: c?.note,
      ...base,
    };
  }
  return undefined;
}

export const RunsQuery = z.object({
  /** A runtime status, or `active` for everything still going. */
  state: z.string().trim().max(40).optional(),
  /** Substring of the source path (an OEM's folder), or `reconciliation`. */
  source: z.string().trim().max(300).optional(),
  kind: z.enum(['intake', 'reconcile']).optional(),
  top: z.coerce.number().int().min(1).max(500).default(100),
});
export type RunsQuery = z.infer<typeof RunsQuery>;

export function filterRuns(runs: readonly DashboardRun[], query: RunsQuery): DashboardRun[] {
  const state = query.state?.toLowerCase();
  const source = query.source?.toLowerCase();
  return runs
    .filter(
      (r) =>
        (!state || (state === 'active' ? r.active : r.state.toLowerCase() === state)) &&
        (!source || (r.source ?? '').toLowerCase().includes(source)) &&
        (!query.kind || r.kind === query.kind),
    )
    .sort((a, b) => b.createdTime.localeCompare(a.createdTime))
    .slice(0, query.top);
}
