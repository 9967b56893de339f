/**
 * The diff engine: baseline × tenant → plan. Pure (no I/O), so every rule here is unit-tested.
 *
 * - Identity: the marker in the description (marker.ts); an unmarked object of the same display name
 *   is adopted only with `adopt`, otherwise it is a conflict (a second object would be created next
 *   to it). The default ESP is never matched, changed or reassigned.
 * - Properties: compared after normalisation (observed.ts); ESP settings the service ignores when
 *   `showInstallationProgress` is false are not compared then (Microsoft365DSC prunes them the same
 *   way), so they never show as drift.
 * - Assignments: one step per target added or removed — never delete-all-then-recreate
 *   (terraform-provider-microsoft365 deletes every profile assignment on update, leaving a window
 *   with none); additions come before removals. Assignments from policy sets are left alone.
 * - ESP order: one setPriority per baseline ESP whose priority differs, lowest first, so moves
 *   made earlier are not undone by later ones (the service renumbers the others on each move).
 */
import { markerOf, withMarker } from './marker';
import {
  localeToGraph,
  type ObservedAssignment,
  type ObservedEsp,
  type ObservedGroup,
  type ObservedProfile,
  type ObservedTenant,
} from './observed';
import type { Change, Conflict, ObjectType, Plan, Step } from './plan';
import type { Baseline, BaselineEsp, BaselineGroup, BaselineProfile, BaselineTargets } from './schema';

export interface DiffOptions {
  /** Take over unmarked objects whose display name matches (first apply on a hand-configured tenant). */
  adopt?: boolean;
}

interface Named {
  id: string;
  displayName: string;
  description: string;
}

type Match<T> = { kind: 'found'; object: T; adopted: boolean } | { kind: 'missing' } | { kind: 'conflict'; message: string };

function match<T extends Named>(key: string, displayName: string, candidates: readonly T[], adopt: boolean): Match<T> {
  const marked = candidates.filter((c) => markerOf(c.description) === key);
  if (marked.length > 1)
    return {
      kind: 'conflict',
      message: `${marked.length} objects carry the marker [baseline:${key}] (${marked.map((m) => m.id).join(', ')}); remove it from all but one`,
    };
  if (marked.length === 1) return { kind: 'found', object: marked[0]!, adopted: false };
  const named = candidates.filter(
    (c) => markerOf(c.description) === undefined && c.displayName.toLowerCase() === displayName.toLowerCase(),
  );
  if (named.length === 0) return { kind: 'missing' };
  if (!adopt)
    return {
      kind: 'conflict',
      message: `"${displayName}" already exists (${named.map((n) => n.id).join(', ')}) without the baseline marker: run with --adopt to take it over, or rename one of them`,
    };
  if (named.length > 1)
    return {
      kind: 'conflict',
      message: `${named.length} objects are named "${displayName}" (${named.map((n) => n.id).join(', ')}); adopt needs exactly one`,
    };
  return { kind: 'found', object: named[0]!, adopted: true };
}

function same(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) {
    const x = a.map(String).sort();
    const y = b.map(String).sort();
    return x.length === y.length && x.every((v, i) => v === y[i]);
  }
  const empty = (v: unknown) => v === null || v === undefined || v === '';
  if (empty(a) && empty(b)) return true;
  return a === b;
}

function compare(fields: [string, unknown, unknown][]): Change[] {
  return fields.filter(([, from, to]) => !same(from, to)).map(([field, from, to]) => ({ field, from, to }));
}

export function groupChanges(want: BaselineGroup, have: ObservedGroup): Change[] {
  return compare([
    ['displayName', have.displayName, want.displayName],
    ['description', have.description, withMarker(want.key, want.description)],
    ['mailNickname', have.mailNickname, want.mailNickname],
    ['groupTypes', have.dynamic ? ['DynamicMembership'] : [], ['DynamicMembership']],
    ['membershipRule', have.membershipRule.trim(), want.membershipRule.trim()],
    ['membershipRuleProcessingState', have.membershipRuleProcessingState, want.membershipRuleProcessingState],
  ]);
}

