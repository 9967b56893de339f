/**
 * The app roles an access token carries (its `roles` claim), when it is a JWT: what Entra ID says
 * the app was granted. The signature is not checked — the token is the app's own, read only to
 * report, never to decide access.
 */
import { z } from 'zod';

const Claims = z.object({ roles: z.array(z.string()).optional() }).passthrough();

export function rolesOf(token: string): ReadonlySet<string> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const claims = Claims.safeParse(JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')));
    return claims.success && claims.data.roles ? new Set(claims.data.roles) : undefined;
  } catch {
    return undefined;
  }
}
