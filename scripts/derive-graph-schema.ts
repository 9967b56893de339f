/**
 * Derives, per Graph version, every entity/complex type's property names (own + inherited) with
 * their types where a description gives one, and every enum's members, from Microsoft's own
 * descriptions in ../shared/graph-openapi/ (read at run time, never copied into this repo):
 *
 * - names: type-mappings/{version}-{entity,complex,enum}-types.json (current, both versions);
 * - base types and property types: v1.0 from csdl/v1.0-Prod.csdl; beta from the 2023 beta OpenAPI
 *   YAML, falling back to the v1.0 CSDL for types/properties the YAML lacks. A beta type found in
 *   neither (the module YAML omits derived types such as azureADWindowsAutopilotDeploymentProfile)
 *   gets an ASSUMED base: the longest camel-case suffix of its name that names a type of the same
 *   kind (azureAD|WindowsAutopilotDeploymentProfile -> windowsAutopilotDeploymentProfile), else
 *   microsoft.graph.entity for an entity type (where every Graph entity gets its id) and none for a
 *   complex type. A navigation property no description types gets the type its name gives
 *   (windowsAutopilotDeploymentProfiles -> Collection(windowsAutopilotDeploymentProfile)).
 *
 * CLI: npx tsx scripts/derive-graph-schema.ts [--version v1.0|beta] [--type <name>] [--descriptions <dir>]
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parseCsdl, type CsdlDocument } from '../local/graph-emulator/conformance/csdl';
import { parseOpenApiSchemas, type OpenApiSchema } from '../local/graph-emulator/conformance/openapi-schemas';
import type { GraphSchema, GraphVersion, PropertyShape, StructuredType } from '../local/graph-emulator/conformance/schema-model';
import { readEnumMappings, readStructuredMappings, type OwnNames } from '../local/graph-emulator/conformance/type-mappings';

/** ../shared/graph-openapi relative to the repository root (this file lives in <root>/scripts). */
export const DEFAULT_DESCRIPTIONS_DIR = path.resolve(__dirname, '..', '..', 'shared', 'graph-openapi');

const ENTITY_ROOT = 'microsoft.graph.entity';

export function deriveGraphSchema(version: GraphVersion, descriptionsDir: string = DEFAULT_DESCRIPTIONS_DIR): GraphSchema {
  if (!existsSync(descriptionsDir)) {
    throw new Error(`Graph descriptions not found at ${descriptionsDir}; expected ../shared/graph-openapi beside the repository`);
  }
  const mappings = path.join(descriptionsDir, 'type-mappings');
  const entities = readStructuredMappings(readJson(path.join(mappings, `${version}-entity-types.json`)), `${version}-entity-types.json`);
  const complexes = readStructuredMappings(readJson(path.join(mappings, `${version}-complex-types.json`)), `${version}-complex-types.json`);
  const enumMembers = readEnumMappings(readJson(path.join(mappings, `${version}-enum-types.json`)), `${version}-enum-types.json`);
  const csdl = loadCsdl(descriptionsDir);
  const openApi = version === 'beta' ? loadOpenApi(path.join(descriptionsDir, 'openapi-powershell-2023-07', 'beta')) : new Map<string, OpenApiSchema>();

  const own = new Map<string, { kind: 'entity' | 'complex'; names: OwnNames }>();
  for (const [name, names] of entities) own.set(name, { kind: 'entity', names });
  for (const [name, names] of complexes) own.set(name, { kind: 'complex', names });

  const resolved = new Map<string, StructuredType>();
  const resolve = (name: string, chain: string[]): StructuredType | undefined => {
    const done = resolved.get(name);
    if (done) return done;
    const entry = own.get(name);
    if (!entry) return undefined;
    if (chain.includes(name)) throw new Error(`base type cycle in ${version}: ${[...chain, name].join(' -> ')}`);
    const { baseType, baseTypeSource } = baseTypeOf(name, entry.kind, version, csdl, openApi, own);
    const properties = new Map<string, PropertyShape>(baseType ? resolve(baseType, [...chain, name])?.properties : undefined);
    const typed = (propertyName: string, navigation: boolean): PropertyShape => {
      const shape = propertyTypeOf(name, propertyName, version, csdl, openApi);
      return { ...(shape.type === undefined && navigation ? navigationTypeByName(propertyName, own) : shape), navigation };
    };
    for (const p of entry.names.properties) properties.set(p, typed(p, false));
    for (const p of entry.names.navigationProperties) properties.set(p, typed(p, true));
    const type: StructuredType = { name, kind: entry.kind, baseType, baseTypeSource, properties };
    resolved.set(name, type);
    return type;
  };
  for (const name of own.keys()) resolve(name, []);

  const enums = new Map<string, ReadonlySet<string>>();
  for (const [name, members] of enumMembers) enums.set(name, new Set(members));
  return { version, types: resolved, enums };
}