/** Settings that only mean something while the ESP is shown (the portal hides them; Microsoft365DSC drops them). */
const SHOWN_ONLY = new Set(['showInstallationProgress']);

export function espChanges(want: BaselineEsp, have: ObservedEsp): Change[] {
  const settings = Object.entries(want.settings).filter(([name]) => want.settings.showInstallationProgress || SHOWN_ONLY.has(name));
  return compare([
    ['displayName', have.displayName, want.displayName],
    ['description', have.description, withMarker(want.key, want.description)],
    ...settings.map(([name, value]): [string, unknown, unknown] => [name, have.settings[name], value]),
  ]);
}

/** Fields Graph does not let a PATCH change (terraform-provider-microsoft365 marks deviceType create-only "as per graph xray"; the join type is the entity's @odata.type). */
export function profileReplaceChanges(want: BaselineProfile, have: ObservedProfile): Change[] {
  return compare([
    ['joinType', have.joinType, want.joinType],
    ['deviceType', have.deviceType, want.deviceType],
  ]);
}

export function profileChanges(want: BaselineProfile, have: ObservedProfile): Change[] {
  return compare([
    ['displayName', have.displayName, want.displayName],
    ['description', have.description, withMarker(want.key, want.description)],
    ['deviceNameTemplate', have.deviceNameTemplate, want.deviceNameTemplate],
    ['locale', have.locale, localeToGraph(want.locale) === '' ? 'user-select' : want.locale.toLowerCase()],
    ['preprovisioningAllowed', have.preprovisioningAllowed, want.preprovisioningAllowed],
    ['hardwareHashExtractionEnabled', have.hardwareHashExtractionEnabled, want.hardwareHashExtractionEnabled],
    ...Object.entries(want.oobe).map(([name, value]): [string, unknown, unknown] => [`oobe.${name}`, have.oobe[name], value]),
  ]);
}

function describeAssignment(a: ObservedAssignment): string {
  return a.groupId ? `${a.kind} group ${a.groupId}` : a.kind;
}

function assignmentSteps(
  type: 'esp' | 'profile',
  key: string,
  want: BaselineTargets,
  have: { id: string; assignments: readonly ObservedAssignment[] } | undefined,
  groupIds: ReadonlyMap<string, string>,
): Step[] {
  const adds: Step[] = [];
  const removes: Step[] = [];
  const wanted = new Map<string, { target: 'include' | 'exclude'; groupKey: string }>();
  for (const target of ['include', 'exclude'] as const)
    for (const groupKey of want[target]) {
      const id = groupIds.get(groupKey);
      if (id) wanted.set(`${target}:${id}`, { target, groupKey });
      else adds.push({ kind: 'assign', type, key, target, groupKey });
    }
  const present = new Set<string>();
  for (const a of have?.assignments ?? []) {
    if (a.viaPolicySet) continue;
    const id = `${a.kind}:${a.groupId ?? ''}`;
    if (wanted.has(id) && !present.has(id)) present.add(id);
    else removes.push({ kind: 'unassign', type, key, id: have!.id, assignmentId: a.id, what: describeAssignment(a) });
  }
  for (const [id, w] of wanted) if (!present.has(id)) adds.push({ kind: 'assign', type, key, target: w.target, groupKey: w.groupKey });
  return [...adds, ...removes];
}

