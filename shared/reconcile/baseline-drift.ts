/**
 * The reconciliation's baseline section: the plan `npm run baseline -- plan` would print, made
 * read-only under the app's own identity (the reads the app already makes with BASELINE_FILE:
 * groups by marker, ESPs and deployment profiles with their assignments). Nothing is written, no
 * adopt: a namesake without the marker is reported as the conflict it is. A failure to plan is
 * the section's `error`, never a stop of the reconciliation (transient failures are thrown and
 * retried like any activity's).
 */
import { MAX_DRIFT_LINES, type BaselineDrift, type ReconcileStepInput } from '../contracts/reconcile';
import { ConfigError } from '../config';
import { diff } from '../baseline/diff';
import { renderPlan } from '../baseline/render';
import type { Baseline } from '../baseline/schema';
import { readTenant } from '../baseline/tenant-graph';
import { GraphPermanentError } from '../graph/errors';
import type { GraphGateway } from '../graph/gateway';

export interface BaselineDriftDeps {
  graph: GraphGateway;
  /** Reads and validates the baseline file (shared/baseline/app-config.ts readAppBaseline); throws ConfigError. */
  readBaseline: (file: string) => Baseline;
}

const empty = { changes: 0, conflicts: 0, lines: [], more: 0 };

export async function runBaselineDrift(deps: BaselineDriftDeps, input: ReconcileStepInput): Promise<BaselineDrift> {
  const file = input.settings.baselineFile;
  if (!file) return { ...empty, error: 'no BASELINE_FILE in this reconciliation’s settings' };
  try {
    const baseline = deps.readBaseline(file);
    const plan = diff(baseline, (await readTenant(deps.graph, baseline)).tenant);
    const lines = plan.steps.length + plan.conflicts.length === 0 ? [] : renderPlan(plan).trimEnd().split('\n');
    return {
      changes: plan.steps.length,
      conflicts: plan.conflicts.length,
      lines: lines.slice(0, MAX_DRIFT_LINES),
      more: Math.max(0, lines.length - MAX_DRIFT_LINES),
    };
  } catch (error) {
    if (error instanceof ConfigError) return { ...empty, error: error.problems.join('; ') };
    if (error instanceof GraphPermanentError) return { ...empty, error: `${error.message} — fix: ${error.failure.fix}` };
    throw error;
  }
}
