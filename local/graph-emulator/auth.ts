import { createHash } from 'node:crypto';

/**
 * Local mode accepts any non-empty bearer token. The app id (the throttling partition and the log's
 * client key) comes from the token's `appid`/`azp` claim when it is a JWT, else from a fingerprint
 * of the token, so two fake tokens are two apps and a token itself is never logged.
 */
export function bearerToken(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S.*)$/i.exec(header ?? '');
  return m ? m[1]!.trim() : undefined;
}

const cache = new Map<string, string>();

export function appIdOf(token: string): string {
  const hit = cache.get(token);
  if (hit) return hit;
  let appId: string | undefined;
  const parts = token.split('.');
  if (parts.length === 3) {
    try {
      const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
      const claim = claims.appid ?? claims.azp;
      if (typeof claim === 'string' && claim) appId = claim;
    } catch {
      // Not a JWT after all: fall through to the fingerprint.
    }
  }
  appId ??= `token:${createHash('sha256').update(token).digest('hex').slice(0, 12)}`;
  if (cache.size > 10_000) cache.clear();
  cache.set(token, appId);
  return appId;
}
