import { z } from 'zod';
import type { Tenant } from '../domain/tenant';
import { parseBody } from '../odata/body';
import { errors } from '../odata/errors';
import type { ApiVersion } from '../serialize/common';
import { directoryObject } from '../serialize/directory';
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
  const value = [...tenant.store.transitiveGroupsOf(memberOf)].filter((id) => !body.securityEnabledOnly || tenant.store.groups.get(id)?.securityEnabled);
  return { status: 200, body: { '@odata.context': `${call.origin}/${call.version}/$metadata#Collection(Edm.String)`, value } };
}

/** A page of directory objects by id, optionally cast to one type, or its `/$count`. */
export function directoryObjects(ctx: RouteContext, ids: Iterable<string>, cast: Cast, count: boolean): GraphResult {
  const { tenant, call, query } = ctx;
  const objects = [];
  for (const id of ids) {
    const o = tenant.store.directoryObject(id);
    if (o && (!cast || o.kind === cast)) objects.push(o);
  }
  if (count) {
    if (call.headers['consistencylevel']?.toLowerCase() !== 'eventual') {
      throw errors.badRequest('Count is not supported without the ConsistencyLevel header set to eventual.');
    }
    return countText(objects.length);
  }
  if (query.filter) throw errors.badRequest(`Unsupported query: $filter on this collection is not supported by the emulator ('${query.filterText}').`);
  const version: ApiVersion = call.version;
  return collection(
    { array: objects },
    {
      call,
      query,
      flavor: 'graph',
      contextFragment: cast ? `${cast}s` : 'directoryObjects',
      typeName: cast ?? 'directoryObject',
      serialize: (o) => directoryObject(o, version),
      defaultPageSize: 100,
      maxPageSize: 999,
      countNeedsConsistency: true,
    },
  );
}
