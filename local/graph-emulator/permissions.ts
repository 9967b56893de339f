/**
 * Who is calling, and what they may do — as the real service decides it from the token, not from
 * the product's operation catalog (this file never reads it).
 *
 * A caller is read from the bearer token: a JWT (signature not checked) with a `roles` claim is an
 * application holding those app roles (application permissions); one with an `scp` claim is a
 * user's delegated token with those scopes. Any other token (an opaque test token) is an
 * unrestricted caller: it may do everything, so tests that do not care about permissions need no
 * token minting. `npm start` and the permission tests mint role-bearing tokens.
 *
 * Each call needs ONE of the permissions Microsoft's reference page lists for it (application
 * column for apps, delegated column for users): missing all of them, the service answers 403.
 * Sources: the "Permissions" table of each API page on learn.microsoft.com/graph/api —
 * intune-enrollment-importedwindowsautopilotdeviceidentity-*, -windowsautopilotdeviceidentity-*,
 * -windowsautopilotsettings-*, -windowsautopilotdeploymentprofile-*, -deviceenrollmentconfiguration-*,
 * intune-shared-devicemanagement-get, group-get / group-list-transitivemembers / group-post-groups,
 * device-get / device-list, deviceregistrationpolicy-get, mobiledevicemanagementpolicies-list (beta;
 * delegated only: "Application: Not supported"), subscribedsku-list.
 */
import type { GraphCall } from './handlers/types';

export interface Caller {
  kind: 'unrestricted' | 'application' | 'delegated';
  /** App roles (application) or scopes (delegated). */
  permissions: ReadonlySet<string>;
}

export const UNRESTRICTED: Caller = { kind: 'unrestricted', permissions: new Set() };

export function callerOf(token: string): Caller {
  const parts = token.split('.');
  if (parts.length !== 3) return UNRESTRICTED;
  try {
    const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (Array.isArray(claims.roles))
      return { kind: 'application', permissions: new Set(claims.roles.filter((r): r is string => typeof r === 'string')) };
    if (typeof claims.scp === 'string') return { kind: 'delegated', permissions: new Set(claims.scp.split(' ').filter(Boolean)) };
  } catch {
    // Not a JWT after all.
  }
  return UNRESTRICTED;
}

const SC_READ = ['DeviceManagementServiceConfig.Read.All', 'DeviceManagementServiceConfig.ReadWrite.All'];
const SC_WRITE = ['DeviceManagementServiceConfig.ReadWrite.All'];
const CONFIG_READ = ['DeviceManagementConfiguration.Read.All', 'DeviceManagementConfiguration.ReadWrite.All'];
const CONFIG_WRITE = ['DeviceManagementConfiguration.ReadWrite.All'];
const GROUP_READ = [
  'GroupMember.Read.All',
  'Group.Read.All',
  'Directory.Read.All',
  'GroupMember.ReadWrite.All',
  'Group.ReadWrite.All',
  'Directory.ReadWrite.All',
];
const GROUP_CREATE = ['Group.Create', 'Group.ReadWrite.All', 'Directory.ReadWrite.All'];
const GROUP_WRITE = ['Group.ReadWrite.All', 'Directory.ReadWrite.All'];
const MEMBER_WRITE = ['GroupMember.ReadWrite.All', 'Group.ReadWrite.All', 'Directory.ReadWrite.All'];
/** Permissions that can read device objects: without one, device members come back with limited information. */
const DEVICE_READ = ['Device.Read.All', 'Directory.Read.All', 'Device.ReadWrite.All', 'Directory.ReadWrite.All'];
const DEVICE_WRITE = ['Device.ReadWrite.All', 'Directory.ReadWrite.All'];
const DEVICE_MANAGEMENT_READ = [
  'DeviceManagementApps.Read.All',
  'DeviceManagementConfiguration.Read.All',
  'DeviceManagementManagedDevices.Read.All',
  'DeviceManagementRBAC.Read.All',
  'DeviceManagementServiceConfig.Read.All',
  'DeviceManagementApps.ReadWrite.All',
  'DeviceManagementConfiguration.ReadWrite.All',
  'DeviceManagementManagedDevices.ReadWrite.All',
  'DeviceManagementRBAC.ReadWrite.All',
  'DeviceManagementServiceConfig.ReadWrite.All',
];

const DEVICE_REGISTRATION_POLICY_READ = ['Policy.Read.DeviceConfiguration', 'Policy.Read.All', 'Policy.ReadWrite.DeviceConfiguration'];
const MDM_POLICY_READ = ['Policy.Read.All', 'Policy.ReadWrite.MobilityManagement'];
const SKU_READ = [
  'LicenseAssignment.Read.All',
  'Organization.Read.All',
  'Directory.Read.All',
  'Organization.ReadWrite.All',
  'Directory.ReadWrite.All',
];

/** The permissions of which the call needs one; undefined for a path this table does not cover (allowed). */
export function permissionsFor(call: GraphCall, caller?: Caller): readonly string[] | undefined {
  const s = call.segments.map((x) => x.toLowerCase());
  const read = call.method === 'GET';
  if (s[0] === 'policies') {
    if (s[1] === 'deviceregistrationpolicy') return DEVICE_REGISTRATION_POLICY_READ;
    // Delegated only: no application permission opens it.
    if (s[1] === 'mobiledevicemanagementpolicies') return caller?.kind === 'application' ? [] : MDM_POLICY_READ;
    return undefined;
  }
  if (s[0] === 'subscribedskus') return SKU_READ;
  if (s[0] === 'devicemanagement') {
    const set = s[1];
    if (set === undefined) return read ? DEVICE_MANAGEMENT_READ : SC_WRITE;
    if (set === 'importedwindowsautopilotdeviceidentities' || set === 'windowsautopilotdeviceidentities') return read ? SC_READ : SC_WRITE;
    if (set === 'windowsautopilotsettings') return read ? SC_READ : [...SC_WRITE, ...CONFIG_WRITE];
    if (set === 'windowsautopilotdeploymentprofiles') return read ? [...SC_READ, ...CONFIG_READ] : [...SC_WRITE, ...CONFIG_WRITE];
    if (set === 'deviceenrollmentconfigurations') return read ? [...SC_READ, ...CONFIG_READ] : [...SC_WRITE, ...CONFIG_WRITE];
    return read ? SC_READ : SC_WRITE;
  }
  if (s[0] === 'groups') {
    if (read) return GROUP_READ;
    if (s.length === 1) return GROUP_CREATE;
    if (s.includes('members')) return MEMBER_WRITE;
    if (s[2] === 'checkmembergroups' || s[2] === 'getmembergroups') return GROUP_READ;
    return GROUP_WRITE;
  }
  if (s[0] === 'devices') {
    if (read || s[2] === 'checkmembergroups' || s[2] === 'getmembergroups') return DEVICE_READ;
    return DEVICE_WRITE;
  }
  if (s[0] === 'directoryobjects') return [...DEVICE_READ, ...GROUP_READ];
  return undefined;
}

/** Whether the caller holds one of the permissions the call needs. */
export function allows(caller: Caller, needed: readonly string[] | undefined): boolean {
  if (caller.kind === 'unrestricted' || needed === undefined) return true;
  return needed.some((p) => caller.permissions.has(p));
}

/** Whether device objects are readable in full (else a directory read returns them with limited information). */
export function canReadDevices(caller: Caller): boolean {
  return allows(caller, DEVICE_READ);
}
