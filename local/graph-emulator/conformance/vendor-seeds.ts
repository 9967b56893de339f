/**
 * What the vendored subset must cover: every request path the emulator serves (its routing table)
 * and every Graph call the product makes (GRAPH_OPERATIONS). Read from the code, so a route or an
 * operation added later changes what vendoring keeps (and the up-to-date test notices).
 */
import { GRAPH_OPERATIONS, type GraphOperation } from '../../../shared/graph/operations';
import { ROUTES } from '../router';
import type { GraphVersion } from './schema-model';
import type { SeedRequest } from './subset';

const ALL_VERSIONS: readonly GraphVersion[] = ['v1.0', 'beta'];

export function productOperations(version: GraphVersion): SeedRequest[] {
  const operations: readonly GraphOperation[] = Object.values(GRAPH_OPERATIONS);
  return operations.filter((op) => op.version === version).map((op) => ({ method: op.method, path: op.path }));
}

export function emulatorRequests(version: GraphVersion): SeedRequest[] {
  return ROUTES.filter((route) => (route.versions ?? ALL_VERSIONS).includes(version)).map((route) => ({
    method: route.method,
    path: `/${route.path}`,
  }));
}
