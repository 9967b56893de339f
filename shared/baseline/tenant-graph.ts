/**
 * Reading the baseline's part of the tenant through the Graph gateway: the groups carrying a
 * baseline marker (one filtered read) and those named like a baseline group (to adopt them or to
 * refuse a duplicate), every ESP and every deployment profile with their assignments. Each object's
 * raw Graph JSON is kept for the snapshot apply writes first.
 */
import type { GraphGateway, GraphRequestSpec } from '../graph/gateway';
import { GraphContractError } from '../graph/errors';
import { MARKER_PREFIX } from './marker';
import { toEsp, toGroup, toProfile, type ObservedTenant } from './observed';
import type { Baseline } from './schema';

export interface TenantRead {
  tenant: ObservedTenant;
  /** Raw Graph JSON by object id. */
  raw: Map<string, unknown>;
}

const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;

async function list(graph: GraphGateway, spec: GraphRequestSpec): Promise<unknown[]> {
  const result = await graph.listAll(spec);
  if (!result.ok)
    throw new GraphContractError(`${spec.op}: ${result.status} ${result.code} ${result.message}`.trim(), {
      operation: spec.op,
      status: result.status,
      code: result.code,
    });
  return result.items;
}

const idOf = (item: unknown): string => (item as { id: string }).id;

export async function readTenant(graph: GraphGateway, baseline: Baseline): Promise<TenantRead> {
  const raw = new Map<string, unknown>();
  const groups = new Map<string, unknown>();
  const filters = [
    `startsWith(description,${quote(MARKER_PREFIX)})`,
    ...baseline.groups.map((g) => `displayName eq ${quote(g.displayName)}`),
  ];
  for (const filter of filters) for (const item of await list(graph, { op: 'listGroups', query: { filter } })) groups.set(idOf(item), item);
  const esps = await list(graph, { op: 'listEnrollmentConfigurations', query: { expand: ['assignments'] } });
  const profiles = await list(graph, { op: 'listDeploymentProfiles', query: { expand: ['assignments'] } });
  for (const item of [...groups.values(), ...esps, ...profiles]) raw.set(idOf(item), item);
  return {
    raw,
    tenant: {
      groups: [...groups.values()].map(toGroup),
      esps: esps.map(toEsp).filter((e) => e !== undefined),
      profiles: profiles.map(toProfile),
    },
  };
}
