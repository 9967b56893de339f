import { z } from 'zod';
import { newId } from '../domain/ids';
import { reconcileAll } from '../domain/profiles';
import type { Tenant } from '../domain/tenant';
import { odataType, parseBody } from '../odata/body';
import { errors, type ErrorFlavor } from '../odata/errors';
import type { ODataQuery } from '../odata/query';
import type { JsonObject } from '../serialize/common';
import { autopilotDevice, deploymentProfile, profileAssignment } from '../serialize/intune';
import type { DeploymentProfile, OobeSetting } from '../state/types';
import { AssignmentSchema, toTarget } from './assignments';
import { collection, entity, noContent, project } from './collection';
import type { Route } from './types';

const SET = 'deviceManagement/windowsAutopilotDeploymentProfiles';
const TYPE = 'windowsAutopilotDeploymentProfile';
const beta = { versions: ['beta' as const], missingSegment: 'windowsAutopilotDeploymentProfiles', area: 'intune' as const };

const OobeSchema = z.strictObject({
  ...odataType,
  deviceUsageType: z.enum(['singleUser', 'shared', 'unknownFutureValue']).optional(),
  escapeLinkHidden: z.boolean().optional(),
  eulaHidden: z.boolean().optional(),
  keyboardSelectionPageSkipped: z.boolean().optional(),
  privacySettingsHidden: z.boolean().optional(),
  userType: z.enum(['administrator', 'standard', 'unknownFutureValue']).optional(),
});
const OldOobeSchema = z.strictObject({
  ...odataType,
  deviceUsageType: z.enum(['singleUser', 'shared', 'unknownFutureValue']).optional(),
  hideEscapeLink: z.boolean().optional(),
  hideEULA: z.boolean().optional(),
  hidePrivacySettings: z.boolean().optional(),
  skipKeyboardSelectionPage: z.boolean().optional(),
  userType: z.enum(['administrator', 'standard', 'unknownFutureValue']).optional(),
});
const EssSchema = z.strictObject({
  ...odataType,
  allowDeviceUseBeforeProfileAndAppInstallComplete: z.boolean().optional(),
  allowDeviceUseOnInstallFailure: z.boolean().optional(),
  allowLogCollectionOnInstallFailure: z.boolean().optional(),
  blockDeviceSetupRetryByUser: z.boolean().optional(),
  customErrorMessage: z.string().nullable().optional(),
  hideInstallationProgress: z.boolean().optional(),
  installProgressTimeoutInMinutes: z.number().int().optional(),
});

const ProfileSchema = z.strictObject({
  ...odataType,
  id: z.string().nullable().optional(),
  displayName: z.string().max(200).optional(),
  description: z.string().max(1500).nullable().optional(),
  locale: z.string().nullable().optional(),
  language: z.string().nullable().optional(),
  createdDateTime: z.string().optional(),
  lastModifiedDateTime: z.string().optional(),
  deviceNameTemplate: z.string().nullable().optional(),
  deviceType: z.enum(['windowsPc', 'surfaceHub2', 'holoLens', 'surfaceHub2S', 'virtualMachine', 'unknownFutureValue']).optional(),
  enableWhiteGlove: z.boolean().optional(),
  preprovisioningAllowed: z.boolean().optional(),
  extractHardwareHash: z.boolean().optional(),
  hardwareHashExtractionEnabled: z.boolean().optional(),
  roleScopeTagIds: z.array(z.string()).optional(),
  managementServiceAppId: z.string().nullable().optional(),
  outOfBoxExperienceSetting: OobeSchema.nullable().optional(),
  outOfBoxExperienceSettings: OldOobeSchema.nullable().optional(),
  enrollmentStatusScreenSettings: EssSchema.nullable().optional(),
  hybridAzureADJoinSkipConnectivityCheck: z.boolean().optional(),
});
type ProfileBody = z.infer<typeof ProfileSchema>;

const PROFILE_TYPES = ['azureADWindowsAutopilotDeploymentProfile', 'activeDirectoryWindowsAutopilotDeploymentProfile'] as const;

