/**
 * Plan then apply in one go, for callers without a person to read the plan in between (`npm start`
 * building its tenant): the same diff and apply code `npm run baseline -- apply` runs.
 */
import type { GraphGateway } from '../graph/gateway';
import { applyPlan } from './apply';
import { diff, type DiffOptions } from './diff';
import type { Plan } from './plan';
import type { Baseline } from './schema';
import { readTenant } from './tenant-graph';

export async function converge(graph: GraphGateway, baseline: Baseline, options: DiffOptions = {}): Promise<Plan> {
  const read = await readTenant(graph, baseline);
  const plan = diff(baseline, read.tenant, options);
  await applyPlan(graph, baseline, plan, read.tenant);
  return plan;
}
