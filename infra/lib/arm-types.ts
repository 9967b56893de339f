/**
 * Offline schema check for Bicep resource bodies against the resource type definitions Bicep
 * itself uses (Azure/bicep-types-az, microsoftgraph/msgraph-bicep-types), vendored as a compact
 * subset in infra/tests/arm-types.json by infra/scripts/vendor-arm-types.ts.
 *
 * It catches what the Bicep compiler would flag on literals: unknown type@apiVersion, misspelled
 * or misplaced properties, missing required ones, read-only ones being set, literal values that
 * are not one of an enum's values, and a literal of the wrong kind. Expressions are not typed.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { type ResourceDecl, type SyntaxNode, literalValue, propertyKey, propertyValue, stringLiteral } from './bicep-ast';

const Prop = z.object({ t: z.number().int().nonnegative(), f: z.number().int().nonnegative() });
const Props = z.record(z.string(), Prop);
const TypeNode = z.discriminatedUnion('k', [
  z.object({ k: z.literal('string') }),
  z.object({ k: z.literal('literal'), v: z.string() }),
  z.object({ k: z.literal('int') }),
  z.object({ k: z.literal('bool') }),
  z.object({ k: z.literal('any') }),
  z.object({ k: z.literal('array'), item: z.number().int() }),
  z.object({ k: z.literal('union'), el: z.array(z.number().int()) }),
  z.object({ k: z.literal('object'), name: z.string(), props: Props, add: z.number().int().optional() }),
  z.object({ k: z.literal('disc'), name: z.string(), d: z.string(), base: Props, el: z.record(z.string(), z.number().int()) }),
]);
export type TypeNode = z.infer<typeof TypeNode>;
type PropMap = z.infer<typeof Props>;

export const ArmTypeIndex = z.object({
  $comment: z.string(),
  sources: z.array(z.object({ repo: z.string(), commit: z.string(), paths: z.array(z.string()) })),
  /** `Namespace/type@version` -> index of its body type. */
  resources: z.record(z.string(), z.number().int()),
  types: z.array(TypeNode),
});
export type ArmTypeIndex = z.infer<typeof ArmTypeIndex>;

/** bicep-types property flags. */
export const FLAG = { required: 1, readOnly: 2, writeOnly: 4, deployTimeConstant: 8, identifier: 16 } as const;

/** Bicep keywords inside a resource body that are not part of the resource type. */
const BICEP_META_KEYS = new Set(['parent', 'scope', 'dependsOn']);

export function loadArmTypeIndex(path: string): ArmTypeIndex {
  return ArmTypeIndex.parse(JSON.parse(readFileSync(path, 'utf8')));
}

export class SchemaChecker {
  constructor(private readonly index: ArmTypeIndex) {}

  private type(i: number): TypeNode {
    const t = this.index.types[i];
    if (!t) throw new Error(`arm-types.json is corrupt: no type #${i}`);
    return t;
  }

  hasResourceType(typeWithVersion: string): boolean {
    return typeWithVersion in this.index.resources;
  }

  /** Problems of one resource declaration; empty when the literals fit the type. */
  checkResource(r: ResourceDecl): string[] {
    const bodyType = this.index.resources[r.typeWithVersion];
    if (bodyType === undefined) return [`${r.symbol}: unknown or unvendored resource type ${r.typeWithVersion}`];
    return this.checkValue(r.body, bodyType, r.symbol, { existing: r.existing, topLevel: true });
  }

  private checkValue(node: SyntaxNode, typeIdx: number, path: string, opts: { existing: boolean; topLevel?: boolean }): string[] {
    const t = this.type(typeIdx);
    if (t.k === 'any') return [];
    if (t.k === 'union') return this.checkUnion(node, t.el, path, opts);
    switch (node.type) {
      case 'object':
        if (t.k === 'object') return this.checkObject(node, t.props, t.add, path, opts);
        if (t.k === 'disc') return this.checkDiscriminated(node, t, path, opts);
        return [`${path}: an object where ${describe(t)} is expected`];
      case 'array':
        if (t.k !== 'array') return [`${path}: an array where ${describe(t)} is expected`];
        return node.namedChildren.flatMap((item, i) => this.checkValue(item, t.item, `${path}[${i}]`, { existing: opts.existing }));
      case 'string': {
        const value = stringLiteral(node);
        if (value === undefined) return []; // interpolated: not typed here
        if (t.k === 'literal') return value === t.v ? [] : [`${path}: '${value}' where '${t.v}' is expected`];
        return t.k === 'string' ? [] : [`${path}: a string where ${describe(t)} is expected`];
      }
      case 'boolean':
        return t.k === 'bool' ? [] : [`${path}: a boolean where ${describe(t)} is expected`];
      case 'number':
        return t.k === 'int' ? [] : [`${path}: a number where ${describe(t)} is expected`];
      default:
        return []; // an expression: its type is the compiler's job
    }
  }

  private checkUnion(node: SyntaxNode, members: number[], path: string, opts: { existing: boolean; topLevel?: boolean }): string[] {
    const lit = literalValue(node);
    if (node.type === 'string' && typeof lit === 'string') {
      const kinds = members.map((m) => this.type(m));
      if (kinds.some((k) => k.k === 'string' || k.k === 'any')) return [];
      const allowed = kinds.filter((k): k is Extract<TypeNode, { k: 'literal' }> => k.k === 'literal').map((k) => k.v);
      if (allowed.includes(lit)) return [];
      if (allowed.length > 0 && kinds.every((k) => k.k === 'literal'))
        return [`${path}: '${lit}' is not one of ${allowed.map((a) => `'${a}'`).join(', ')}`];
    }
    // Otherwise: fine if any member accepts it.
    let first: string[] | undefined;
    for (const m of members) {
      const problems = this.checkValue(node, m, path, opts);
      if (problems.length === 0) return [];
      first ??= problems;
    }
    return first ?? [];
  }

