/** The plan as the admin reads it (and as CI logs show it): one line per step, old → new per property. */
import type { Plan, Step } from './plan';

const NOUN = { group: 'group', esp: 'ESP', profile: 'deployment profile' } as const;
const show = (v: unknown): string => (v === undefined ? '(unset)' : JSON.stringify(v));

function line(step: Step): string[] {
  switch (step.kind) {
    case 'create':
      return [`+ create ${NOUN[step.type]} ${step.key} "${step.displayName}"`];
    case 'adopt':
      return [`= adopt ${NOUN[step.type]} ${step.key}: "${step.displayName}" (${step.id}) gets the baseline marker`];
    case 'update':
      return [
        `~ update ${NOUN[step.type]} ${step.key} (${step.id})`,
        ...step.changes.map((c) => `    ${c.field}: ${show(c.from)} → ${show(c.to)}`),
      ];
    case 'replace':
      return [
        `! replace ${NOUN[step.type]} ${step.key} (${step.id}): create-only fields differ — deleted and created again (needs --allow-replace)`,
        ...step.changes.map((c) => `    ${c.field}: ${show(c.from)} → ${show(c.to)}`),
      ];
    case 'assign':
      return [`+ assign ${NOUN[step.type]} ${step.key} → ${step.target} group ${step.groupKey}`];
    case 'unassign':
      return [`- unassign ${NOUN[step.type]} ${step.key}: ${step.what} (assignment ${step.assignmentId})`];
    case 'setPriority':
      return [`~ ESP order: ${step.key} priority ${step.from === undefined ? '(new)' : step.from} → ${step.to}`];
  }
}

export function renderPlan(plan: Plan): string {
  const out: string[] = [];
  if (plan.steps.length === 0 && plan.conflicts.length === 0) out.push('No changes: the tenant matches the baseline.');
  for (const step of plan.steps) out.push(...line(step));
  for (const c of plan.conflicts) out.push(`✘ ${NOUN[c.type]} ${c.key}: ${c.message}`);
  for (const n of plan.notes) out.push(`  note: ${n}`);
  return `${out.join('\n')}\n`;
}
