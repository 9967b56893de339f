/**
 * The local stand-in for an administrator's delegated sign-in (`az login` in real use): an unsigned
 * JWT whose `scp` claim carries delegated scopes, as Entra ID issues them. The Graph emulator tells
 * it apart from the Function App's app-only token (`roles`) and enforces the delegated column of
 * each call's permission table — so `npm run baseline` locally runs as an admin, not as the app.
 */
export const LOCAL_ADMIN_APP_ID = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';

/** The read-only precondition checks (shared/baseline/preconditions.ts): join policy, MDM scope, licences. */
export const PRECONDITION_SCOPES = ['Policy.Read.DeviceConfiguration', 'Policy.Read.All', 'LicenseAssignment.Read.All'] as const;

/** What `npm run baseline -- apply` needs (docs/PERMISSIONS.md, "Baseline"). */
export const ADMIN_APPLY_SCOPES = [
  'DeviceManagementServiceConfig.ReadWrite.All',
  'Group.ReadWrite.All',
  'Device.Read.All',
  ...PRECONDITION_SCOPES,
] as const;
/** What `plan` (read-only drift) needs; Device.Read.All for the blast radius (group members' deviceIds). */
export const ADMIN_PLAN_SCOPES = [
  'DeviceManagementServiceConfig.Read.All',
  'GroupMember.Read.All',
  'Device.Read.All',
  ...PRECONDITION_SCOPES,
] as const;

export function delegatedToken(scopes: readonly string[], appId: string = LOCAL_ADMIN_APP_ID): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part({ aud: 'https://graph.microsoft.com', appid: appId, idtyp: 'user', scp: scopes.join(' ') })}.`;
}
