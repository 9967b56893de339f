import { createHash } from 'node:crypto';
import { normalizeEtag } from '../storage/object-store';

/**
 * One run per blob version: the orchestration instance id is a digest of container, name and
 * ETag, so a redelivered blob event (or the same upload answered twice) maps to the same instance
 * and never starts a second import. The digest keeps ids short and free of characters that
 * instance ids and blob paths reject.
 */
export function runIdFor(container: string, name: string, etag: string): string {
  const digest = createHash('sha256')
    .update(`${container}\n${name}\n${normalizeEtag(etag)}`)
    .digest('hex');
  return `intake-${digest.slice(0, 32)}`;
}

export const RUN_ID_PATTERN = /^intake-[0-9a-f]{32}$/;
