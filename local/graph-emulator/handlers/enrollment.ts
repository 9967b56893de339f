import { z } from 'zod';
import { newId } from '../domain/ids';
import { defaultEspSettings, type Tenant } from '../domain/tenant';
import { odataType, parseBody } from '../odata/body';
import { errors, type ErrorFlavor } from '../odata/errors';
import type { ODataQuery } from '../odata/query';
import type { ApiVersion, JsonObject } from '../serialize/common';
import { enrollmentAssignment, enrollmentConfiguration } from '../serialize/intune';
import type { EnrollmentConfiguration, EspSettings } from '../state/types';
import { AssignmentSchema, toTarget } from './assignments';
import { collection, entity, noContent, project } from './collection';
import { dependentSettingsError } from './esp-rules';
import type { Route } from './types';

const SET = 'deviceManagement/deviceEnrollmentConfigurations';
const TYPE = 'deviceEnrollmentConfiguration';
const ESP_TYPE = 'windows10EnrollmentCompletionPageConfiguration';
export const MAX_CUSTOM_ESPS = 50;

const base = {
  ...odataType,
  id: z.string().nullable().optional(),
  displayName: z.string().nullable().optional(),
  description: z.string().nullable().optional(),
  priority: z.number().int().optional(),
  createdDateTime: z.string().optional(),
  lastModifiedDateTime: z.string().optional(),
  version: z.number().int().optional(),
};
const V1Schema = z.strictObject({ ...base, allowNonBlockingAppInstallation: z.boolean().optional() });
const BetaSchema = z.strictObject({
  ...base,
  roleScopeTagIds: z.array(z.string()).optional(),
  deviceEnrollmentConfigurationType: z.string().optional(),
  allowDeviceResetOnInstallFailure: z.boolean().optional(),
  allowDeviceUseOnInstallFailure: z.boolean().optional(),
  allowLogCollectionOnInstallFailure: z.boolean().optional(),
  allowNonBlockingAppInstallation: z.boolean().optional(),
  blockDeviceSetupRetryByUser: z.boolean().optional(),
  customErrorMessage: z.string().max(10_000).nullable().optional(),
  disableUserStatusTrackingAfterFirstUser: z.boolean().optional(),
  installProgressTimeoutInMinutes: z.number().int().optional(),
  installQualityUpdates: z.boolean().optional(),
  selectedMobileAppIds: z.array(z.string()).max(100).optional(),
  showInstallationProgress: z.boolean().optional(),
  trackInstallProgressForAutopilotOnly: z.boolean().optional(),
});
type BetaBody = z.infer<typeof BetaSchema>;

function parseConfig(version: ApiVersion, body: unknown, flavor: ErrorFlavor): BetaBody {
  return version === 'v1.0' ? parseBody(V1Schema, body, ESP_TYPE, flavor) : parseBody(BetaSchema, body, ESP_TYPE, flavor);
}

/**
 * Applies a create/PATCH body. The settings the ESP would end up with are checked first
 * (`esp-rules.ts`); a refused body changes nothing. `flavor` is absent for seeds, which are trusted.
 */
export function applyEspBody(
  c: EnrollmentConfiguration,
  body: Partial<EspSettings> & { displayName?: string | null; description?: string | null; roleScopeTagIds?: string[] },
  flavor?: ErrorFlavor,
): void {
  const next = { ...c.settings } as unknown as Record<string, unknown>;
  for (const key of Object.keys(defaultEspSettings()) as (keyof EspSettings)[]) {
    if (body[key] !== undefined) next[key] = body[key];
  }
  const refused = flavor ? dependentSettingsError(next as unknown as EspSettings) : undefined;
  if (refused && flavor) throw errors.badRequest(refused, flavor);
  if (body.displayName != null) c.displayName = body.displayName;
  if (body.description !== undefined) c.description = body.description;
  if (body.roleScopeTagIds !== undefined) c.roleScopeTagIds = body.roleScopeTagIds;
  c.settings = next as unknown as EspSettings;
}

function find(tenant: Tenant, id: string): EnrollmentConfiguration {
  const c = tenant.store.enrollmentConfigurations.get(id);
  if (!c) throw errors.intuneNotFound('DeviceEnrollmentConfiguration', id);
  return c;
}

/** Custom ESPs hold priorities 1..n without gaps; moving one shifts the others. */
export function renumber(tenant: Tenant, moved?: { config: EnrollmentConfiguration; priority: number }): void {
  const custom = [...tenant.store.enrollmentConfigurations.values()]
    .filter((c) => !c.isDefault && c !== moved?.config)
    .sort((a, b) => a.priority - b.priority);
  if (moved) custom.splice(Math.min(Math.max(moved.priority, 1), custom.length + 1) - 1, 0, moved.config);
  custom.forEach((c, i) => (c.priority = i + 1));
}

