/**
 * BASELINE_FILE: what a device must end up with, stated once in the baseline instead of three
 * EXPECTED_* ids. Resolved to tenant ids once at start, by marker (never by display name), with
 * every missing object named and the fix — the tenant has not had the baseline applied.
 *
 * Which objects: the baseline's first deployment profile, the groups it includes, and the ESP that
 * ranks first (lowest priority) among those assigned to one of these groups.
 */
import type { RunSettings } from '../contracts';
import type { GraphGateway } from '../graph/gateway';
import { markerOf } from './marker';
import type { Baseline } from './schema';
import { readTenant } from './tenant-graph';

export type Expected = RunSettings['expected'];

export type ExpectedResolution = { ok: true; expected: Expected } | { ok: false; problems: string[] };

export async function resolveExpected(graph: GraphGateway, baseline: Baseline, file = 'BASELINE_FILE'): Promise<ExpectedResolution> {
  const profile = baseline.deploymentProfiles[0];
  if (!profile)
    return { ok: false, problems: [`${file}: declares no deployment profile, so it cannot say what a device must end up with`] };
  const groupKeys = profile.assignments.include;
  const esp = baseline.enrollmentStatusPages
    .filter((e) => e.assignments.include.some((k) => groupKeys.includes(k)))
    .sort((a, b) => a.priority - b.priority)[0];
  const { tenant } = await readTenant(graph, { ...baseline, groups: [] });
  const problems: string[] = [];
  const idOf = (kind: string, key: string, displayName: string, objects: readonly { id: string; description: string }[]) => {
    const found = objects.filter((o) => markerOf(o.description) === key);
    if (found.length === 1) return found[0]!.id;
    problems.push(
      found.length === 0
        ? `${file}: the tenant has no ${kind} marked [baseline:${key}] ("${displayName}") — apply the baseline first (npm run baseline -- apply, as an administrator)`
        : `${file}: ${found.length} ${kind}s carry [baseline:${key}] (${found.map((o) => o.id).join(', ')}) — npm run baseline -- plan shows the conflict`,
    );
    return undefined;
  };
  const groupIds = groupKeys.map((k) => idOf('group', k, baseline.groups.find((g) => g.key === k)?.displayName ?? k, tenant.groups));
  const profileId = idOf('deployment profile', profile.key, profile.displayName, tenant.profiles);
  const espId = esp
    ? idOf(
        'ESP',
        esp.key,
        esp.displayName,
        tenant.esps.filter((e) => !e.isDefault),
      )
    : undefined;
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    expected: { groupIds: groupIds.filter((id): id is string => id !== undefined), profileId, ...(espId ? { espId } : {}) },
  };
}
