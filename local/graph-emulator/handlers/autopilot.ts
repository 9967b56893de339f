import { z } from 'zod';
import { updateDeviceProperties } from '../domain/registration';
import { startSync } from '../domain/sync';
import { odataType, parseBody } from '../odata/body';
import { errors, GraphError, type ErrorFlavor } from '../odata/errors';
import type { ODataQuery } from '../odata/query';
import type { ApiVersion, JsonObject } from '../serialize/common';
import { autopilotDevice, autopilotSettings, deploymentProfile } from '../serialize/intune';
import type { Tenant } from '../domain/tenant';
import type { AutopilotDevice } from '../state/types';
import { collection, countText, entity, noContent, project } from './collection';
import type { Route } from './types';

const SET = 'deviceManagement/windowsAutopilotDeviceIdentities';
const TYPE = 'windowsAutopilotDeviceIdentity';
const NAVS = ['deploymentProfile', 'intendedDeploymentProfile'] as const;

function find(tenant: Tenant, id: string): AutopilotDevice {
  const ap = tenant.store.autopilotAll.get(id);
  // Registrations that no sync has published yet are not readable, as in the service.
  if (!ap || !ap.visible) throw errors.intuneNotFound('WindowsAutopilotDeviceIdentity', id);
  return ap;
}

function expansions(query: ODataQuery, version: ApiVersion, flavor: ErrorFlavor): Set<(typeof NAVS)[number]> {
  const out = new Set<(typeof NAVS)[number]>();
  for (const name of query.expand ?? []) {
    const nav = NAVS.find((n) => n.toLowerCase() === name.toLowerCase());
    if (!nav || version === 'v1.0')
      throw errors.badRequest(`Could not find a property named '${name}' on type 'microsoft.graph.${TYPE}'.`, flavor);
    out.add(nav);
  }
  return out;
}

function serializer(tenant: Tenant, version: ApiVersion, expand: Set<(typeof NAVS)[number]>, query: ODataQuery, flavor: ErrorFlavor) {
  return (ap: AutopilotDevice): JsonObject => {
    const out = project(autopilotDevice(ap, version), query.select, TYPE, flavor);
    for (const nav of expand) {
      const id = nav === 'deploymentProfile' ? ap.profileId : ap.intendedProfileId;
      const profile = id ? tenant.store.profiles.get(id) : undefined;
      out[nav] = profile ? deploymentProfile(profile) : null;
    }
    return out;
  };
}

/**
 * `contains(serialNumber,'…')` is the one filter the service supports here; `eq` on serialNumber
 * is a 400, and so is a contains with a hyphen (both reported, graph-api reference §3.3).
 */
function serialFilter(tenant: Tenant, query: ODataQuery, flavor: ErrorFlavor): AutopilotDevice[] | undefined {
  if (!query.filter) return undefined;
  const [clause, ...rest] = query.filter;
  if (rest.length === 0 && clause && clause.kind === 'contains' && clause.property.toLowerCase() === 'serialnumber') {
    if (clause.value.includes('-')) throw errors.badRequest('An error has occurred', flavor);
    return tenant.store.autopilotSerialContains(clause.value);
  }
  throw errors.badRequest('An error has occurred', flavor);
}

const AssignUserSchema = z.strictObject({
  userPrincipalName: z.string().nullable().optional(),
  addressableUserName: z.string().nullable().optional(),
});
const UpdatePropsSchema = z.strictObject({
  userPrincipalName: z.string().nullable().optional(),
  addressableUserName: z.string().nullable().optional(),
  groupTag: z.string().nullable().optional(),
  displayName: z.string().nullable().optional(),
});
const NoBody = z.union([z.undefined(), z.null(), z.strictObject({ ...odataType })]);

