import { errors } from '../odata/errors';
import type { FilterClause } from '../odata/filter';
import { device as serializeDevice, selectedDevice } from '../serialize/directory';
import type { EntraDevice } from '../state/types';
import type { Tenant } from '../domain/tenant';
import { collection, countText, entity, noContent, project } from './collection';
import { checkMemberGroups, directoryObjects, getMemberGroups, type Cast } from './membership-queries';
import type { Route, RouteContext } from './types';

/** Resolves `{id}`, which the router also fills from the `devices(deviceId='…')` alternate key. */
function find(tenant: Tenant, id: string): EntraDevice {
  const d = id.startsWith('deviceId=') ? tenant.store.deviceByDeviceId(id.slice('deviceId='.length)) : tenant.store.devices.get(id);
  if (!d) throw errors.directoryNotFound(id.startsWith('deviceId=') ? id.slice('deviceId='.length) : id);
  return d;
}

function matches(d: EntraDevice, c: FilterClause): boolean {
  const v = c.value.toLowerCase();
  switch (c.property.toLowerCase()) {
    case 'deviceid':
      return c.kind === 'eq' && d.deviceId.toLowerCase() === v;
    case 'id':
      return c.kind === 'eq' && d.id.toLowerCase() === v;
    case 'displayname':
      return c.kind === 'eq' ? d.displayName.toLowerCase() === v : d.displayName.toLowerCase().startsWith(v);
    case 'physicalids':
      return c.kind === 'anyEq'
        ? d.physicalIds.some((p) => p.toLowerCase() === v)
        : d.physicalIds.some((p) => p.toLowerCase().startsWith(v));
    case 'operatingsystem':
      return d.operatingSystem.toLowerCase() === v;
    default:
      return false;
  }
}

const SUPPORTED: Record<string, FilterClause['kind'][]> = {
  deviceid: ['eq'],
  id: ['eq'],
  displayname: ['eq', 'startsWith'],
  physicalids: ['anyEq', 'anyStartsWith'],
  operatingsystem: ['eq'],
};

/** Index-backed candidates for the first indexable clause; the rest filter those. */
function filtered(ctx: RouteContext): { array?: EntraDevice[]; accept?: (d: EntraDevice) => boolean } {
  const clauses = ctx.query.filter;
  if (!clauses) return {};
  for (const c of clauses) {
    if (!SUPPORTED[c.property.toLowerCase()]?.includes(c.kind)) {
      throw errors.badRequest(`Unsupported or invalid query filter clause specified for property '${c.property}' of resource 'Device'.`);
    }
  }
  const store = ctx.tenant.store;
  const first = clauses[0]!;
  const prop = first.property.toLowerCase();
  let candidates: EntraDevice[] | undefined;
  if (prop === 'deviceid') candidates = [store.deviceByDeviceId(first.value)].filter((d): d is EntraDevice => !!d);
  else if (prop === 'id') candidates = [store.devices.get(first.value)].filter((d): d is EntraDevice => !!d);
  else if (prop === 'displayname' && first.kind === 'eq') candidates = store.devicesNamed(first.value);
  else if (prop === 'physicalids' && first.kind === 'anyEq') candidates = store.devicesWithPhysicalId(first.value);
  const accept = (d: EntraDevice): boolean => clauses.every((c) => matches(d, c));
  return candidates ? { array: candidates.filter(accept) } : { accept };
}

function memberOfRoutes(kind: 'memberOf' | 'transitiveMemberOf'): Route[] {
  const routes: Route[] = [];
  for (const [suffix, cast] of [
    ['', undefined],
    ['/microsoft.graph.group', 'group'],
  ] as [string, Cast][]) {
    for (const count of [false, true]) {
      routes.push({
        method: 'GET',
        path: `devices/{id}/${kind}${suffix}${count ? '/$count' : ''}`,
        area: 'directory',
        honours: ['filter'],
        cost: kind === 'memberOf' ? 2 : 3,
        handle: (ctx) => {
          const d = find(ctx.tenant, ctx.params.id!);
          const ids = kind === 'memberOf' ? d.memberOf : ctx.tenant.store.transitiveGroupsOf(d.memberOf);
          return directoryObjects(ctx, ids, cast, count);
        },
      });
    }
  }
  return routes;
}

export const deviceRoutes: Route[] = [
  {
    method: 'GET',
    path: 'devices',
    area: 'directory',
    honours: ['filter'],
    cost: 2,
    handle: (ctx) => {
      const { tenant, call, query } = ctx;
      const f = filtered(ctx);
      return collection(f.array ? { array: f.array } : { collection: tenant.store.devices, ...(f.accept ? { accept: f.accept } : {}) }, {
        call,
        query,
        flavor: 'graph',
        contextFragment: 'devices',
        typeName: 'device',
        serialize: (d) => (query.select ? selectedDevice(d, query.select, false) : undefined) ?? serializeDevice(d, call.version),
        defaultPageSize: 100,
        maxPageSize: 999,
        countNeedsConsistency: true,
      });
    },
  },
  {
    method: 'GET',
    path: 'devices/$count',
    area: 'directory',
    handle: ({ tenant, call }) => {
      if (call.headers['consistencylevel']?.toLowerCase() !== 'eventual')
        throw errors.badRequest('Count is not supported without the ConsistencyLevel header set to eventual.');
      return countText(tenant.store.devices.size);
    },
  },
  {
    method: 'GET',
    path: 'devices/{id}',
    area: 'directory',
    handle: ({ tenant, call, params, query }) =>
      entity(call, 'devices', project(serializeDevice(find(tenant, params.id!), call.version), query.select, 'device', 'graph')),
  },
  {
    method: 'DELETE',
    path: 'devices/{id}',
    area: 'directory',
    handle: ({ tenant, params }) => {
      const d = find(tenant, params.id!);
      tenant.store.removeDevice(d.id);
      return noContent();
    },
  },
  ...memberOfRoutes('memberOf'),
  ...memberOfRoutes('transitiveMemberOf'),
  {
    method: 'POST',
    path: 'devices/{id}/checkMemberGroups',
    area: 'directory',
    cost: 4,
    handle: ({ tenant, call, params }) => checkMemberGroups(tenant, call, find(tenant, params.id!).memberOf),
  },
  {
    method: 'POST',
    path: 'devices/{id}/getMemberGroups',
    area: 'directory',
    cost: 4,
    handle: ({ tenant, call, params }) => getMemberGroups(tenant, call, find(tenant, params.id!).memberOf),
  },
  {
    method: 'POST',
    path: 'directoryObjects/{id}/checkMemberGroups',
    area: 'directory',
    cost: 4,
    handle: ({ tenant, call, params }) => {
      const o = tenant.store.directoryObject(params.id!);
      if (!o) throw errors.directoryNotFound(params.id!);
      return checkMemberGroups(tenant, call, o.value.memberOf);
    },
  },
  {
    method: 'POST',
    path: 'directoryObjects/{id}/getMemberGroups',
    area: 'directory',
    cost: 4,
    handle: ({ tenant, call, params }) => {
      const o = tenant.store.directoryObject(params.id!);
      if (!o) throw errors.directoryNotFound(params.id!);
      return getMemberGroups(tenant, call, o.value.memberOf);
    },
  },
];
