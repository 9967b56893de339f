/**
 * The tenant-wide settings tutorial steps 1–2 rely on, served read-only as real tenants return them
 * (state/tenant-policies.ts holds what a seed chose):
 *
 * - v1.0 `GET /policies/deviceRegistrationPolicy` — who may Microsoft Entra join devices
 *   (`azureADJoin.allowedToJoin`: `allDeviceRegistrationMembership`,
 *   `enumeratedDeviceRegistrationMembership` {users, groups} or `noDeviceRegistrationMembership`).
 *   Shape and example: learn.microsoft.com/graph/api/deviceregistrationpolicy-get, resource
 *   azureadjoinpolicy; `userDeviceQuota` 50 is the service default (Microsoft365DSC
 *   AADDeviceRegistrationPolicy schema: "The default value is set to 50").
 * - beta `GET /policies/mobileDeviceManagementPolicies` — the MDM apps' auto-enrollment scope
 *   ("MDM user scope": `appliesTo` none / all / selected; resource mobilityManagementPolicy,
 *   learn.microsoft.com/graph/api/mobiledevicemanagementpolicies-list?view=graph-rest-beta). Intune's
 *   entry has the Intune app id `0000000a-0000-0000-c000-000000000000` and its discovery URL.
 * - v1.0 `GET /subscribedSkus` — the tenant's subscriptions and their service plans
 *   (learn.microsoft.com/graph/api/subscribedsku-list). Dynamic membership needs Microsoft Entra ID
 *   P1 ("groups-dynamic-membership": licence requirements), the service plan `AAD_PREMIUM`; the
 *   tutorial's tenant holds EMS E3 (`EMS`), whose plans include `AAD_PREMIUM` and `INTUNE_A`
 *   (learn.microsoft.com/entra/identity/users/licensing-service-plan-reference). Without P1 the
 *   emulator lists an Intune-only subscription (`INTUNE_A_D`, Intune Device).
 */
import { entity, collection } from './collection';
import type { Route } from './types';
import type { JsonObject } from '../serialize/common';
import type { Membership, TenantPolicies } from '../state/tenant-policies';

const MEMBERSHIP_TYPE: Record<Membership, string> = {
  all: '#microsoft.graph.allDeviceRegistrationMembership',
  selected: '#microsoft.graph.enumeratedDeviceRegistrationMembership',
  none: '#microsoft.graph.noDeviceRegistrationMembership',
};

function membership(m: Membership): JsonObject {
  return m === 'selected' ? { '@odata.type': MEMBERSHIP_TYPE[m], users: [], groups: [] } : { '@odata.type': MEMBERSHIP_TYPE[m] };
}

function deviceRegistrationPolicy(p: TenantPolicies): JsonObject {
  return {
    id: 'deviceRegistrationPolicy',
    displayName: 'Device Registration Policy',
    description:
      'Tenant-wide policy that manages initial provisioning controls using quota restrictions, additional authentication and authorization checks',
    userDeviceQuota: 50,
    multiFactorAuthConfiguration: 'notRequired',
    azureADRegistration: { isAdminConfigurable: false, allowedToRegister: membership('all') },
    azureADJoin: {
      isAdminConfigurable: true,
      allowedToJoin: membership(p.azureADJoinAllowedToJoin),
      localAdmins: { enableGlobalAdmins: true, registeringUsers: { '@odata.type': '#microsoft.graph.allDeviceRegistrationMembership' } },
    },
    localAdminPassword: { isEnabled: false },
  };
}

const INTUNE_APP_ID = '0000000a-0000-0000-c000-000000000000';

function mdmPolicies(p: TenantPolicies): JsonObject[] {
  return [
    {
      id: INTUNE_APP_ID,
      appliesTo: p.mdmUserScope,
      complianceUrl: 'https://portal.manage.microsoft.com/?portalAction=Compliance',
      description: null,
      discoveryUrl: 'https://enrollment.manage.microsoft.com/enrollmentserver/discovery.svc',
      displayName: 'Microsoft Intune',
      isValid: true,
      termsOfUseUrl: 'https://portal.manage.microsoft.com/TermsofUse.aspx',
    },
  ];
}

interface Plan {
  name: string;
  id: string;
}
const AAD_PREMIUM: Plan = { name: 'AAD_PREMIUM', id: '41781fb2-bc02-4b7c-bd55-b576c07bb09d' };
const INTUNE_A: Plan = { name: 'INTUNE_A', id: 'c1ec4a95-1f05-45b3-a911-aa3fa01094f5' };

function skus(tenantId: string, p: TenantPolicies): JsonObject[] {
  const sku = (skuId: string, skuPartNumber: string, plans: Plan[]): JsonObject => ({
    accountId: tenantId,
    accountName: 'Contoso',
    appliesTo: 'User',
    capabilityStatus: 'Enabled',
    consumedUnits: 1,
    id: `${tenantId}_${skuId}`,
    prepaidUnits: { enabled: 25, lockedOut: 0, suspended: 0, warning: 0 },
    servicePlans: plans.map((plan) => ({
      servicePlanId: plan.id,
      servicePlanName: plan.name,
      provisioningStatus: 'Success',
      appliesTo: 'User',
    })),
    skuId,
    skuPartNumber,
    subscriptionIds: [`${skuId.slice(0, 8)}-0000-4000-8000-${tenantId.replace(/-/g, '').slice(0, 12).padEnd(12, '0')}`],
  });
  return p.entraIdP1
    ? [sku('efccb6f7-5641-4e0e-bd10-b4976e1bf68e', 'EMS', [AAD_PREMIUM, INTUNE_A])]
    : [sku('2b317a4a-77a6-4188-9437-b68a77b4e2c6', 'INTUNE_A_D', [{ name: 'INTUNE_A_VL', id: '3e170737-c728-4eae-bbb9-3f3360f7184c' }])];
}

export const tenantPolicyRoutes: Route[] = [
  {
    method: 'GET',
    path: 'policies/deviceRegistrationPolicy',
    area: 'directory',
    handle: ({ tenant, call }) => entity(call, 'policies/deviceRegistrationPolicy', deviceRegistrationPolicy(tenant.store.tenantPolicies)),
  },
  {
    method: 'GET',
    path: 'policies/mobileDeviceManagementPolicies',
    versions: ['beta'],
    missingSegment: 'mobileDeviceManagementPolicies',
    area: 'directory',
    handle: ({ tenant, call, query, flavor }) =>
      collection(
        { array: mdmPolicies(tenant.store.tenantPolicies) },
        {
          call,
          query,
          flavor,
          contextFragment: 'policies/mobileDeviceManagementPolicies',
          typeName: 'mobilityManagementPolicy',
          serialize: (p) => p,
          defaultPageSize: 100,
          maxPageSize: 999,
        },
      ),
  },
  {
    method: 'GET',
    path: 'subscribedSkus',
    area: 'directory',
    handle: ({ tenant, call, query, flavor }) =>
      collection(
        { array: skus(tenant.tenantId, tenant.store.tenantPolicies) },
        {
          call,
          query,
          flavor,
          contextFragment: 'subscribedSkus',
          typeName: 'subscribedSku',
          serialize: (s) => s,
          defaultPageSize: 100,
          maxPageSize: 999,
        },
      ),
  },
];
