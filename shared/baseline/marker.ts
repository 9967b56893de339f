/**
 * Which tenant object is which baseline object: a marker at the START of the object's description,
 * `[baseline:<key>] …`. At the start (not the end) because Graph filters group descriptions with
 * `startsWith` (group resource: description "Supports $filter (eq, ne, not, ge, le, startsWith)"),
 * so every managed group is one filtered read, not a walk of the whole directory. Display names are
 * not keys: two objects may share one, and renaming must not lose the object.
 */
export const MARKER_PREFIX = '[baseline:';

export function withMarker(key: string, description: string): string {
  return description ? `${MARKER_PREFIX}${key}] ${description}` : `${MARKER_PREFIX}${key}]`;
}

/** The key a description is marked with, if any. */
export function markerOf(description: string | null | undefined): string | undefined {
  const m = /^\[baseline:([a-z0-9][a-z0-9-]{0,62})\]/.exec(description ?? '');
  return m ? m[1] : undefined;
}
