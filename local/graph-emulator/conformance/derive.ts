/**
 * Derives, per Graph version, every entity/complex type's property names (own + inherited) with
 * their types where a description gives one, and every enum's members, from Microsoft's own
 * descriptions (descriptions.ts: a graph-openapi/ folder named by the caller, not in the repository):
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
 * The vendoring script keeps the part of the result the checks need (vendor.ts); the CLI
 * scripts/derive-graph-schema.ts prints it.
 */
import type { CsdlDocument } from './csdl';
import { openDescriptions, type GraphDescriptions } from './descriptions';
import type { OpenApiSchema } from './openapi-schemas';
import type { GraphSchema, GraphVersion, PropertyShape, StructuredType } from './schema-model';
import { readEnumMappings, readStructuredMappings, type OwnNames } from './type-mappings';

const ENTITY_ROOT = 'microsoft.graph.entity';

export function deriveGraphSchema(version: GraphVersion, descriptions: GraphDescriptions = openDescriptions()): GraphSchema {
  const entities = readStructuredMappings(descriptions.typeMappings(version, 'entity'), `${version}-entity-types.json`);
  const complexes = readStructuredMappings(descriptions.typeMappings(version, 'complex'), `${version}-complex-types.json`);
  const enumMembers = readEnumMappings(descriptions.typeMappings(version, 'enum'), `${version}-enum-types.json`);
  const csdl = descriptions.csdl();
  // Only beta needs the 2023 YAML: the v1.0 CSDL is current and complete.
  const openApi = version === 'beta' ? descriptions.openApiSchemas('beta') : new Map<string, OpenApiSchema>();

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
  return { version, types: resolved, enums, leftOut: new Set() };
}

/**
 * Beta types newer than the 2023 OpenAPI descriptions and absent from v1.0, whose base type the
 * type mappings (names only) cannot give and no suffix rule finds; each from its Learn resource page.
 */
const DOCUMENTED_BASES: Record<string, string> = {
  // learn.microsoft.com/graph/api/resources/mobiledevicemanagementpolicy: "Inherits from mobilityManagementPolicy."
  'microsoft.graph.mobileDeviceManagementPolicy': 'microsoft.graph.mobilityManagementPolicy',
};

function baseTypeOf(
  name: string,
  kind: 'entity' | 'complex',
  version: GraphVersion,
  csdl: CsdlDocument,
  openApi: Map<string, OpenApiSchema>,
  known: ReadonlyMap<string, { kind: 'entity' | 'complex' }>,
): Pick<StructuredType, 'baseType' | 'baseTypeSource'> {
  const fromOpenApi = openApi.get(name);
  if (version === 'beta' && fromOpenApi)
    return { baseType: fromOpenApi.baseType, baseTypeSource: fromOpenApi.baseType ? 'openapi' : 'none' };
  const fromCsdl = csdl.types.get(name);
  if (fromCsdl) return { baseType: fromCsdl.baseType, baseTypeSource: fromCsdl.baseType ? 'csdl' : 'none' };
  const documented = DOCUMENTED_BASES[name];
  if (documented && known.has(documented)) return { baseType: documented, baseTypeSource: 'documented' };
  const bySuffix = suffixBase(name, kind, known);
  if (bySuffix) return { baseType: bySuffix, baseTypeSource: 'assumed' };
  if (kind === 'entity' && name !== ENTITY_ROOT) return { baseType: ENTITY_ROOT, baseTypeSource: 'assumed' };
  return { baseType: undefined, baseTypeSource: 'none' };
}

function suffixBase(
  name: string,
  kind: 'entity' | 'complex',
  known: ReadonlyMap<string, { kind: 'entity' | 'complex' }>,
): string | undefined {
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