function serializer(version: ApiVersion, query: ODataQuery, flavor: ErrorFlavor) {
  let withAssignments = false;
  for (const e of query.expand ?? []) {
    if (e.toLowerCase() === 'assignments') withAssignments = true;
    else throw errors.badRequest(`Could not find a property named '${e}' on type 'microsoft.graph.${TYPE}'.`, flavor);
  }
  return (c: EnrollmentConfiguration): JsonObject => {
    const out = project(enrollmentConfiguration(c, version), query.select, TYPE, flavor);
    if (withAssignments) out.assignments = [...c.assignments.values()].map((a) => enrollmentAssignment(a, version));
    return out;
  };
}

/** Beta supports `deviceEnrollmentConfigurationType eq '…'` (used by tooling); `isof` and the rest are 400s. */
function typeFilter(version: ApiVersion, query: ODataQuery, flavor: ErrorFlavor): ((c: EnrollmentConfiguration) => boolean) | undefined {
  if (!query.filter) return undefined;
  const [clause, ...rest] = query.filter;
  if (
    version === 'beta' &&
    rest.length === 0 &&
    clause?.kind === 'eq' &&
    clause.property.toLowerCase() === 'deviceenrollmentconfigurationtype'
  ) {
    const wanted = clause.value.toLowerCase();
    // Every ESP, the built-in one included, has the ordinary type (see serialize/intune.ts).
    return () => wanted === 'windows10enrollmentcompletionpageconfiguration';
  }
  throw errors.badRequest('An error has occurred', flavor);
}

const AssignActionSchema = z.strictObject({ enrollmentConfigurationAssignments: z.array(AssignmentSchema) });

