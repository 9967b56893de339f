/**
 * Vendors the type definitions of every resource type@apiVersion used by infra/**\/*.bicep into
 * infra/tests/arm-types.json (only what those types reach, without descriptions), so the schema
 * test runs offline. Run it again after adding a resource type or changing an API version:
 *
 *   npx tsx infra/scripts/vendor-arm-types.ts \
 *     --az <checkout of Azure/bicep-types-az> --az-commit <sha> \
 *     --graph <checkout of microsoftgraph/msgraph-bicep-types> --graph-commit <sha>
 *
 * Each checkout only needs the generated/<provider>/<namespace>/<version>/types.json files used.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { z } from 'zod';
import { type ArmTypeIndex, type TypeNode } from '../lib/arm-types';
import { INFRA_DIR, listBicepFiles, parseBicepFile, resources } from '../lib/bicep-ast';

export const ARM_TYPES_PATH = join(INFRA_DIR, 'tests', 'arm-types.json');

const Args = z.object({
  az: z.string().min(1),
  azCommit: z.string().regex(/^[0-9a-f]{40}$/, 'az-commit must be a 40-digit sha'),
  graph: z.string().min(1),
  graphCommit: z.string().regex(/^[0-9a-f]{40}$/, 'graph-commit must be a 40-digit sha'),
});

type Ref = { $ref: string };
const refIndex = (r: Ref): number => Number(r.$ref.replace('#/', ''));

/** One upstream type node (bicep-types JSON), as far as this script reads it. */
type UpstreamNode = {
  $type: string;
  name?: string;
  value?: string;
  body?: Ref;
  itemType?: Ref;
  elements?: Ref[] | Record<string, Ref>;
  properties?: Record<string, { type: Ref; flags: number }>;
  baseProperties?: Record<string, { type: Ref; flags: number }>;
  additionalProperties?: Ref;
  discriminator?: string;
};

function typeFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir)) {
      const full = join(dir, e);
      if (statSync(full).isDirectory()) walk(full);
      else if (e === 'types.json') out.push(full);
    }
  };
  walk(join(root, 'generated'));
  return out;
}

/** Copies the subgraph reachable from `rootIdx` of one upstream file into `types`, renumbered. */
class Copier {
  private readonly map = new Map<number, number>();
  constructor(
    private readonly upstream: UpstreamNode[],
    private readonly types: TypeNode[],
  ) {}

  copy(idx: number): number {
    const known = this.map.get(idx);
    if (known !== undefined) return known;
    const slot = this.types.length;
    this.map.set(idx, slot);
    this.types.push({ k: 'any' }); // placeholder, so cycles resolve to this slot
    this.types[slot] = this.convert(this.upstream[idx]);
    return slot;
  }

  private props(p: UpstreamNode['properties']): Record<string, { t: number; f: number }> {
    return Object.fromEntries(Object.entries(p ?? {}).map(([k, v]) => [k, { t: this.copy(refIndex(v.type)), f: v.flags }]));
  }

  private convert(n: UpstreamNode | undefined): TypeNode {
    switch (n?.$type) {
      case 'StringType':
        return { k: 'string' };
      case 'StringLiteralType':
        return { k: 'literal', v: n.value ?? '' };
      case 'IntegerType':
        return { k: 'int' };
      case 'BooleanType':
        return { k: 'bool' };
      case 'ArrayType':
        return { k: 'array', item: this.copy(refIndex(n.itemType as Ref)) };
      case 'UnionType':
        return { k: 'union', el: (n.elements as Ref[]).map((e) => this.copy(refIndex(e))) };
      case 'ObjectType':
        return {
          k: 'object',
          name: n.name ?? '',
          props: this.props(n.properties),
          ...(n.additionalProperties ? { add: this.copy(refIndex(n.additionalProperties)) } : {}),
        };
      case 'DiscriminatedObjectType':
        return {
          k: 'disc',
          name: n.name ?? '',
          d: n.discriminator ?? '',
          base: this.props(n.baseProperties),
          el: Object.fromEntries(Object.entries((n.elements ?? {}) as Record<string, Ref>).map(([k, v]) => [k, this.copy(refIndex(v))])),
        };
      default:
        return { k: 'any' };
    }
  }
}

export function usedResourceTypes(): string[] {
  const all = listBicepFiles().flatMap((f) => resources(parseBicepFile(f)).map((r) => r.typeWithVersion));
  return [...new Set(all)].sort();
}

function main(argv: readonly string[]): number {
  const raw: Record<string, string> = {};
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i] ?? '';
    const value = argv[i + 1];
    if (!flag.startsWith('--') || value === undefined) {
      console.error(`vendor-arm-types: expected --flag value pairs, got ${flag}`);
      return 2;
    }
    raw[flag.slice(2).replace(/-(\w)/g, (_m, c: string) => c.toUpperCase())] = value;
  }
  const parsed = Args.safeParse(raw);
  if (!parsed.success) {
    console.error(`vendor-arm-types: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    return 2;
  }
  const args = parsed.data;
  const sources = [
    { repo: 'Azure/bicep-types-az', commit: args.azCommit, root: args.az },
    { repo: 'microsoftgraph/msgraph-bicep-types', commit: args.graphCommit, root: args.graph },
  ].map((s) => ({ ...s, files: typeFiles(s.root) }));

  const index: ArmTypeIndex = {
    $comment:
      'Generated by infra/scripts/vendor-arm-types.ts from the sources below (resource types used by infra/, descriptions dropped). Do not edit.',
    sources: [],
    resources: {},
    types: [],
  };
  const missing: string[] = [];
  const usedPaths = new Map<string, Set<string>>();
  for (const typeWithVersion of usedResourceTypes()) {
    const [type, version] = typeWithVersion.split('@') as [string, string];
    const namespace = (type.split('/')[0] ?? '').toLowerCase();
    let found = false;
    for (const src of sources) {
      for (const file of src.files.filter((f) => f.toLowerCase().includes(`/${namespace}/${version.toLowerCase()}/`))) {
        const upstream = JSON.parse(readFileSync(file, 'utf8')) as UpstreamNode[];
        const idx = upstream.findIndex((n) => n.$type === 'ResourceType' && n.name?.toLowerCase() === typeWithVersion.toLowerCase());
        const body = upstream[idx]?.body;
        if (idx < 0 || !body) continue;
        index.resources[typeWithVersion] = new Copier(upstream, index.types).copy(refIndex(body));
        const paths = usedPaths.get(src.repo) ?? new Set<string>();
        paths.add(relative(src.root, file));
        usedPaths.set(src.repo, paths);
        found = true;
        break;
      }
      if (found) break;
    }
    if (!found) missing.push(typeWithVersion);
  }
  if (missing.length > 0) {
    console.error(`vendor-arm-types: no definition found for ${missing.join(', ')}`);
    return 1;
  }
  index.sources = sources
    .filter((s) => usedPaths.has(s.repo))
    .map((s) => ({ repo: s.repo, commit: s.commit, paths: [...(usedPaths.get(s.repo) ?? [])].sort() }));
  writeFileSync(ARM_TYPES_PATH, `${JSON.stringify(index)}\n`);
  console.log(
    `vendored ${Object.keys(index.resources).length} resource types (${index.types.length} type nodes) into infra/tests/arm-types.json`,
  );
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
