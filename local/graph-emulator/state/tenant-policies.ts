/**
 * The tenant-wide settings Microsoft's user-driven Entra join tutorial assumes before its step 3
 * (the baseline's preconditions): who may join devices to Microsoft Entra ID, which users Intune's
 * MDM enrollment applies to, and whether the tenant holds Microsoft Entra ID P1 (dynamic groups).
 * The emulator serves them read-only (handlers/tenant-policies.ts); seeds set them.
 */
export type Membership = 'all' | 'selected' | 'none';

export interface TenantPolicies {
  /** deviceRegistrationPolicy.azureADJoin.allowedToJoin: all users, selected users/groups, or nobody. */
  azureADJoinAllowedToJoin: Membership;
  /** Microsoft Intune's mobileDeviceManagementPolicies entry, appliesTo (the portal's "MDM user scope"). */
  mdmUserScope: Membership;
  /** A subscribed SKU carries the AAD_PREMIUM service plan (Microsoft Entra ID P1). */
  entraIdP1: boolean;
}

/** The tutorial's tenant: everyone may join, MDM scope All, an EMS E3 subscription (Entra ID P1 + Intune). */
export function defaultTenantPolicies(): TenantPolicies {
  return { azureADJoinAllowedToJoin: 'all', mdmUserScope: 'all', entraIdP1: true };
}
