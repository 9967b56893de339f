/**
 * Whether Microsoft's descriptions describe a request (method, path) of one Graph version:
 *
 * 1. an OpenAPI path template matches it and lists the method. Templates name their parameters
 *    (`{device-id}`), ours too (`{id}`): any parameter matches any. Bound actions and functions are
 *    namespace-qualified in the templates (`.../microsoft.graph.import`) and may be written bare
 *    (`.../import`), as Graph accepts both; type casts (`.../microsoft.graph.device`) are not
 *    actions and must be written qualified.
 * 2. else, for GET only, the path walks from a root entity set or singleton of the CSDL through
 *    keys, navigation properties and casts of the (vendored) schema. This covers what the 2023
 *    OpenAPI files predate (the type mappings are current); writes and actions must be in (1).
 */
import type { OpenApiPathItem } from './openapi-paths';
import { isSameOrDerived, type GraphSchema } from './schema-model';

export type PathVerdict =
  | { described: true; by: 'openapi'; template: string }
  | { described: true; by: 'navigation'; type: string }
  | { described: false; reason: string };

export interface PathDescriptions {
  /** OpenAPI path templates (at least every one that matches the paths asked about). */
  paths: ReadonlyMap<string, OpenApiPathItem>;
  /** Root entity sets and singletons by name: `Collection(type)` or `type`. */
  roots: ReadonlyMap<string, string>;
  schema: GraphSchema;
}

const NAMESPACE = 'microsoft.graph.';

export function describePath(descriptions: PathDescriptions, method: string, path: string): PathVerdict {
  const verb = method.toLowerCase();
  const templates = matchingTemplates(descriptions.paths, path);
  const withMethod = templates.find((t) => descriptions.paths.get(t)?.has(verb));
  if (withMethod) return { described: true, by: 'openapi', template: withMethod };
  const walked = walkNavigation(descriptions, path);
  if (verb === 'get' && walked.ok) return { described: true, by: 'navigation', type: walked.type };
  const openApi =
    templates.length > 0
      ? `the OpenAPI describes ${templates.map((t) => `${t} (${[...(descriptions.paths.get(t)?.keys() ?? [])].join(', ')})`).join('; ')} but not ${verb}`
      : 'no OpenAPI path template matches it';
  const navigation = walked.ok ? `navigation reaches ${walked.type}, which proves only GET` : `navigation: ${walked.reason}`;
  return { described: false, reason: `${openApi}; ${navigation}` };
}

/** Every template that describes this path, whatever the method. */
export function matchingTemplates(paths: ReadonlyMap<string, OpenApiPathItem>, path: string): string[] {
  const wanted = segmentsOf(path);
  const found: string[] = [];
  for (const [template, item] of paths) {
    const candidate = segmentsOf(template);
    if (candidate.length !== wanted.length) continue;
    const isOperation = [...item.values()].some((kind) => kind === 'action' || kind === 'function');
    if (candidate.every((segment, i) => segmentMatches(segment, wanted[i] as string, isOperation && i === candidate.length - 1)))
      found.push(template);
  }
  return found.sort();
}

function segmentMatches(template: string, actual: string, boundOperation: boolean): boolean {
  if (isParameter(template) && isParameter(actual)) return true;
  if (template === actual) return true;
  return boundOperation && (template === `${NAMESPACE}${actual}` || template === `${NAMESPACE}${actual}()`);
}

type Walk = { ok: true; type: string } | { ok: false; reason: string };

function walkNavigation({ roots, schema }: PathDescriptions, path: string): Walk {
  const [first, ...rest] = segmentsOf(path);
  const root = first === undefined ? undefined : roots.get(first);
  if (root === undefined) return { ok: false, reason: `'${first ?? ''}' is not a root entity set or singleton` };
  let collection = root.startsWith('Collection(');
  let type = collection ? root.slice('Collection('.length, -1) : root;
  for (const segment of rest) {
    if (segment === '$count' && collection) return { ok: true, type: 'Edm.Int32' };
    if (isParameter(segment) && collection) {
      collection = false;
      continue;
    }
    if (segment.startsWith(NAMESPACE) && schema.types.has(segment) && isSameOrDerived(schema, segment, type)) {
      type = segment; // a cast keeps the collection a collection
      continue;
    }
    const property = schema.types.get(type)?.properties.get(segment);
    if (collection || !property?.type || !(schema.types.has(property.type) || schema.leftOut.has(property.type))) {
      return {
        ok: false,
        reason: `'${segment}' is not a key, cast or navigation property of ${collection ? `a collection of ${type}` : type}`,
      };
    }
    type = property.type;
    collection = property.collection;
  }
  return { ok: true, type };
}

function segmentsOf(path: string): string[] {
  return path
    .split('?')[0]!
    .split('/')
    .filter((s) => s !== '');
}

function isParameter(segment: string): boolean {
  return segment.startsWith('{') && segment.endsWith('}');
}
