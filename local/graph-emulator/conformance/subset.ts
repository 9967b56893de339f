/**
 * The part of a derived Graph schema the conformance checks can meet, given the request paths of
 * the emulator's routes and the product's operations.
 *
 * A type a request returns (its final position) is kept whole, closed over
 *   - its base types (for inherited properties and @odata.type checks),
 *   - the types of its structural properties, recursively (complex values and enums in a body),
 *   - the types derived from it (a body may name one with @odata.type), except below
 *     microsoft.graph.entity (every entity type) and microsoft.graph.directoryObject (users,
 *     service principals, applications, policies...: dozens of large types, of which the emulator
 *     serves only devices and groups, kept because a path returns them).
 * A type paths only walk through and none returns (deviceManagement, some 250 properties in beta,
 * was one until the emulator served GET /deviceManagement) keeps only the navigation properties
 * the paths take and is marked pathStepOnly: the checker refuses to check a body against it rather
 * than against a partial list of properties.
 * Navigation properties of kept types keep their name and type; targets no path reaches, and the
 * directory object types not kept, are listed in leftOut so the checker can say a value of one is
 * outside the subset instead of passing it unchecked.
 */
import { pathSegments, resolveResponseTarget } from './resolve-target';
import { isSameOrDerived, type GraphSchema, type PropertyShape, type StructuredType } from './schema-model';

export interface SeedRequest {
  method: string;
  /** Relative to the version root, `{param}` for an id. */
  path: string;
}

/** Types whose derived types are kept only when a path returns them (see above). */
const NOT_EXPANDED = new Set(['microsoft.graph.entity', 'microsoft.graph.directoryObject']);
const DIRECTORY_OBJECT = 'microsoft.graph.directoryObject';

export function schemaSubset(full: GraphSchema, requests: readonly SeedRequest[]): GraphSchema {
  const derivedFrom = new Map<string, string[]>();
  for (const type of full.types.values()) {
    if (type.baseType) derivedFrom.set(type.baseType, [...(derivedFrom.get(type.baseType) ?? []), type.name]);
  }
  const kept = new Map<string, StructuredType>();
  const enums = new Map<string, ReadonlySet<string>>();
  const expanded = new Set<string>(); // types whose derived types are kept too

  const keep = (name: string | undefined, withDerived: boolean): void => {
    if (name === undefined) return;
    const members = full.enums.get(name);
    if (members) {
      enums.set(name, members);
      return;
    }
    const type = full.types.get(name);
    if (!type) return; // a primitive, or a type no description lists
    if (!kept.has(name)) {
      kept.set(name, type);
      keep(type.baseType, false);
      for (const property of type.properties.values()) if (!property.navigation) keep(property.type, true);
    }
    if (withDerived && !NOT_EXPANDED.has(name) && !expanded.has(name)) {
      expanded.add(name);
      for (const derived of derivedFrom.get(name) ?? []) keep(derived, true);
    }
  };

  const steps = new Map<string, Set<string>>(); // type walked through -> the properties taken out of it
  for (const request of requests) {
    const walk = walkRequest(full, request);
    if (walk.returns) keep(walk.returns, true);
    for (const { type, property } of walk.steps) steps.set(type, (steps.get(type) ?? new Set()).add(property));
  }
  for (const [name, taken] of steps) {
    const type = full.types.get(name);
    if (!type || kept.has(name)) continue;
    keep(type.baseType, false);
    const properties = new Map<string, PropertyShape>([...type.properties].filter(([p]) => taken.has(p)));
    kept.set(name, { ...type, properties, pathStepOnly: true });
  }

  const leftOut = new Set<string>();
  for (const type of kept.values()) {
    for (const property of type.properties.values()) {
      if (property.type !== undefined && full.types.has(property.type) && !kept.has(property.type)) leftOut.add(property.type);
    }
  }
  for (const type of full.types.values()) {
    if (!kept.has(type.name) && isSameOrDerived(full, type.name, DIRECTORY_OBJECT)) leftOut.add(type.name);
  }
  return { version: full.version, types: sortedMap(kept), enums: sortedMap(enums), leftOut: new Set([...leftOut].sort()) };
}

interface RequestWalk {
  /** The type of the body the request returns (entity or collection of it), if any. */
  returns: string | undefined;
  /** Each navigation or structural property the path takes, and the type it leaves. */
  steps: Array<{ type: string; property: string }>;
}

/** Resolves every prefix of the path as a GET (the whole path with the request's own method). */
function walkRequest(schema: GraphSchema, request: SeedRequest): RequestWalk {
  const segments = pathSegments(request.path);
  const steps: RequestWalk['steps'] = [];
  let previous: string | undefined;
  let returns: string | undefined;
  for (let end = 1; end <= segments.length; end++) {
    const last = end === segments.length;
    const target = resolveResponseTarget(schema, last ? request.method : 'GET', `/${segments.slice(0, end).join('/')}`);
    const type = target.kind === 'entity' || target.kind === 'collection' ? target.type : undefined;
    const segment = (segments[end - 1] as string).replace(/\(.*\)$/, '');
    if (previous !== undefined && schema.types.get(previous)?.properties.has(segment)) steps.push({ type: previous, property: segment });
    if (last) returns = type;
    previous = type;
  }
  return { returns, steps };
}

function sortedMap<T>(map: ReadonlyMap<string, T>): Map<string, T> {
  return new Map([...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
