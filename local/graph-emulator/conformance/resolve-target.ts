import type { GraphSchema } from './schema-model';

/** What a response body to this request should be, inferred from the method and URL. */
export type ResponseTarget =
  | { kind: 'entity'; type: string }
  | { kind: 'collection'; type: string }
  | { kind: 'strings' }
  | { kind: 'references' }
  | { kind: 'count' }
  | { kind: 'noContent'; because: string }
  | { kind: 'batch' }
  | { kind: 'unresolved'; reason: string };

type Position = { type: string; collection: boolean };

/** Entity sets and singletons at the service root that this project touches. */
const ROOTS: Record<string, Position> = {
  deviceManagement: { type: 'microsoft.graph.deviceManagement', collection: false },
  devices: { type: 'microsoft.graph.device', collection: true },
  groups: { type: 'microsoft.graph.group', collection: true },
  directoryObjects: { type: 'microsoft.graph.directoryObject', collection: true },
  users: { type: 'microsoft.graph.user', collection: true },
  policies: { type: 'microsoft.graph.policyRoot', collection: false },
  subscribedSkus: { type: 'microsoft.graph.subscribedSku', collection: true },
};

/** Bound actions (by unqualified name) and what they return. */
const ACTIONS: Record<string, ResponseTarget> = {
  import: { kind: 'collection', type: 'microsoft.graph.importedWindowsAutopilotDeviceIdentity' },
  checkMemberGroups: { kind: 'strings' },
  checkMemberObjects: { kind: 'strings' },
  getMemberGroups: { kind: 'strings' },
  getMemberObjects: { kind: 'strings' },
  sync: { kind: 'noContent', because: 'the sync action returns no content' },
  assign: { kind: 'noContent', because: 'the assign action returns no content' },
  setPriority: { kind: 'noContent', because: 'the setPriority action returns no content' },
  assignUserToDevice: { kind: 'noContent', because: 'the assignUserToDevice action returns no content' },
  unassignUserFromDevice: { kind: 'noContent', because: 'the unassignUserFromDevice action returns no content' },
  updateDeviceProperties: { kind: 'noContent', because: 'the updateDeviceProperties action returns no content' },
};

const NAMESPACE = 'microsoft.graph.';

export function resolveResponseTarget(schema: GraphSchema, method: string, url: string): ResponseTarget {
  const segments = pathSegments(url);
  const verb = method.toUpperCase();
  if (segments.length === 1 && segments[0] === '$batch') return { kind: 'batch' };
  const first = segments[0];
  if (first === undefined) return { kind: 'unresolved', reason: `no resource path in ${url}` };
  const rootKey = splitKey(first);
  const root = ROOTS[rootKey.name];
  if (!root) return { kind: 'unresolved', reason: `unknown root segment '${rootKey.name}' in ${url}` };
  let position: Position = rootKey.key !== undefined ? { ...root, collection: false } : { ...root };

  for (let i = 1; i < segments.length; i++) {
    const segment = segments[i] as string;
    const last = i === segments.length - 1;
    if (segment === '$count') return { kind: 'count' };
    if (segment === '$ref')
      return verb === 'GET' ? { kind: 'references' } : { kind: 'noContent', because: `${verb} $ref returns no content` };
    const unqualified = segment.startsWith(NAMESPACE) ? segment.slice(NAMESPACE.length) : segment;
    if (segment.startsWith(NAMESPACE) && schema.types.has(segment)) {
      position = { type: segment, collection: position.collection }; // type cast
      continue;
    }
    const action = ACTIONS[unqualified];
    if (action && last) return action;
    if (position.collection) {
      position = { type: position.type, collection: false }; // key segment
      continue;
    }
    const { name, key } = splitKey(segment); // also accepts key syntax: assignments('id')
    const owner = schema.types.get(position.type);
    const property = owner?.properties.get(name);
    if (property?.type && schema.leftOut.has(property.type)) {
      return {
        kind: 'unresolved',
        reason: `'${name}' leads to ${property.type}, which the vendored ${schema.version} schema subset leaves out (npm run graph-schema:vendor)`,
      };
    }
    if (!property?.type || !schema.types.has(property.type)) {
      // A path-step type of the vendored subset keeps only the navigation properties taken.
      const subset = owner?.pathStepOnly ? ' kept in the vendored subset (npm run graph-schema:vendor)' : '';
      return {
        kind: 'unresolved',
        reason: `'${name}' is not a navigation or structured property of ${position.type} in ${schema.version}${subset}`,
      };
    }
    position = { type: property.type, collection: property.collection && key === undefined };
  }

  if (verb === 'DELETE') return { kind: 'noContent', because: 'DELETE returns no content' };
  if (verb === 'POST' && position.collection) return { kind: 'entity', type: position.type }; // create
  if (verb === 'POST') return { kind: 'unresolved', reason: `POST to a single ${position.type} is not an action this checker knows` };
  return position.collection ? { kind: 'collection', type: position.type } : { kind: 'entity', type: position.type };
}

/** Path segments after the version, without the query; accepts absolute and relative URLs. */
export function pathSegments(url: string): string[] {
  const withoutQuery = url.split('?')[0] as string;
  const path = withoutQuery.replace(/^[a-z]+:\/\/[^/]+/i, '');
  const segments = path
    .split('/')
    .filter((s) => s !== '')
    .map((s) => decodeURIComponent(s));
  if (segments[0] === 'v1.0' || segments[0] === 'beta') segments.shift();
  return segments;
}

function splitKey(segment: string): { name: string; key: string | undefined } {
  const match = /^([^()]+)\((.*)\)$/.exec(segment);
  return match ? { name: match[1] as string, key: match[2] as string } : { name: segment, key: undefined };
}
