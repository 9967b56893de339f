import { z } from 'zod';
import { newId } from '../domain/ids';
import { addMember, groupRuleChanged, isDynamic, membershipChanged, removeMember } from '../domain/membership';
import { reconcileAll } from '../domain/profiles';
import type { Tenant } from '../domain/tenant';
import { parseMembershipRule } from '../membership';
import { odataType, parseBody } from '../odata/body';
import { errors } from '../odata/errors';
import { group as serializeGroup } from '../serialize/directory';
import type { Group } from '../state/types';
import { collection, countText, entity, noContent, project } from './collection';
import { checkMemberGroups, directoryObjects, getMemberGroups, type Cast } from './membership-queries';
import type { Route, RouteContext } from './types';

const GroupSchema = z.strictObject({
  ...odataType,
  displayName: z.string().max(256).optional(),
  description: z.string().nullable().optional(),
  mailEnabled: z.boolean().optional(),
  mailNickname: z.string().max(64).optional(),
  securityEnabled: z.boolean().optional(),
  groupTypes: z.array(z.string()).optional(),
  membershipRule: z.string().nullable().optional(),
  membershipRuleProcessingState: z.enum(['On', 'Paused']).nullable().optional(),
  isAssignableToRole: z.boolean().nullable().optional(),
  'members@odata.bind': z.array(z.string()).optional(),
});
type GroupBody = z.infer<typeof GroupSchema>;

function find(tenant: Tenant, id: string): Group {
  const g = tenant.store.groups.get(id);
  if (!g) throw errors.directoryNotFound(id);
  return g;
}

function invalid(property: string): never {
  throw errors.badRequest(`Invalid value specified for property '${property}' of resource 'Group'.`);
}

/** Validates and installs a dynamic rule; an invalid rule is rejected before anything changes. */
export function setRule(tenant: Tenant, g: Group, rule: string | null): void {
  if (!isDynamic(g)) {
    if (rule)
      throw errors.badRequest("The property 'membershipRule' can only be set on a group whose groupTypes contain 'DynamicMembership'.");
    tenant.rules.delete(g.id);
    g.membershipRule = null;
    g.membershipRuleProcessingState = null;
    return;
  }
  if (!rule) throw errors.badRequest("A group with 'DynamicMembership' in groupTypes needs a membershipRule.");
  const parsed = parseMembershipRule(rule);
  if (!parsed.ok) throw errors.badRequest(parsed.error);
  tenant.rules.set(g.id, parsed);
  g.membershipRule = rule;
}

function idFromBind(url: string): string {
  const m = /directoryObjects\/([^/?]+)$|(?:devices|groups)\/([^/?]+)$/i.exec(url);
  if (!m) throw errors.badRequest(`Invalid object identifier '${url}'.`);
  return (m[1] ?? m[2])!;
}

export function createGroup(tenant: Tenant, body: GroupBody, id: string = newId()): Group {
  if (!body.displayName) invalid('displayName');
  if (body.mailEnabled === undefined) invalid('mailEnabled');
  if (!body.mailNickname) invalid('mailNickname');
  if (body.securityEnabled === undefined) invalid('securityEnabled');
  if (tenant.store.groups.has(id)) throw errors.badRequest(`Another object with the same value for property id already exists.`);
  const g: Group = {
    id,
    displayName: body.displayName,
    description: body.description ?? null,
    mailEnabled: body.mailEnabled,
    mailNickname: body.mailNickname,
    securityEnabled: body.securityEnabled,
    groupTypes: body.groupTypes ?? [],
    membershipRule: null,
    membershipRuleProcessingState: null,
    isAssignableToRole: body.isAssignableToRole ?? null,
    createdDateTime: tenant.clock.now(),
    members: new Set(),
    memberOf: new Set(),
    processing: { status: 'NotStarted', lastMembershipUpdated: undefined, errorMessage: null },
    ruleGeneration: 0,
  };
  setRule(tenant, g, body.membershipRule ?? null);
  if (isDynamic(g)) g.membershipRuleProcessingState = body.membershipRuleProcessingState ?? 'On';
  const binds = (body['members@odata.bind'] ?? []).map(idFromBind);
  if (binds.length > 0 && isDynamic(g)) throw errors.badRequest('Members of a group with dynamic membership cannot be added manually.');
  for (const member of binds) if (!tenant.store.directoryObject(member)) throw errors.directoryNotFound(member);
  tenant.store.addGroup(g);
  for (const member of binds) addMember(tenant, g, member);
  groupRuleChanged(tenant, g);
  return g;
}