export function diff(baseline: Baseline, tenant: ObservedTenant, options: DiffOptions = {}): Plan {
  const adopt = options.adopt ?? false;
  const steps: Step[] = [];
  const conflicts: Conflict[] = [];
  const notes: string[] = [];
  const ids: Record<string, string> = {};
  const conflict = (type: ObjectType, key: string, message: string) => conflicts.push({ type, key, message });

  // Groups first: the other objects' assignments name them.
  const groupIds = new Map<string, string>();
  for (const want of baseline.groups) {
    const m = match(want.key, want.displayName, tenant.groups, adopt);
    if (m.kind === 'conflict') conflict('group', want.key, m.message);
    else if (m.kind === 'missing') steps.push({ kind: 'create', type: 'group', key: want.key, displayName: want.displayName });
    else {
      ids[want.key] = m.object.id;
      groupIds.set(want.key, m.object.id);
      if (m.adopted) steps.push({ kind: 'adopt', type: 'group', key: want.key, id: m.object.id, displayName: m.object.displayName });
      const changes = groupChanges(want, m.object);
      if (changes.length) steps.push({ kind: 'update', type: 'group', key: want.key, id: m.object.id, changes });
    }
  }

  // ESPs: never the default one.
  const customEsps = tenant.esps.filter((e) => !e.isDefault);
  const espSteps: Step[] = [];
  const priorities: Step[] = [];
  let espCount = customEsps.length;
  for (const want of baseline.enrollmentStatusPages) {
    const m = match(want.key, want.displayName, customEsps, adopt);
    if (m.kind === 'conflict') {
      conflict('esp', want.key, m.message);
      continue;
    }
    if (m.kind === 'missing') {
      espCount++;
      espSteps.push({ kind: 'create', type: 'esp', key: want.key, displayName: want.displayName });
      priorities.push({ kind: 'setPriority', key: want.key, to: want.priority });
      espSteps.push(...assignmentSteps('esp', want.key, want.assignments, undefined, groupIds));
      continue;
    }
    const have = m.object;
    ids[want.key] = have.id;
    if (m.adopted) espSteps.push({ kind: 'adopt', type: 'esp', key: want.key, id: have.id, displayName: have.displayName });
    const changes = espChanges(want, have);
    if (changes.length) espSteps.push({ kind: 'update', type: 'esp', key: want.key, id: have.id, changes });
    if (have.priority !== want.priority)
      priorities.push({ kind: 'setPriority', key: want.key, id: have.id, from: have.priority, to: want.priority });
    espSteps.push(...assignmentSteps('esp', want.key, want.assignments, have, groupIds));
  }
  for (const want of baseline.enrollmentStatusPages)
    if (want.priority > espCount)
      conflict(
        'esp',
        want.key,
        `priority ${want.priority} is past the last custom ESP (the tenant will have ${espCount}); the service would renumber it`,
      );
  priorities.sort((a, b) => (a.kind === 'setPriority' && b.kind === 'setPriority' ? a.to - b.to : 0));
  steps.push(
    ...espSteps.filter((s) => s.kind !== 'assign' && s.kind !== 'unassign'),
    ...priorities,
    ...espSteps.filter((s) => s.kind === 'assign' || s.kind === 'unassign'),
  );

  for (const want of baseline.deploymentProfiles) {
    const m = match(want.key, want.displayName, tenant.profiles, adopt);
    if (m.kind === 'conflict') {
      conflict('profile', want.key, m.message);
      continue;
    }
    if (m.kind === 'missing') {
      steps.push({ kind: 'create', type: 'profile', key: want.key, displayName: want.displayName });
      steps.push(...assignmentSteps('profile', want.key, want.assignments, undefined, groupIds));
      continue;
    }
    const have = m.object;
    ids[want.key] = have.id;
    if (m.adopted) steps.push({ kind: 'adopt', type: 'profile', key: want.key, id: have.id, displayName: have.displayName });
    const replace = profileReplaceChanges(want, have);
    if (replace.length) {
      // A new object: its assignments are all added again after it is created.
      steps.push({ kind: 'replace', type: 'profile', key: want.key, id: have.id, changes: replace });
      steps.push(...assignmentSteps('profile', want.key, want.assignments, undefined, groupIds));
      continue;
    }
    const changes = profileChanges(want, have);
    if (changes.length) steps.push({ kind: 'update', type: 'profile', key: want.key, id: have.id, changes });
    steps.push(...assignmentSteps('profile', want.key, want.assignments, have, groupIds));
  }

  const declared = new Set([...baseline.groups, ...baseline.enrollmentStatusPages, ...baseline.deploymentProfiles].map((o) => o.key));
  for (const o of [...tenant.groups, ...customEsps, ...tenant.profiles]) {
    const key = markerOf(o.description);
    if (key && !declared.has(key))
      notes.push(`"${o.displayName}" (${o.id}) carries [baseline:${key}], which the baseline no longer declares; left as it is`);
  }
  return { steps, conflicts, notes, ids };
}