function profileType(body: ProfileBody, flavor: ErrorFlavor): DeploymentProfile['odataType'] {
  const raw = (body['@odata.type'] ?? '').replace(/^#/, '').replace(/^microsoft\.graph\./, '');
  const found = PROFILE_TYPES.find((t) => t.toLowerCase() === raw.toLowerCase());
  if (!found)
    throw errors.badRequest(
      `A windowsAutopilotDeploymentProfile is abstract; '@odata.type' must be one of ${PROFILE_TYPES.map((t) => `#microsoft.graph.${t}`).join(', ')}.`,
      flavor,
    );
  return found;
}

export function defaultOobe(): OobeSetting {
  return {
    deviceUsageType: 'singleUser',
    escapeLinkHidden: true,
    eulaHidden: false,
    keyboardSelectionPageSkipped: false,
    privacySettingsHidden: false,
    userType: 'standard',
  };
}

/** Applies a create/PATCH body; the newer OOBE shape wins over the deprecated one. */
export function applyProfileBody(p: DeploymentProfile, body: ProfileBody): void {
  if (body.displayName !== undefined) p.displayName = body.displayName;
  if (body.description !== undefined) p.description = body.description;
  if (body.locale !== undefined || body.language !== undefined) p.locale = body.locale ?? body.language ?? null;
  if (body.deviceNameTemplate !== undefined) p.deviceNameTemplate = body.deviceNameTemplate;
  if (body.deviceType !== undefined) p.deviceType = body.deviceType;
  if (body.enableWhiteGlove !== undefined) p.preprovisioningAllowed = body.enableWhiteGlove;
  if (body.preprovisioningAllowed !== undefined) p.preprovisioningAllowed = body.preprovisioningAllowed;
  if (body.extractHardwareHash !== undefined) p.hardwareHashExtractionEnabled = body.extractHardwareHash;
  if (body.hardwareHashExtractionEnabled !== undefined) p.hardwareHashExtractionEnabled = body.hardwareHashExtractionEnabled;
  if (body.roleScopeTagIds !== undefined) p.roleScopeTagIds = body.roleScopeTagIds;
  if (body.managementServiceAppId !== undefined) p.managementServiceAppId = body.managementServiceAppId;
  if (body.hybridAzureADJoinSkipConnectivityCheck !== undefined)
    p.hybridAzureADJoinSkipConnectivityCheck = body.hybridAzureADJoinSkipConnectivityCheck;
  const old = body.outOfBoxExperienceSettings;
  if (old) {
    const o = p.outOfBoxExperienceSetting;
    p.outOfBoxExperienceSetting = {
      deviceUsageType: old.deviceUsageType ?? o.deviceUsageType,
      userType: old.userType ?? o.userType,
      escapeLinkHidden: old.hideEscapeLink ?? o.escapeLinkHidden,
      eulaHidden: old.hideEULA ?? o.eulaHidden,
      privacySettingsHidden: old.hidePrivacySettings ?? o.privacySettingsHidden,
      keyboardSelectionPageSkipped: old.skipKeyboardSelectionPage ?? o.keyboardSelectionPageSkipped,
    };
  }
  const now = body.outOfBoxExperienceSetting;
  if (now) {
    const o = p.outOfBoxExperienceSetting;
    p.outOfBoxExperienceSetting = {
      deviceUsageType: now.deviceUsageType ?? o.deviceUsageType,
      userType: now.userType ?? o.userType,
      escapeLinkHidden: now.escapeLinkHidden ?? o.escapeLinkHidden,
      eulaHidden: now.eulaHidden ?? o.eulaHidden,
      privacySettingsHidden: now.privacySettingsHidden ?? o.privacySettingsHidden,
      keyboardSelectionPageSkipped: now.keyboardSelectionPageSkipped ?? o.keyboardSelectionPageSkipped,
    };
  }
  if (body.enrollmentStatusScreenSettings !== undefined) {
    const e = body.enrollmentStatusScreenSettings;
    p.enrollmentStatusScreenSettings = e
      ? {
          allowDeviceUseBeforeProfileAndAppInstallComplete: e.allowDeviceUseBeforeProfileAndAppInstallComplete ?? false,
          allowDeviceUseOnInstallFailure: e.allowDeviceUseOnInstallFailure ?? false,
          allowLogCollectionOnInstallFailure: e.allowLogCollectionOnInstallFailure ?? false,
          blockDeviceSetupRetryByUser: e.blockDeviceSetupRetryByUser ?? false,
          customErrorMessage: e.customErrorMessage ?? null,
          hideInstallationProgress: e.hideInstallationProgress ?? false,
          installProgressTimeoutInMinutes: e.installProgressTimeoutInMinutes ?? 60,
        }
      : null;
  }
}

export function newProfile(id: string, odataType: DeploymentProfile['odataType'], at: number): DeploymentProfile {
  return {
    id,
    odataType,
    displayName: '',
    description: null,
    deviceNameTemplate: null,
    deviceType: 'windowsPc',
    locale: 'os-default',
    managementServiceAppId: null,
    preprovisioningAllowed: false,
    hardwareHashExtractionEnabled: false,
    roleScopeTagIds: ['0'],
    outOfBoxExperienceSetting: defaultOobe(),
    enrollmentStatusScreenSettings: null,
    hybridAzureADJoinSkipConnectivityCheck: false,
    createdDateTime: at,
    lastModifiedDateTime: at,
    assignments: new Map(),
  };
}

function find(tenant: Tenant, id: string): DeploymentProfile {
  const p = tenant.store.profiles.get(id);
  if (!p) throw errors.intuneNotFound('WindowsAutopilotDeploymentProfile', id);
  return p;
}

function serializer(query: ODataQuery, flavor: ErrorFlavor) {
  let withAssignments = false;
  for (const e of query.expand ?? []) {
    if (e.toLowerCase() === 'assignments') withAssignments = true;
    else if (e.toLowerCase() === 'assigneddevices') throw errors.notImplemented('GET', `$expand=${e} on deployment profiles`);
    else throw errors.badRequest(`Could not find a property named '${e}' on type 'microsoft.graph.${TYPE}'.`, flavor);
  }
  return (p: DeploymentProfile): JsonObject => {
    const out = project(deploymentProfile(p), query.select, TYPE, flavor);
    if (withAssignments) out.assignments = [...p.assignments.values()].map(profileAssignment);
    return out;
  };
}

export const profileRoutes: Route[] = [
  {
    ...beta,
    method: 'GET',
    path: SET,
    honours: ['expand', 'filter'],
    handle: ({ tenant, call, query, flavor }) => {
      if (query.filter) throw errors.badRequest('An error has occurred', flavor);
      return collection(
        { collection: tenant.store.profiles },
        {
          call,
          query: { ...query, select: undefined },
          flavor,
          contextFragment: SET,
          typeName: TYPE,
          serialize: serializer(query, flavor),
          defaultPageSize: 1000,
          maxPageSize: 1000,
        },
      );
    },
  },
  {
    ...beta,
    method: 'POST',
    path: SET,
    handle: ({ tenant, call, flavor }) => {
      const body = parseBody(ProfileSchema, call.body, TYPE, flavor);
      if (!body.displayName) throw errors.badRequest("The property 'displayName' is required.", flavor);
      const p = newProfile(newId(), profileType(body, flavor), tenant.clock.now());
      applyProfileBody(p, body);
      tenant.store.profiles.set(p.id, p);
      return entity(call, SET, deploymentProfile(p), 201);
    },
  },
  {
    ...beta,
    method: 'GET',
    path: `${SET}/{id}`,
    honours: ['expand'],
    handle: ({ tenant, call, params, query, flavor }) => entity(call, SET, serializer(query, flavor)(find(tenant, params.id!))),
  },
  {
    ...beta,
    method: 'PATCH',
    path: `${SET}/{id}`,
    handle: ({ tenant, call, params, flavor }) => {
      const p = find(tenant, params.id!);
      const body = parseBody(ProfileSchema, call.body, TYPE, flavor);
      applyProfileBody(p, body);
      p.lastModifiedDateTime = tenant.clock.now();
      return entity(call, SET, deploymentProfile(p));
    },
  },
  {
    ...beta,
    method: 'DELETE',
    path: `${SET}/{id}`,
    handle: ({ tenant, params, flavor }) => {
      const p = find(tenant, params.id!);
      if (p.assignments.size > 0)
        throw errors.badRequest('The profile is assigned to groups; remove its assignments before deleting it.', flavor);
      tenant.store.profiles.delete(p.id);
      reconcileAll(tenant);
      return noContent();
    },
  },
  {
    ...beta,
    method: 'GET',
    path: `${SET}/{id}/assignments`,
    handle: ({ tenant, call, params, query, flavor }) =>
      collection(
        { array: [...find(tenant, params.id!).assignments.values()] },
        {
          call,
          query,
          flavor,
          contextFragment: `${SET}('${params.id}')/assignments`,
          typeName: 'windowsAutopilotDeploymentProfileAssignment',
          serialize: profileAssignment,
          defaultPageSize: 1000,
          maxPageSize: 1000,
        },
      ),
  },
  {
    ...beta,
    method: 'POST',
    path: `${SET}/{id}/assignments`,
    handle: ({ tenant, call, params, flavor }) => {
      const p = find(tenant, params.id!);
      const body = parseBody(AssignmentSchema, call.body, 'windowsAutopilotDeploymentProfileAssignment', flavor);
      const target = toTarget(body.target, flavor);
      const id = 'groupId' in target ? `${p.id}_${target.groupId}` : `${p.id}_${target.kind}`;
      const assignment = { id, target, source: body.source ?? ('direct' as const), sourceId: body.sourceId ?? null };
      p.assignments.set(id, assignment);
      reconcileAll(tenant);
      return entity(call, `${SET}('${p.id}')/assignments`, profileAssignment(assignment), 201);
    },
  },
  {
    ...beta,
    method: 'GET',
    path: `${SET}/{id}/assignments/{assignmentId}`,
    handle: ({ tenant, call, params }) => {
      const a = find(tenant, params.id!).assignments.get(params.assignmentId!);
      if (!a) throw errors.intuneNotFound('WindowsAutopilotDeploymentProfileAssignment', params.assignmentId!);
      return entity(call, `${SET}('${params.id}')/assignments`, profileAssignment(a));
    },
  },
  {
    ...beta,
    method: 'DELETE',
    path: `${SET}/{id}/assignments/{assignmentId}`,
    handle: ({ tenant, params }) => {
      if (!find(tenant, params.id!).assignments.delete(params.assignmentId!))
        throw errors.intuneNotFound('WindowsAutopilotDeploymentProfileAssignment', params.assignmentId!);
      reconcileAll(tenant);
      return noContent();
    },
  },
  {
    ...beta,
    method: 'GET',
    path: `${SET}/{id}/assignedDevices`,
    handle: ({ tenant, call, params, query, flavor }) => {
      const p = find(tenant, params.id!);
      // Ids paged, devices looked up for the page only (the store keeps the index and autopilotAll
      // in step): resolving the whole assignment for every page made a 100,000-device walk quadratic.
      const ids = [...(tenant.store.profileDevices.get(p.id) ?? [])];
      return collection(
        { array: ids },
        {
          call,
          query,
          flavor,
          contextFragment: `${SET}('${p.id}')/assignedDevices`,
          typeName: 'windowsAutopilotDeviceIdentity',
          serialize: (id) => autopilotDevice(tenant.store.autopilotAll.get(id)!, 'beta'),
          defaultPageSize: 1000,
          maxPageSize: 1000,
        },
      );
    },
  },
  {
    ...beta,
    method: 'POST',
    path: `${SET}/{id}/assign`,
    retired: '403 FeatureNotEnabled (jseerden/IntuneBackupAndRestore; Microsoft365DSC/Microsoft365DSC#3892)',
    // The documented `assign` action (body `{"deviceIds":[…]}`) is dead on the real service: it
    // answers 403 FeatureNotEnabled to a caller holding every documented permission
    // (jseerden/IntuneBackupAndRestore Public/Invoke-IntuneRestoreAutopilotDeploymentProfileAssignment.ps1,
    // its FIXME "403 Forbidden - FeatureNotEnabled"); "the action assign doesn't exist anymore"
    // (Microsoft365DSC/Microsoft365DSC#3892); profiles are assigned with POST …/assignments
    // (microsoftgraph/microsoft-graph-docs#8833). Nothing changes, whatever the body; an unknown
    // profile is still a 404, as for every other call on a profile id.
    handle: ({ tenant, params }) => {
      find(tenant, params.id!);
      throw errors.featureNotEnabled();
    },
  },
];
