import { autopilotRoutes } from './handlers/autopilot';
import { deviceManagementRoutes } from './handlers/device-management';
import { deviceRoutes } from './handlers/devices';
import { enrollmentRoutes } from './handlers/enrollment';
import { groupRoutes } from './handlers/groups';
import { importRoutes } from './handlers/imports';
import { profileRoutes } from './handlers/profiles';
import { tenantPolicyRoutes } from './handlers/tenant-policies';
import type { Route } from './handlers/types';
import { errors } from './odata/errors';
import type { ApiVersion } from './serialize/common';

/** Bound actions may be called bare or namespace-qualified; the router only knows the bare name. */
const ACTIONS = new Set([
  'import',
  'sync',
  'assign',
  'setPriority',
  'assignUserToDevice',
  'unassignUserFromDevice',
  'updateDeviceProperties',
  'checkMemberGroups',
  'checkMemberObjects',
  'getMemberGroups',
  'getMemberObjects',
]);

export const ROUTES: Route[] = [
  ...deviceManagementRoutes,
  ...importRoutes,
  ...autopilotRoutes,
  ...profileRoutes,
  ...enrollmentRoutes,
  ...groupRoutes,
  ...deviceRoutes,
  ...tenantPolicyRoutes,
];

interface Compiled {
  route: Route;
  segments: string[];
}

const bySize = new Map<number, Compiled[]>();
for (const route of ROUTES) {
  const segments = route.path.split('/').map((s) => (s.startsWith('{') ? s : s.toLowerCase()));
  const list = bySize.get(segments.length) ?? [];
  list.push({ route, segments });
  bySize.set(segments.length, list);
}

/** Splits a path below the version root into segments, expanding the `devices(deviceId='…')` key. */
export function normalizeSegments(path: string): string[] {
  const out: string[] = [];
  for (const raw of path.split('/')) {
    if (raw === '') continue;
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      throw errors.badRequest(`The path segment '${raw}' is not valid percent-encoding.`);
    }
    const alt = /^devices\(deviceId='(.*)'\)$/i.exec(segment);
    if (alt) {
      out.push('devices', `deviceId=${alt[1]!.replace(/''/g, "'")}`);
      continue;
    }
    const action = /^microsoft\.graph\.(\w+)$/.exec(segment);
    out.push(action && ACTIONS.has(action[1]!) ? action[1]! : segment);
  }
  return out;
}

export type RouteMatch = { route: Route; params: Record<string, string> };

function matchOne(c: Compiled, segments: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const pattern = c.segments[i]!;
    const actual = segments[i]!;
    if (pattern.startsWith('{')) {
      // `$count`, `$ref` and casts are never ids.
      if (actual.startsWith('$') || actual.startsWith('microsoft.graph.')) return undefined;
      params[pattern.slice(1, -1)] = actual;
    } else if (pattern !== actual.toLowerCase()) return undefined;
  }
  return params;
}

/** Finds the route, or throws the service's answer: 400 for a segment this version lacks, 405 for
 * a known path with another method, 501 for a Graph path the emulator does not implement. */
export function route(method: string, version: ApiVersion, segments: string[], path: string): RouteMatch {
  const candidates = bySize.get(segments.length) ?? [];
  let wrongVersion: Route | undefined;
  let wrongMethod = false;
  for (const c of candidates) {
    const params = matchOne(c, segments);
    if (!params) continue;
    if (c.route.versions && !c.route.versions.includes(version)) {
      wrongVersion = c.route;
      continue;
    }
    if (c.route.method !== method) {
      wrongMethod = true;
      continue;
    }
    return { route: c.route, params };
  }
  if (wrongMethod) throw errors.methodNotAllowed(method, path);
  if (wrongVersion) throw errors.segmentNotFound(wrongVersion.missingSegment ?? segments[1] ?? segments[0] ?? '');
  throw errors.notImplemented(method, path);
}