function withStatusRequested(ctx: RouteContext): boolean {
  return ctx.call.version === 'beta' && (ctx.query.select ?? []).some((s) => s.toLowerCase() === 'membershipruleprocessingstatus');
}

function groupFilter(ctx: RouteContext): { array?: Group[]; accept?: (g: Group) => boolean } {
  const clauses = ctx.query.filter;
  if (!clauses) return {};
  const [c, ...rest] = clauses;
  if (rest.length > 0 || !c)
    throw errors.badRequest(`Unsupported or invalid query filter clause specified for property 'displayName' of resource 'Group'.`);
  const prop = c.property.toLowerCase();
  if (c.kind === 'eq' && prop === 'displayname') return { array: ctx.tenant.store.groupsNamed(c.value) };
  if (c.kind === 'eq' && prop === 'mailnickname') return { accept: (g) => g.mailNickname.toLowerCase() === c.value.toLowerCase() };
  if (c.kind === 'eq' && prop === 'id')
    return { array: ctx.tenant.store.groups.get(c.value) ? [ctx.tenant.store.groups.get(c.value)!] : [] };
  // description is filterable only as an advanced query (learn.microsoft.com/graph/aad-advanced-queries,
  // group properties table: description "eq, ne, not, ge, le, startsWith" need ConsistencyLevel: eventual and
  // $count=true; without them the service answers 400 "Unsupported or invalid query filter clause specified for
  // property 'description' of resource 'Group'" — Microsoft Q&A 1193730).
  if (c.kind === 'startsWith' && prop === 'description') {
    const eventual = ctx.call.headers['consistencylevel']?.toLowerCase() === 'eventual';
    if (!eventual || !ctx.query.count)
      throw errors.badRequest(`Unsupported or invalid query filter clause specified for property 'description' of resource 'Group'.`);
    const v = c.value.toLowerCase();
    return { accept: (g) => (g.description ?? '').toLowerCase().startsWith(v) };
  }
  if (c.kind === 'startsWith' && (prop === 'displayname' || prop === 'mailnickname')) {
    const v = c.value.toLowerCase();
    return { accept: (g) => (prop === 'displayname' ? g.displayName : g.mailNickname).toLowerCase().startsWith(v) };
  }
  throw errors.badRequest(`Unsupported or invalid query filter clause specified for property '${c.property}' of resource 'Group'.`);
}

const RefSchema = z.strictObject({ '@odata.id': z.string() });
const memberRoutes = (kind: 'members' | 'transitiveMembers'): Route[] => {
  const routes: Route[] = [];
  const casts: [string, Cast][] = [
    ['', undefined],
    ['/microsoft.graph.device', 'device'],
    ['/microsoft.graph.group', 'group'],
  ];
  for (const [suffix, cast] of casts) {
    for (const count of [false, true]) {
      routes.push({
        method: 'GET',
        path: `groups/{id}/${kind}${suffix}${count ? '/$count' : ''}`,
        area: 'directory',
        honours: ['filter'],
        cost: kind === 'members' ? 3 : 5,
        handle: (ctx) => {
          const g = find(ctx.tenant, ctx.params.id!);
          const ids = kind === 'members' ? g.members : ctx.tenant.store.transitiveMembersOf(g);
          return directoryObjects(ctx, ids, cast, count, kind === 'transitiveMembers');
        },
      });
    }
  }
  return routes;
};

