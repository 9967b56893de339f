/** The plan: what `apply` would change, as data (diff.ts builds it, render.ts prints it, apply.ts carries it out). */
export type ObjectType = 'group' | 'esp' | 'profile';

export interface Change {
  field: string;
  from: unknown;
  to: unknown;
}

export type Step =
  | { kind: 'create'; type: ObjectType; key: string; displayName: string }
  /** An unmarked object of the same display name taken over (--adopt): the update that follows writes the marker. */
  | { kind: 'adopt'; type: ObjectType; key: string; id: string; displayName: string }
  | { kind: 'update'; type: ObjectType; key: string; id: string; changes: Change[] }
  /** A create-only field differs: the object is deleted and created again (only with --allow-replace). */
  | { kind: 'replace'; type: 'profile'; key: string; id: string; changes: Change[] }
  | { kind: 'assign'; type: 'esp' | 'profile'; key: string; target: 'include' | 'exclude'; groupKey: string }
  | { kind: 'unassign'; type: 'esp' | 'profile'; key: string; id: string; assignmentId: string; what: string }
  | { kind: 'setPriority'; key: string; id?: string; from?: number; to: number };

export interface Conflict {
  type: ObjectType;
  key: string;
  message: string;
}

export interface Plan {
  steps: Step[];
  /** What stops apply until a person decides (ambiguous identity, impossible priority). */
  conflicts: Conflict[];
  /** Noticed, never acted on (e.g. a marked object no longer in the baseline). */
  notes: string[];
  /** Baseline key → tenant id of each object found in the tenant. */
  ids: Record<string, string>;
}

export function hasDrift(plan: Plan): boolean {
  return plan.steps.length > 0 || plan.conflicts.length > 0;
}
