import { z } from 'zod';
import type { Tenant } from '../domain/tenant';
import { parseBody } from '../odata/body';
import { errors, GraphError } from '../odata/errors';
import { canReadDevices } from '../permissions';
import type { ApiVersion, JsonObject } from '../serialize/common';
import { directoryObject, selectedDevice } from '../serialize/directory';
import { encodeSkipToken } from '../odata/query';
import { collection, countText } from './collection';
import type { GraphCall, GraphResult, RouteContext } from './types';

export type Cast = 'device' | 'group' | undefined;

const CheckSchema = z.strictObject({ groupIds: z.array(z.string()).max(20) });
const GetGroupsSchema = z.strictObject({ securityEnabledOnly: z.boolean() });

/** checkMemberGroups: the subset of the given ids the object belongs to, transitively. */
export function checkMemberGroups(tenant: Tenant, call: GraphCall, memberOf: Set<string>): GraphResult {
  const body = parseBody(CheckSchema, call.body, 'directoryObject', 'graph', 'checkMemberGroups');
  const all = tenant.store.transitiveGroupsOf(memberOf);
  const value = body.groupIds.filter((id) => all.has(id));
  return { status: 200, body: { '@odata.context': `${call.origin}/${call.version}/$metadata#Collection(Edm.String)`, value } };
}

export function getMemberGroups(tenant: Tenant, call: GraphCall, memberOf: Set<string>): GraphResult {
  const body = parseBody(GetGroupsSchema, call.body, 'directoryObject', 'graph', 'getMemberGroups');
  const value = [...tenant.store.transitiveGroupsOf(memberOf)].filter(
    (id) => !body.securityEnabledOnly || tenant.store.groups.get(id)?.securityEnabled,
  );
  return { status: 200, body: { '@odata.context': `${call.origin}/${call.version}/$metadata#Collection(Edm.String)`, value } };
}

/**
 * A member the caller may not read in full: only its id and type, every other property null
 * ("limited information returned for inaccessible member objects",
 * learn.microsoft.com/graph/permissions-overview; devblogs.microsoft.com/microsoft365dev,
 * "Upcoming API changes to return limited information for inaccessible member resources").
 */
function limitedInformation(o: JsonObject): JsonObject {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, k === 'id' || k === '@odata.type' ? v : null]));
}

/**
 * A page of directory objects by id, optionally cast to one type, or its `/$count`. Pages are cut
 * lazily from the id sequence (a skip token is a position in the cast-filtered sequence), so a
 * 999-item page of a 20,000-member group does not build 20,000 objects.
 */
export function directoryObjects(ctx: RouteContext, ids: Iterable<string>, cast: Cast, count: boolean, transitive = false): GraphResult {
  const { tenant, call, query } = ctx;
  const store = tenant.store;
  const accept = (id: string) => {
    const o = store.directoryObject(id);
    return o && (!cast || o.kind === cast) ? o : undefined;
  };
  const eventual = call.headers['consistencylevel']?.toLowerCase() === 'eventual';
  if ((count || query.count) && !eventual)
    throw errors.badRequest('Count is not supported without the ConsistencyLevel header set to eventual.');
  // An OData cast on a transitive member list is an advanced query: without ConsistencyLevel and
  // $count=true the service refuses it (learn.microsoft.com/graph/aad-advanced-queries, "Use of
  // OData cast with transitive members list"; the same request cast to microsoft.graph.group is
  // observed to fail so: microsoft-graph-docs#19672, #11881).
  if (transitive && cast && !count && !(eventual && query.count)) {
    throw new GraphError(400, 'Request_UnsupportedQuery', 'Invalid search request.');
  }
  if (count) {
    let n = 0;
    for (const id of ids) if (accept(id)) n++;
    return countText(n);
  }
  if (query.filter)
    throw errors.badRequest(`Unsupported query: $filter on this collection is not supported by the emulator ('${query.filterText}').`);
  const size = Math.min(query.top ?? 100, 999);
  const from = query.skipToken ?? 0;
  const page: NonNullable<ReturnType<typeof accept>>[] = [];
  let position = 0;
  let more = false;
  let total = 0;
  for (const id of ids) {
    const o = accept(id);
    if (!o) continue;
    if (position >= from && page.length < size) page.push(o);
    else if (position >= from + size) {
      more = true;
      if (!query.count) break;
    }
    position++;
    total++;
  }
  const version: ApiVersion = call.version;
  const select = query.select;
  const result = collection(
    { array: page },
    {
      call,
      query: { ...query, skipToken: undefined, top: size, count: false },
      flavor: 'graph',
      contextFragment: cast ? `${cast}s` : 'directoryObjects',
      typeName: cast ?? 'directoryObject',
      serialize: (o) => {
        const full = (select && o.kind === 'device' ? selectedDevice(o.value, select, true) : undefined) ?? directoryObject(o, version);
        return o.kind === 'device' && !canReadDevices(ctx.caller) ? limitedInformation(full) : full;
      },
      defaultPageSize: size,
      maxPageSize: size,
    },
  );
  const body = result.body as Record<string, unknown>;
  if (query.count) {
    const { ['@odata.context']: context, ...rest } = body;
    result.body = { '@odata.context': context, '@odata.count': total, ...rest };
  }
  if (more && size > 0) {
    const params = new URLSearchParams(call.search);
    for (const key of [...params.keys()]) if (key.toLowerCase() === '$skiptoken') params.delete(key);
    params.set('$skiptoken', encodeSkipToken(from + size));
    (result.body as Record<string, unknown>)['@odata.nextLink'] =
      `${call.origin}/${call.version}/${call.path.replace(/^\//, '')}?${params.toString().replace(/%24/g, '$')}`;
  }
  return result;
}
