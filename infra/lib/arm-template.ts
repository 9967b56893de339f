/**
 * Reading the ARM JSON that `npm run infra:build` compiled (infra/.bicep/arm/): its resources
 * (both the array form and languageVersion 2.0's symbolic-name object), and each resource's
 * concrete instances for given parameter values, loops unrolled and false conditions dropped.
 */
import { readFileSync } from 'node:fs';
import { type ArmValue, evaluate, type Scope } from './arm-expression';
import { armPathFor } from './bicep-build-layout';

export interface ArmParameter {
  type: string;
  defaultValue?: unknown;
  minValue?: number;
  maxValue?: number;
  minLength?: number;
  maxLength?: number;
  allowedValues?: unknown[];
}

export interface ArmResource {
  type: string;
  apiVersion?: string;
  name?: unknown;
  scope?: unknown;
  condition?: unknown;
  existing?: boolean;
  copy?: { name: string; count: unknown };
  properties?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface ArmTemplate {
  languageVersion?: string;
  parameters?: Record<string, ArmParameter>;
  variables?: Record<string, unknown>;
  resources: ArmResource[] | Record<string, ArmResource>;
  outputs?: Record<string, { type: string; value?: unknown }>;
}

/** The compiled template of a source, e.g. loadCompiled('infra/modules/storage.bicep'). */
export function loadCompiled(bicepRel: string): ArmTemplate {
  return JSON.parse(readFileSync(armPathFor(bicepRel), 'utf8')) as ArmTemplate;
}

export function resourceList(t: ArmTemplate): ArmResource[] {
  return Array.isArray(t.resources) ? t.resources : Object.values(t.resources);
}

export function resourcesOfType(t: ArmTemplate, type: string): ArmResource[] {
  return resourceList(t).filter((r) => r.type.toLowerCase() === type.toLowerCase() && !r.existing);
}

/** Parameter values: the given ones, else the template's defaults (evaluated, in declaration order). */
export function scopeFor(t: ArmTemplate, given: Record<string, ArmValue> = {}): Scope {
  const scope: Scope = { parameters: {}, variables: t.variables ?? {} };
  for (const [name, p] of Object.entries(t.parameters ?? {})) {
    if (name in given) scope.parameters[name] = given[name] as ArmValue;
    else if (p.defaultValue !== undefined) scope.parameters[name] = evaluate(p.defaultValue, scope);
  }
  for (const name of Object.keys(given)) {
    if (!(name in (t.parameters ?? {}))) throw new Error(`the template has no parameter ${name}`);
  }
  return scope;
}

/** What a resource declaration deploys for these parameters: one object per loop index, none if its condition is false. */
export function instances(r: ArmResource, scope: Scope): Record<string, ArmValue>[] {
  const { copy, condition, ...body } = r;
  const count = copy ? Number(evaluate(copy.count, scope)) : 1;
  const out: Record<string, ArmValue>[] = [];
  for (let i = 0; i < count; i++) {
    const s: Scope = copy ? { ...scope, copyIndex: i } : scope;
    if (condition !== undefined && evaluate(condition, s) !== true) continue;
    out.push(evaluate(body, s) as Record<string, ArmValue>);
  }
  return out;
}

/** Every string anywhere in a JSON value (property values and keys), for searches over a whole template. */
export function allStrings(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap(allStrings);
  if (v && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => [k, ...allStrings(x)]);
  return [];
}
