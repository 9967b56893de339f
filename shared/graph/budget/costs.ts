/**
 * What a Graph request costs against the shared budget, and the limits it is paced to.
 *
 * Intune (https://learn.microsoft.com/en-us/graph/throttling-limits#intune-service-limits): per app
 * per tenant, 100 POST/PUT/PATCH/DELETE and 1,000 requests of any kind per 20 s.
 * Directory (https://learn.microsoft.com/en-us/graph/throttling-limits#identity-and-access-service-limits):
 * per app+tenant a bucket of 3,500 resource units per 10 s for the smallest tenants (S, < 50 users;
 * M and L get 5,000 / 8,000 — we pace to S, which holds for every tenant), and 3,000 writes per
 * 2 min 30 s. A request's units: GET groups/{id}/members 3, transitiveMembers 5, checkMemberGroups 4,
 * any other 1; $select −1, $expand +1. Every request inside a $batch is counted on its own.
 * A sliding window of L per 10 s never exceeds a bucket of L refilled per 10 s, so one rule serves both.
 */
import { operationOf, type GraphRequestSpec } from '../gateway';
import type { Amounts, BudgetLimits } from './model';

/** The documented limits less headroom for clock skew between instances and the service. */
export function budgetLimits(intune: { writesPer20s: number; requestsPer20s: number }): BudgetLimits {
  return {
    iw: { limit: intune.writesPer20s, windowMs: 20_000 },
    ir: { limit: intune.requestsPer20s, windowMs: 20_000 },
    du: { limit: 3_150, windowMs: 10_000 },
    dw: { limit: 2_700, windowMs: 150_000 },
  };
}

const isIntune = (path: string) => path.startsWith('/deviceManagement');
const isDirectory = (path: string) => path.startsWith('/groups') || path.startsWith('/devices');

function directoryUnits(spec: GraphRequestSpec): number {
  const { path } = operationOf(spec);
  const base = /\/transitiveMembers/.test(path) ? 5 : /\/checkMemberGroups$/.test(path) ? 4 : /\/members/.test(path) ? 3 : 1;
  const select = spec.query?.select?.length ? -1 : 0;
  const expand = spec.query?.expand?.length ? 1 : 0;
  return Math.max(1, base + select + expand);
}

/** The amounts a set of requests (one call, or the requests of one $batch) takes together. */
export function costOf(specs: readonly GraphRequestSpec[]): Amounts {
  const total = { iw: 0, ir: 0, du: 0, dw: 0 };
  for (const spec of specs) {
    const op = operationOf(spec);
    if (isIntune(op.path)) {
      total.ir++;
      if (op.method !== 'GET') total.iw++;
    } else if (isDirectory(op.path)) {
      total.du += directoryUnits(spec);
      if (op.method !== 'GET' && !/\/(checkMemberGroups|getMemberGroups|checkMemberObjects|getMemberObjects)$/.test(op.path)) total.dw++;
    }
  }
  const amounts: Amounts = {};
  for (const [d, n] of Object.entries(total) as [keyof typeof total, number][]) if (n > 0) amounts[d] = n;
  return amounts;
}