function baseTypeOf(
  name: string,
  kind: 'entity' | 'complex',
  version: GraphVersion,
  csdl: CsdlDocument,
  openApi: Map<string, OpenApiSchema>,
  known: ReadonlyMap<string, { kind: 'entity' | 'complex' }>,
): Pick<StructuredType, 'baseType' | 'baseTypeSource'> {
  const fromOpenApi = openApi.get(name);
  if (version === 'beta' && fromOpenApi) return { baseType: fromOpenApi.baseType, baseTypeSource: fromOpenApi.baseType ? 'openapi' : 'none' };
  const fromCsdl = csdl.types.get(name);
  if (fromCsdl) return { baseType: fromCsdl.baseType, baseTypeSource: fromCsdl.baseType ? 'csdl' : 'none' };
  const bySuffix = suffixBase(name, kind, known);
  if (bySuffix) return { baseType: bySuffix, baseTypeSource: 'assumed' };
  if (kind === 'entity' && name !== ENTITY_ROOT) return { baseType: ENTITY_ROOT, baseTypeSource: 'assumed' };
  return { baseType: undefined, baseTypeSource: 'none' };
}

function suffixBase(name: string, kind: 'entity' | 'complex', known: ReadonlyMap<string, { kind: 'entity' | 'complex' }>): string | undefined {
  const dot = name.lastIndexOf('.');
  const namespace = name.slice(0, dot + 1);
  const local = name.slice(dot + 1);
  for (let i = 1; i < local.length; i++) {
    const ch = local[i] as string;
    if (ch < 'A' || ch > 'Z') continue;
    const candidate = `${namespace}${ch.toLowerCase()}${local.slice(i + 1)}`;
    if (known.get(candidate)?.kind === kind) return candidate;
  }
  return undefined;
}

function propertyTypeOf(
  typeName: string,
  propertyName: string,
  version: GraphVersion,
  csdl: CsdlDocument,
  openApi: Map<string, OpenApiSchema>,
): Omit<PropertyShape, 'navigation'> {
  if (version === 'beta') {
    const fromOpenApi = openApi.get(typeName)?.properties.get(propertyName);
    if (fromOpenApi?.type) return { type: fromOpenApi.type, collection: fromOpenApi.collection };
  }
  const fromCsdl = csdl.types.get(typeName)?.properties.find((p) => p.name === propertyName);
  if (fromCsdl) return { type: fromCsdl.type, collection: fromCsdl.collection };
  return { type: undefined, collection: false };
}

/**
 * Last resort for a navigation property no description types (beta-only singletons and sets on
 * deviceManagement, e.g. windowsAutopilotSettings, windowsAutopilotDeploymentProfiles): Graph
 * names them after their type, singular for one, plural for a collection.
 */
