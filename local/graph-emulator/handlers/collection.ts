import { errors, type ErrorFlavor } from '../odata/errors';
import { encodeSkipToken, type ODataQuery } from '../odata/query';
import type { JsonObject } from '../serialize/common';
import type { OrderedCollection } from '../state/ordered';
import type { GraphCall, GraphResult } from './types';

export function contextUrl(call: GraphCall, fragment: string): string {
  return `${call.origin}/${call.version}/$metadata#${fragment}`;
}

/** Applies `$select` to one serialized entity; unknown names are the service's 400. */
export function project(entity: JsonObject, select: string[] | undefined, typeName: string, flavor: ErrorFlavor): JsonObject {
  if (!select) return entity;
  const out: JsonObject = {};
  if (entity['@odata.type'] !== undefined) out['@odata.type'] = entity['@odata.type'];
  for (const name of select) {
    const key = name in entity ? name : Object.keys(entity).find((k) => k.toLowerCase() === name.toLowerCase());
    if (key === undefined)
      throw errors.badRequest(`Could not find a property named '${name}' on type 'microsoft.graph.${typeName}'.`, flavor);
    out[key] = entity[key]!;
  }
  return out;
}

export interface PageSource<T> {
  /** Either an ordered collection (paged by slot) or a precomputed array (paged by index). */
  collection?: OrderedCollection<T>;
  accept?: (item: T) => boolean;
  array?: T[];
}

export interface CollectionOptions<T> {
  call: GraphCall;
  query: ODataQuery;
  flavor: ErrorFlavor;
  contextFragment: string;
  typeName: string;
  serialize: (item: T) => JsonObject;
  defaultPageSize: number;
  maxPageSize: number;
  /** Directory collections need `ConsistencyLevel: eventual` for `$count`. */
  countNeedsConsistency?: boolean;
}

/** An OData collection page: `@odata.context`, optional `@odata.count`, `value`, `@odata.nextLink`. */
export function collection<T>(source: PageSource<T>, options: CollectionOptions<T>): GraphResult {
  const { call, query, flavor } = options;
  if (query.count && options.countNeedsConsistency && call.headers['consistencylevel']?.toLowerCase() !== 'eventual') {
    throw errors.badRequest('$count is not currently supported without the ConsistencyLevel header set to eventual.', flavor);
  }
  const size = Math.min(query.top ?? options.defaultPageSize, options.maxPageSize);
  const from = query.skipToken ?? 0;
  let items: T[];
  let next: number | undefined;
  let total: number | undefined;
  if (source.collection) {
    const page = source.collection.page(from, size, source.accept);
    items = page.items;
    next = page.next;
    if (query.count) {
      if (!source.accept) total = source.collection.size;
      else {
        total = 0;
        for (const item of source.collection.values()) if (source.accept(item)) total++;
      }
    }
  } else {
    const all = source.array ?? [];
    items = all.slice(from, from + size);
    next = from + size < all.length ? from + size : undefined;
    total = all.length;
  }
  // $top without paging intent (explicit $top smaller than a page) still pages, as Graph does.
  const body: JsonObject = { '@odata.context': contextUrl(call, options.contextFragment) };
  if (query.count && total !== undefined) body['@odata.count'] = total;
  body.value = items.map((item) => project(options.serialize(item), query.select, options.typeName, flavor));
  if (next !== undefined && size > 0) {
    const params = new URLSearchParams(call.search);
    for (const key of [...params.keys()]) if (key.toLowerCase() === '$skiptoken') params.delete(key);
    params.set('$skiptoken', encodeSkipToken(next));
    body['@odata.nextLink'] = `${call.origin}/${call.version}/${call.path.replace(/^\//, '')}?${params.toString().replace(/%24/g, '$')}`;
  }
  return { status: 200, body };
}

/** `/$count`: a text/plain integer. */
export function countText(n: number): GraphResult {
  return { status: 200, text: String(n), headers: { 'Content-Type': 'text/plain' } };
}

export function entity(call: GraphCall, fragment: string, value: JsonObject, status = 200): GraphResult {
  return { status, body: { '@odata.context': contextUrl(call, `${fragment}/$entity`), ...value } };
}

export function noContent(): GraphResult {
  return { status: 204 };
}
