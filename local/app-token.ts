/**
 * The local stand-in for Entra ID issuing the Function App's token: an (unsigned) JWT carrying the
 * app roles infra grants the managed identity — infra/graph-app-roles.json, generated from the
 * operation catalog — so the Graph emulator enforces on `npm start` exactly the grant Azure would
 * hold. A permission missing from the catalog is then a 403 locally, as it would be in Azure.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/** The app id the local app's calls carry (the emulator's throttling partition and log key). */
export const LOCAL_APP_ID = 'a1a1a1a1-0000-4000-8000-00000000a99e';

const Grant = z.object({ appRoles: z.array(z.string()) });

export function grantedAppRoles(repoRoot: string): string[] {
  return Grant.parse(JSON.parse(readFileSync(join(repoRoot, 'infra', 'graph-app-roles.json'), 'utf8'))).appRoles;
}

/** An app-only token for Microsoft Graph with these roles (`roles` claim, as Entra ID issues them). */
export function appToken(roles: readonly string[], appId: string = LOCAL_APP_ID): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part({ aud: 'https://graph.microsoft.com', appid: appId, idtyp: 'app', roles })}.`;
}