export const autopilotRoutes: Route[] = [
  {
    method: 'GET',
    path: SET,
    area: 'intune',
    honours: ['expand', 'filter'],
    handle: ({ tenant, call, query, flavor }) => {
      // The list answers any $select with a 500 InternalServerError, on v1.0 and beta, with any
      // property set: microsoft-graph-docs-contrib#5193 (2020), #2756 (2021, the raw body),
      // ugurkocde/DeviceOffboardingManager#65 (2026-07, "any property combination"). A single
      // registration by id is not reported to fail that way and keeps honouring it.
      if (query.select) throw errors.intuneInternal();
      const expand = expansions(query, call.version, flavor);
      const matches = serialFilter(tenant, query, flavor);
      return collection(matches ? { array: matches } : { collection: tenant.store.autopilotVisible }, {
        call,
        query: { ...query, select: undefined },
        flavor,
        contextFragment: SET,
        typeName: TYPE,
        serialize: serializer(tenant, call.version, expand, query, flavor),
        defaultPageSize: 1000,
        maxPageSize: 1000,
      });
    },
  },
  { method: 'GET', path: `${SET}/$count`, area: 'intune', handle: ({ tenant }) => countText(tenant.store.autopilotVisible.size) },
  {
    method: 'GET',
    path: `${SET}/{id}`,
    area: 'intune',
    honours: ['expand'],
    handle: ({ tenant, call, params, query, flavor }) => {
      const ap = find(tenant, params.id!);
      return entity(call, SET, serializer(tenant, call.version, expansions(query, call.version, flavor), query, flavor)(ap));
    },
  },
  {
    method: 'GET',
    path: `${SET}/{id}/deploymentProfile`,
    versions: ['beta'],
    missingSegment: 'deploymentProfile',
    area: 'intune',
    handle: ({ tenant, call, params }) => navProfile(tenant, call.origin, find(tenant, params.id!).profileId),
  },
  {
    method: 'GET',
    path: `${SET}/{id}/intendedDeploymentProfile`,
    versions: ['beta'],
    missingSegment: 'intendedDeploymentProfile',
    area: 'intune',
    handle: ({ tenant, call, params }) => navProfile(tenant, call.origin, find(tenant, params.id!).intendedProfileId),
  },
  {
    method: 'DELETE',
    path: `${SET}/{id}`,
    area: 'intune',
    handle: ({ tenant, params }) => {
      find(tenant, params.id!);
      tenant.store.removeAutopilot(params.id!);
      tenant.unpublished.delete(params.id!);
      return noContent();
    },
  },
  {
    method: 'POST',
    path: `${SET}/{id}/assignUserToDevice`,
    area: 'intune',
    handle: ({ tenant, call, params, flavor }) => {
      const body = parseBody(AssignUserSchema, call.body, TYPE, flavor, 'assignUserToDevice');
      const ap = find(tenant, params.id!);
      ap.userPrincipalName = body.userPrincipalName ?? '';
      ap.addressableUserName = body.addressableUserName ?? '';
      return noContent();
    },
  },
  {
    method: 'POST',
    path: `${SET}/{id}/unassignUserFromDevice`,
    area: 'intune',
    handle: ({ tenant, call, params, flavor }) => {
      parseBodyOrEmpty(call.body, flavor, 'unassignUserFromDevice');
      const ap = find(tenant, params.id!);
      ap.userPrincipalName = '';
      ap.addressableUserName = '';
      return noContent();
    },
  },
  {
    method: 'POST',
    path: `${SET}/{id}/updateDeviceProperties`,
    area: 'intune',
    handle: ({ tenant, call, params, flavor }) => {
      const body = parseBody(UpdatePropsSchema, call.body, TYPE, flavor, 'updateDeviceProperties');
      updateDeviceProperties(tenant, find(tenant, params.id!), body);
      return noContent();
    },
  },
  {
    method: 'GET',
    path: 'deviceManagement/windowsAutopilotSettings',
    versions: ['beta'],
    missingSegment: 'windowsAutopilotSettings',
    area: 'intune',
    handle: ({ tenant, call, query, flavor }) =>
      entity(
        call,
        'deviceManagement/windowsAutopilotSettings',
        project(autopilotSettings(tenant.store.autopilotSettings), query.select, 'windowsAutopilotSettings', flavor),
      ),
  },
  {
    method: 'POST',
    path: 'deviceManagement/windowsAutopilotSettings/sync',
    versions: ['beta'],
    missingSegment: 'windowsAutopilotSettings',
    area: 'intune',
    handle: ({ tenant, call, flavor }) => {
      parseBodyOrEmpty(call.body, flavor, 'sync');
      startSync(tenant);
      return noContent();
    },
  },
];

function parseBodyOrEmpty(body: unknown, flavor: ErrorFlavor, action: string): void {
  if (!NoBody.safeParse(body).success) throw new GraphError(400, 'BadRequest', `The operation '${action}' takes no parameters.`, flavor);
}

function navProfile(tenant: Tenant, origin: string, id: string | undefined) {
  const profile = id ? tenant.store.profiles.get(id) : undefined;
  if (!profile) throw errors.intuneNotFound('WindowsAutopilotDeploymentProfile', id ?? 'null');
  return {
    status: 200,
    body: {
      '@odata.context': `${origin}/beta/$metadata#deviceManagement/windowsAutopilotDeploymentProfiles/$entity`,
      ...deploymentProfile(profile),
    },
  };
}
