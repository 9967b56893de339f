/**
 * Carries out a plan, step by step, each step one Graph call (a replace: its assignments removed,
 * the object deleted, created again). Idempotent by construction: every object is created with its
 * marker, so an apply stopped halfway leaves objects the next plan finds by marker and completes —
 * nothing is created twice. Ids of objects created during the apply are resolved as it goes (the
 * plan names them by key).
 *
 * Refuses before the first write when the plan has conflicts, or a replace without allowReplace.
 */
import type { GraphGateway, GraphRequestSpec, GraphResult } from '../graph/gateway';
import { GraphContractError } from '../graph/errors';
import { assignmentBody, espBody, groupBody, patchBody, profileBody } from './bodies';
import type { ObservedTenant } from './observed';
import type { Plan, Step } from './plan';
import type { Baseline } from './schema';

export interface ApplyOptions {
  allowReplace?: boolean;
  /** Called after each step that changed the tenant (the CLI prints it). */
  onStep?: (step: Step) => void;
}

export class BaselineRefused extends Error {}

/** Why apply must not start, or undefined. */
export function refusal(plan: Plan, allowReplace: boolean): string | undefined {
  if (plan.conflicts.length > 0) return `${plan.conflicts.length} conflict(s) need a decision first (see the plan)`;
  const replaces = plan.steps.filter((s) => s.kind === 'replace');
  if (replaces.length > 0 && !allowReplace)
    return `${replaces.map((s) => s.key).join(', ')}: create-only fields differ; the object is deleted and created again (its devices lose the profile until the new one is assigned) — rerun with --allow-replace to do it`;
  return undefined;
}

async function call(graph: GraphGateway, spec: GraphRequestSpec): Promise<unknown> {
  const result: GraphResult = await graph.send(spec);
  if (!result.ok)
    throw new GraphContractError(`${spec.op}: ${result.status} ${result.code}${result.message ? ` — ${result.message}` : ''}`, {
      operation: spec.op,
      status: result.status,
      code: result.code,
    });
  return result.body;
}

function createdId(body: unknown, op: string): string {
  const id = (body as { id?: unknown } | undefined)?.id;
  if (typeof id !== 'string') throw new GraphContractError(`${op}: the created object came back without an id`, { operation: op });
  return id;
}

export async function applyPlan(
  graph: GraphGateway,
  baseline: Baseline,
  plan: Plan,
  tenant: ObservedTenant,
  options: ApplyOptions = {},
): Promise<void> {
  const why = refusal(plan, options.allowReplace ?? false);
  if (why) throw new BaselineRefused(why);
  const ids = new Map(Object.entries(plan.ids));
  const createdPriority = new Map<string, number>();
  const groups = new Map(baseline.groups.map((g) => [g.key, g]));
  const esps = new Map(baseline.enrollmentStatusPages.map((e) => [e.key, e]));
  const profiles = new Map(baseline.deploymentProfiles.map((p) => [p.key, p]));
  const idOf = (key: string): string => {
    const id = ids.get(key);
    if (!id) throw new Error(`no tenant id for ${key} (an earlier step should have created it)`);
    return id;
  };

  for (const step of plan.steps) {
    switch (step.kind) {
      case 'adopt':
        // The update that follows writes the marker.
        continue;
      case 'create': {
        if (step.type === 'group') {
          ids.set(step.key, createdId(await call(graph, { op: 'createGroup', body: groupBody(groups.get(step.key)!) }), 'createGroup'));
        } else if (step.type === 'esp') {
          const body = await call(graph, { op: 'createEnrollmentConfiguration', body: espBody(esps.get(step.key)!) });
          ids.set(step.key, createdId(body, 'createEnrollmentConfiguration'));
          const priority = (body as { priority?: unknown }).priority;
          if (typeof priority === 'number') createdPriority.set(step.key, priority);
        } else {
          const body = await call(graph, { op: 'createDeploymentProfile', body: profileBody(profiles.get(step.key)!) });
          ids.set(step.key, createdId(body, 'createDeploymentProfile'));
        }
        break;
      }
      case 'update': {
        if (step.type === 'group') {
          const body = patchBody(groupBody(groups.get(step.key)!), step.changes);
          // Turning a group dynamic needs its rule in the same request.
          if ('groupTypes' in body) body.membershipRule = groups.get(step.key)!.membershipRule;
          await call(graph, { op: 'updateGroup', params: { id: step.id }, body });
        } else if (step.type === 'esp') {
          await call(graph, {
            op: 'updateEnrollmentConfiguration',
            params: { id: step.id },
            body: patchBody(espBody(esps.get(step.key)!), step.changes),
          });
        } else {
          await call(graph, {
            op: 'updateDeploymentProfile',
            params: { id: step.id },
            body: patchBody(profileBody(profiles.get(step.key)!), step.changes),
          });
        }
        break;
      }
      case 'replace': {
        const old = tenant.profiles.find((p) => p.id === step.id);
        for (const a of old?.assignments ?? [])
          await call(graph, { op: 'deleteProfileAssignment', params: { id: step.id, assignmentId: a.id } });
        await call(graph, { op: 'deleteDeploymentProfile', params: { id: step.id } });
        const body = await call(graph, { op: 'createDeploymentProfile', body: profileBody(profiles.get(step.key)!) });
        ids.set(step.key, createdId(body, 'createDeploymentProfile'));
        break;
      }
      case 'setPriority': {
        if (step.from === undefined && createdPriority.get(step.key) === step.to) continue;
        await call(graph, {
          op: 'setEnrollmentConfigurationPriority',
          params: { id: step.id ?? idOf(step.key) },
          body: { priority: step.to },
        });
        break;
      }
      case 'assign': {
        const op = step.type === 'esp' ? 'createEnrollmentConfigurationAssignment' : 'createProfileAssignment';
        await call(graph, { op, params: { id: idOf(step.key) }, body: assignmentBody(step.type, step.target, idOf(step.groupKey)) });
        break;
      }
      case 'unassign': {
        const op = step.type === 'esp' ? 'deleteEnrollmentConfigurationAssignment' : 'deleteProfileAssignment';
        await call(graph, { op, params: { id: step.id, assignmentId: step.assignmentId } });
        break;
      }
    }
    options.onStep?.(step);
  }
}

/** What a snapshot holds: every object the plan touches, as Graph returned it, to roll back by hand. */
export function snapshotOf(plan: Plan, raw: ReadonlyMap<string, unknown>, at: Date): Record<string, unknown> {
  const touched = new Set<string>();
  for (const s of plan.steps) if ('id' in s && s.id) touched.add(s.id);
  return { takenAt: at.toISOString(), plan, objects: [...touched].map((id) => raw.get(id)).filter((o) => o !== undefined) };
}