export const enrollmentRoutes: Route[] = [
  {
    method: 'GET',
    path: SET,
    area: 'intune',
    honours: ['expand', 'filter'],
    handle: ({ tenant, call, query, flavor }) => {
      const accept = typeFilter(call.version, query, flavor);
      return collection(
        { collection: tenant.store.enrollmentConfigurations, ...(accept ? { accept } : {}) },
        {
          call,
          query: { ...query, select: undefined },
          flavor,
          contextFragment: SET,
          typeName: TYPE,
          serialize: serializer(call.version, query, flavor),
          defaultPageSize: 1000,
          maxPageSize: 1000,
        },
      );
    },
  },
  {
    method: 'POST',
    path: SET,
    area: 'intune',
    handle: ({ tenant, call, flavor }) => {
      const body = parseConfig(call.version, call.body, flavor);
      const type = (body['@odata.type'] ?? '').replace(/^#/, '').replace(/^microsoft\.graph\./, '');
      if (type !== ESP_TYPE) {
        throw errors.notImplemented('POST', `${SET} with @odata.type '${body['@odata.type'] ?? '(none)'}' (only ${ESP_TYPE} is emulated)`);
      }
      if (!body.displayName) throw errors.badRequest("The property 'displayName' is required.", flavor);
      const customs = [...tenant.store.enrollmentConfigurations.values()].filter((c) => !c.isDefault).length;
      if (customs >= MAX_CUSTOM_ESPS)
        throw errors.badRequest(
          `A tenant can have at most ${MAX_CUSTOM_ESPS} Enrollment Status Page profiles besides the default.`,
          flavor,
        );
      const now = tenant.clock.now();
      const config: EnrollmentConfiguration = {
        id: `${newId()}_Windows10EnrollmentCompletionPageConfiguration`,
        isDefault: false,
        displayName: '',
        description: null,
        priority: customs + 1,
        version: 1,
        roleScopeTagIds: ['0'],
        createdDateTime: now,
        lastModifiedDateTime: now,
        settings: defaultEspSettings(),
        assignments: new Map(),
      };
      applyEspBody(config, body, flavor);
      tenant.store.enrollmentConfigurations.set(config.id, config);
      return entity(call, SET, enrollmentConfiguration(config, call.version), 201);
    },
  },
  {
    method: 'GET',
    path: `${SET}/{id}`,
    area: 'intune',
    honours: ['expand'],
    handle: ({ tenant, call, params, query, flavor }) =>
      entity(call, SET, serializer(call.version, query, flavor)(find(tenant, params.id!))),
  },
  {
    method: 'PATCH',
    path: `${SET}/{id}`,
    area: 'intune',
    handle: ({ tenant, call, params, flavor }) => {
      const c = find(tenant, params.id!);
      const body = parseConfig(call.version, call.body, flavor);
      if (body.priority !== undefined && body.priority !== c.priority)
        throw errors.badRequest('Use the setPriority action to change a priority.', flavor);
      applyEspBody(c, body, flavor);
      c.version++;
      c.lastModifiedDateTime = tenant.clock.now();
      return entity(call, SET, enrollmentConfiguration(c, call.version));
    },
  },
  {
    method: 'DELETE',
    path: `${SET}/{id}`,
    area: 'intune',
    handle: ({ tenant, params, flavor }) => {
      const c = find(tenant, params.id!);
      if (c.isDefault) throw errors.badRequest('The default enrollment configuration cannot be deleted.', flavor);
      tenant.store.enrollmentConfigurations.delete(c.id);
      renumber(tenant);
      return noContent();
    },
  },
  {
    method: 'POST',
    path: `${SET}/{id}/assign`,
    area: 'intune',
    handle: ({ tenant, call, params, flavor }) => {
      const c = find(tenant, params.id!);
      const body = parseBody(AssignActionSchema, call.body, 'enrollmentConfigurationAssignment', flavor, 'assign');
      if (c.isDefault)
        throw errors.badRequest('The default enrollment configuration applies to all users and devices; it cannot be assigned.', flavor);
      // assign replaces the whole set of assignments.
      c.assignments = new Map(
        body.enrollmentConfigurationAssignments.map((a) => {
          const target = toTarget(a.target, flavor);
          const id = `${c.id}_${'groupId' in target ? target.groupId : target.kind}`;
          return [id, { id, target, source: a.source ?? 'direct', sourceId: a.sourceId ?? null }];
        }),
      );
      return noContent();
    },
  },
  {
    method: 'POST',
    path: `${SET}/{id}/setPriority`,
    area: 'intune',
    handle: ({ tenant, call, params, flavor }) => {
      const c = find(tenant, params.id!);
      const body = parseBody(z.strictObject({ priority: z.number().int() }), call.body, TYPE, flavor, 'setPriority');
      if (c.isDefault) throw errors.badRequest('The priority of the default enrollment configuration cannot be changed.', flavor);
      if (body.priority < 1)
        throw errors.badRequest(`Priority ${body.priority} is invalid; custom configurations use 1 and above.`, flavor);
      renumber(tenant, { config: c, priority: body.priority });
      return noContent();
    },
  },
  {
    method: 'GET',
    path: `${SET}/{id}/assignments`,
    area: 'intune',
    handle: ({ tenant, call, params, query, flavor }) =>
      collection(
        { array: [...find(tenant, params.id!).assignments.values()] },
        {
          call,
          query,
          flavor,
          contextFragment: `${SET}('${params.id}')/assignments`,
          typeName: 'enrollmentConfigurationAssignment',
          serialize: (a) => enrollmentAssignment(a, call.version),
          defaultPageSize: 1000,
          maxPageSize: 1000,
        },
      ),
  },
  {
    method: 'POST',
    path: `${SET}/{id}/assignments`,
    area: 'intune',
    handle: ({ tenant, call, params, flavor }) => {
      const c = find(tenant, params.id!);
      const body = parseBody(
        call.version === 'v1.0' ? AssignmentSchema.omit({ source: true, sourceId: true }) : AssignmentSchema,
        call.body,
        'enrollmentConfigurationAssignment',
        flavor,
      );
      const target = toTarget(body.target, flavor);
      const id = `${c.id}_${'groupId' in target ? target.groupId : target.kind}`;
      const assignment = { id, target, source: 'direct' as const, sourceId: null };
      c.assignments.set(id, assignment);
      return entity(call, `${SET}('${c.id}')/assignments`, enrollmentAssignment(assignment, call.version), 201);
    },
  },
  {
    method: 'GET',
    path: `${SET}/{id}/assignments/{assignmentId}`,
    area: 'intune',
    handle: ({ tenant, call, params }) => {
      const a = find(tenant, params.id!).assignments.get(params.assignmentId!);
      if (!a) throw errors.intuneNotFound('EnrollmentConfigurationAssignment', params.assignmentId!);
      return entity(call, `${SET}('${params.id}')/assignments`, enrollmentAssignment(a, call.version));
    },
  },
  {
    method: 'DELETE',
    path: `${SET}/{id}/assignments/{assignmentId}`,
    area: 'intune',
    handle: ({ tenant, params }) => {
      if (!find(tenant, params.id!).assignments.delete(params.assignmentId!))
        throw errors.intuneNotFound('EnrollmentConfigurationAssignment', params.assignmentId!);
      return noContent();
    },
  },
];