  private checkObject(
    node: SyntaxNode,
    props: PropMap,
    additional: number | undefined,
    path: string,
    opts: { existing: boolean; topLevel?: boolean },
  ): string[] {
    const problems: string[] = [];
    const seen = new Set<string>();
    for (const p of node.namedChildren) {
      if (p.type !== 'object_property') continue;
      const key = propertyKey(p);
      const value = propertyValue(p);
      seen.add(key);
      if (opts.topLevel && BICEP_META_KEYS.has(key)) continue;
      const prop = props[key];
      if (prop) {
        if (prop.f & FLAG.readOnly && !(prop.f & FLAG.required) && !opts.existing) problems.push(`${path}.${key} is read-only`);
        if (value) problems.push(...this.checkValue(value, prop.t, `${path}.${key}`, { existing: opts.existing }));
      } else if (additional !== undefined) {
        if (value) problems.push(...this.checkValue(value, additional, `${path}.${key}`, { existing: opts.existing }));
      } else {
        const near = Object.keys(props).find((k) => k.toLowerCase() === key.toLowerCase());
        problems.push(`${path}.${key} is not a property of this type${near ? ` (did you mean ${near}?)` : ''}`);
      }
    }
    if (!opts.existing) {
      for (const [key, prop] of Object.entries(props)) {
        if (prop.f & FLAG.required && !(prop.f & FLAG.readOnly) && !seen.has(key)) problems.push(`${path}.${key} is required`);
      }
    }
    return problems;
  }

  private checkDiscriminated(
    node: SyntaxNode,
    t: Extract<TypeNode, { k: 'disc' }>,
    path: string,
    opts: { existing: boolean; topLevel?: boolean },
  ): string[] {
    const discNode = node.namedChildren.find((p) => p.type === 'object_property' && propertyKey(p) === t.d);
    const discValue = discNode ? stringLiteral(propertyValue(discNode)) : undefined;
    if (discValue === undefined) {
      // Not a literal: accept any element's properties (the compiler narrows this; we cannot).
      const merged: PropMap = { ...t.base };
      for (const el of Object.values(t.el)) {
        const elType = this.type(el);
        if (elType.k === 'object') for (const [k, v] of Object.entries(elType.props)) merged[k] = { t: v.t, f: v.f & ~FLAG.required };
      }
      return this.checkObject(node, merged, undefined, path, opts);
    }
    const elIdx = t.el[discValue];
    if (elIdx === undefined)
      return [
        `${path}.${t.d}: '${discValue}' is not one of ${Object.keys(t.el)
          .map((k) => `'${k}'`)
          .join(', ')}`,
      ];
    const elType = this.type(elIdx);
    if (elType.k !== 'object') return [];
    return this.checkObject(node, { ...t.base, ...elType.props }, elType.add, path, opts);
  }
}

function describe(t: TypeNode): string {
  switch (t.k) {
    case 'object':
    case 'disc':
      return `an object (${t.name})`;
    case 'literal':
      return `'${t.v}'`;
    default:
      return `a value of kind ${t.k}`;
  }
}

/**
 * Follows a property path (as read in an expression, e.g. ['properties', 'primaryEndpoints', 'blob'])
 * through a resource type; returns a problem when a segment does not exist. Read-only properties
 * count (they are what expressions read). An index (`[]`) steps into an array's items.
 */
export function checkReadPath(index: ArmTypeIndex, typeWithVersion: string, path: readonly string[]): string | undefined {
  const body = index.resources[typeWithVersion];
  if (body === undefined) return `unknown or unvendored resource type ${typeWithVersion}`;
  const step = (typeIdx: number, i: number): string | undefined => {
    if (i >= path.length) return undefined;
    const t = index.types[typeIdx];
    const seg = path[i] ?? '';
    if (!t || t.k === 'any') return undefined;
    if (t.k === 'union') {
      const results = t.el.map((m) => step(m, i));
      return results.some((r) => r === undefined) ? undefined : results[0];
    }
    if (seg === '[]') return t.k === 'array' ? step(t.item, i + 1) : undefined;
    if (t.k === 'object') {
      const prop = t.props[seg];
      if (prop) return step(prop.t, i + 1);
      if (t.add !== undefined) return step(t.add, i + 1);
      const near = Object.keys(t.props).find((k) => k.toLowerCase() === seg.toLowerCase());
      return `.${path.slice(0, i + 1).join('.')} is not a property of ${t.name}${near ? ` (did you mean ${near}?)` : ''}`;
    }
    if (t.k === 'disc') {
      const candidates = [
        t.base,
        ...Object.values(t.el).map((e) => {
          const el = index.types[e];
          return el?.k === 'object' ? el.props : {};
        }),
      ];
      const hit = candidates.find((c) => c[seg]);
      if (hit) return step(hit[seg]!.t, i + 1);
      return `.${path.slice(0, i + 1).join('.')} is not a property of ${t.name}`;
    }
    return `.${path.slice(0, i + 1).join('.')}: cannot read a property of a ${t.k}`;
  };
  return step(body, 0);
}