function navigationTypeByName(propertyName: string, known: ReadonlyMap<string, unknown>): Omit<PropertyShape, 'navigation'> {
  const candidates: Array<[string, boolean]> = [[propertyName, false]];
  if (propertyName.endsWith('ies')) candidates.push([`${propertyName.slice(0, -3)}y`, true]);
  if (propertyName.endsWith('s')) candidates.push([propertyName.slice(0, -1), true]);
  for (const [candidate, collection] of candidates) {
    const qualified = `microsoft.graph.${candidate}`;
    if (known.has(qualified)) return { type: qualified, collection };
  }
  return { type: undefined, collection: false };
}

// The CSDL and YAML are large; parse each once per process.
const csdlCache = new Map<string, CsdlDocument>();
function loadCsdl(descriptionsDir: string): CsdlDocument {
  const file = path.join(descriptionsDir, 'csdl', 'v1.0-Prod.csdl');
  let document = csdlCache.get(file);
  if (!document) {
    document = parseCsdl(readFileSync(file, 'utf8'));
    csdlCache.set(file, document);
  }
  return document;
}

const openApiCache = new Map<string, Map<string, OpenApiSchema>>();
function loadOpenApi(folder: string): Map<string, OpenApiSchema> {
  let merged = openApiCache.get(folder);
  if (merged) return merged;
  merged = new Map();
  const files = readdirSync(folder).filter((f) => f.endsWith('.yml')).sort();
  if (files.length === 0) throw new Error(`no OpenAPI YAML files in ${folder}`);
  for (const file of files) {
    for (const [name, schema] of parseOpenApiSchemas(readFileSync(path.join(folder, file), 'utf8'))) {
      const known = merged.get(name);
      // Modules repeat shared schemas; keep the richest copy.
      if (!known || schema.properties.size > known.properties.size) merged.set(name, schema);
    }
  }
  openApiCache.set(folder, merged);
  return merged;
}

function readJson(file: string): unknown {
  return JSON.parse(readFileSync(file, 'utf8')) as unknown;
}

function main(argv: string[]): void {
  const option = (flag: string): string | undefined => {
    const at = argv.indexOf(flag);
    return at >= 0 ? argv[at + 1] : undefined;
  };
  const versionArg = option('--version') ?? 'v1.0';
  if (versionArg !== 'v1.0' && versionArg !== 'beta') throw new Error(`--version must be v1.0 or beta, got ${versionArg}`);
  const schema = deriveGraphSchema(versionArg, option('--descriptions'));
  const typeArg = option('--type');
  if (typeArg) {
    const name = typeArg.includes('.') ? typeArg : `microsoft.graph.${typeArg}`;
    const type = schema.types.get(name);
    const members = schema.enums.get(name);
    if (type) {
      console.log(`${name} (${type.kind}, base ${type.baseType ?? 'none'} [${type.baseTypeSource}])`);
      for (const [p, shape] of [...type.properties].sort(([a], [b]) => a.localeCompare(b))) {
        console.log(`  ${p}: ${shape.collection ? `Collection(${shape.type ?? '?'})` : (shape.type ?? '?')}${shape.navigation ? ' (navigation)' : ''}`);
      }
    } else if (members) {
      console.log(`${name} (enum): ${[...members].join(', ')}`);
    } else {
      throw new Error(`${name} is not a type in ${versionArg}`);
    }
    return;
  }
  const types = [...schema.types.values()];
  const assumed = types.filter((t) => t.baseTypeSource === 'assumed').length;
  const untyped = types.reduce((n, t) => n + [...t.properties.values()].filter((p) => p.type === undefined).length, 0);
  console.log(
    `${versionArg}: ${types.filter((t) => t.kind === 'entity').length} entity types, ${types.filter((t) => t.kind === 'complex').length} complex types, ` +
      `${schema.enums.size} enums; ${assumed} entity base types assumed; ${untyped} property slots without a known type`,
  );
}

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    console.error((error as Error).message);
    process.exitCode = 1;
  }
}