export const groupRoutes: Route[] = [
  {
    method: 'GET',
    path: 'groups',
    area: 'directory',
    honours: ['filter'],
    cost: 2,
    handle: (ctx) => {
      const { tenant, call, query } = ctx;
      const filtered = groupFilter(ctx);
      return collection(
        filtered.array
          ? { array: filtered.array }
          : { collection: tenant.store.groups, ...(filtered.accept ? { accept: filtered.accept } : {}) },
        {
          call,
          query,
          flavor: 'graph',
          contextFragment: 'groups',
          typeName: 'group',
          serialize: (g) => serializeGroup(g, call.version, false),
          defaultPageSize: 100,
          maxPageSize: 999,
          countNeedsConsistency: true,
        },
      );
    },
  },
  {
    method: 'GET',
    path: 'groups/$count',
    area: 'directory',
    handle: ({ tenant, call }) => {
      if (call.headers['consistencylevel']?.toLowerCase() !== 'eventual')
        throw errors.badRequest('Count is not supported without the ConsistencyLevel header set to eventual.');
      return countText(tenant.store.groups.size);
    },
  },
  {
    method: 'POST',
    path: 'groups',
    area: 'directory',
    handle: ({ tenant, call }) => {
      const g = createGroup(tenant, parseBody(GroupSchema, call.body, 'group', 'graph'));
      return entity(call, 'groups', serializeGroup(g, call.version, false), 201);
    },
  },
  {
    method: 'GET',
    path: 'groups/{id}',
    area: 'directory',
    handle: (ctx) => {
      const g = find(ctx.tenant, ctx.params.id!);
      return entity(
        ctx.call,
        'groups',
        project(serializeGroup(g, ctx.call.version, withStatusRequested(ctx)), ctx.query.select, 'group', 'graph'),
      );
    },
  },
  {
    method: 'PATCH',
    path: 'groups/{id}',
    area: 'directory',
    handle: ({ tenant, call, params }) => {
      const g = find(tenant, params.id!);
      const body = parseBody(GroupSchema, call.body, 'group', 'graph');
      if (body['members@odata.bind']) throw errors.badRequest('Use members/$ref to change the members of an existing group.');
      if (body.displayName !== undefined) g.displayName = body.displayName;
      if (body.description !== undefined) g.description = body.description;
      if (body.mailNickname !== undefined) g.mailNickname = body.mailNickname;
      const before = { rule: g.membershipRule, state: g.membershipRuleProcessingState, types: g.groupTypes };
      if (body.groupTypes !== undefined) g.groupTypes = body.groupTypes;
      try {
        if (body.membershipRule !== undefined || body.groupTypes !== undefined)
          setRule(tenant, g, body.membershipRule !== undefined ? body.membershipRule : g.membershipRule);
      } catch (error) {
        g.groupTypes = before.types;
        throw error;
      }
      if (isDynamic(g)) g.membershipRuleProcessingState = body.membershipRuleProcessingState ?? g.membershipRuleProcessingState ?? 'On';
      if (g.membershipRule !== before.rule || g.membershipRuleProcessingState !== before.state) groupRuleChanged(tenant, g);
      return noContent();
    },
  },
  {
    method: 'DELETE',
    path: 'groups/{id}',
    area: 'directory',
    handle: ({ tenant, params }) => {
      const g = find(tenant, params.id!);
      const affected = [...g.members].map((m) => tenant.store.devices.get(m)).filter((d) => d !== undefined);
      tenant.store.removeGroup(g.id);
      tenant.rules.delete(g.id);
      for (const d of affected) membershipChanged(tenant, d);
      reconcileAll(tenant);
      return noContent();
    },
  },
  ...memberRoutes('members'),
  ...memberRoutes('transitiveMembers'),
  {
    method: 'POST',
    path: 'groups/{id}/members/$ref',
    area: 'directory',
    handle: ({ tenant, call, params }) => {
      const g = find(tenant, params.id!);
      const body = parseBody(RefSchema, call.body, 'directoryObject', 'graph');
      if (isDynamic(g)) throw errors.badRequest('Members of a group with dynamic membership cannot be added manually.');
      const memberId = idFromBind(body['@odata.id']);
      const target = tenant.store.directoryObject(memberId);
      if (!target) throw errors.directoryNotFound(memberId);
      if (memberId === g.id) throw errors.badRequest('A group cannot be a member of itself.');
      if (!addMember(tenant, g, memberId)) {
        throw errors.badRequest("One or more added object references already exist for the following modified properties: 'members'.");
      }
      afterManualChange(tenant, target);
      return noContent();
    },
  },
  {
    method: 'DELETE',
    path: 'groups/{id}/members/{memberId}/$ref',
    area: 'directory',
    handle: ({ tenant, params }) => {
      const g = find(tenant, params.id!);
      if (isDynamic(g)) throw errors.badRequest('Members of a group with dynamic membership cannot be removed manually.');
      const target = tenant.store.directoryObject(params.memberId!);
      if (!removeMember(tenant, g, params.memberId!)) throw errors.directoryNotFound(params.memberId!);
      if (target) afterManualChange(tenant, target);
      return noContent();
    },
  },
  {
    method: 'POST',
    path: 'groups/{id}/checkMemberGroups',
    area: 'directory',
    cost: 4,
    handle: ({ tenant, call, params }) => checkMemberGroups(tenant, call, find(tenant, params.id!).memberOf),
  },
  {
    method: 'POST',
    path: 'groups/{id}/getMemberGroups',
    area: 'directory',
    cost: 4,
    handle: ({ tenant, call, params }) => getMemberGroups(tenant, call, find(tenant, params.id!).memberOf),
  },
];

/** Assigned-group changes take effect at once; profile targeting follows them. */
function afterManualChange(tenant: Tenant, target: NonNullable<ReturnType<Tenant['store']['directoryObject']>>): void {
  if (target.kind === 'device') membershipChanged(tenant, target.value);
  else reconcileAll(tenant);
}
