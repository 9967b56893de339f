/**
 * The one door to Microsoft Graph. Requests are built from the operation catalog (operations.ts),
 * sent through @microsoft/microsoft-graph-client (its retry handler honours Retry-After for
 * 429/503/504), and come back as typed results. Transient failures that survive the client's
 * retries are thrown as GraphTransientError; everything else is a value the caller decides on.
 */
import { z } from 'zod';
import { GRAPH_OPERATIONS, type GraphOperation, type GraphOperationName } from './operations';
import {
  GraphContractError,
  GraphPermissionError,
  GraphTransientError,
  isPermissionStatus,
  isTransientStatus,
  parseRetryAfter,
} from './errors';

export interface GraphQuery {
  filter?: string;
  select?: string[];
  expand?: string[];
  top?: number;
}

/** Ids a walk of a tenant-sized list keeps (a Set, a Map's keys, or a union of them without a copy). */
export interface IdSet {
  has(id: string): boolean;
}

export interface GraphRequestSpec {
  op: GraphOperationName;
  params?: Record<string, string>;
  query?: GraphQuery;
  body?: unknown;
}

export type GraphResult =
  { ok: true; status: number; body: unknown } | { ok: false; status: number; code: string; message: string; retryAfterSeconds?: number };

export interface SendOptions {
  /** Statuses that are answers for this call (e.g. 409/429 from sync), not failures to retry. */
  acceptStatuses?: number[];
  /** Turn the client's automatic retries off (e.g. the sync's 429 means "recent sync", not "wait 3 s"). */
  noClientRetry?: boolean;
}

/** The narrow surface activities depend on; tests hand them fakes. */
export interface GraphGateway {
  send(spec: GraphRequestSpec, options?: SendOptions): Promise<GraphResult>;
  /** Sends up to any number of GETs/DELETEs as $batch round trips of at most 20; results in order. */
  batch(specs: GraphRequestSpec[], options?: SendOptions): Promise<GraphResult[]>;
  /** Follows @odata.nextLink until the collection ends (a 404 and the like come back as values). */
  listAll(spec: GraphRequestSpec): Promise<ListResult>;
  /**
   * The same walk, handing each page's items to `onPage` as it arrives and keeping none of them:
   * for collections as large as the tenant, of which the caller needs only a few items. A failure
   * on a later page comes back as a value after earlier pages were handed over. With `from` (an
   * `@odata.nextLink` a $batch answer carried) the walk starts at that page instead of the first.
   */
  forEachPage(
    spec: GraphRequestSpec,
    onPage: (items: unknown[]) => void | Promise<void>,
    options?: { from?: string },
  ): Promise<PagesResult>;
}

export type ListResult = { ok: true; items: unknown[] } | Extract<GraphResult, { ok: false }>;
export type PagesResult = { ok: true; pages: number } | Extract<GraphResult, { ok: false }>;

export const MAX_BATCH = 20;

const ErrorBody = z
  .object({ error: z.object({ code: z.string().optional(), message: z.string().optional() }).passthrough() })
  .passthrough();
const CollectionPage = z.object({ value: z.array(z.unknown()), '@odata.nextLink': z.string().optional() }).passthrough();
const BatchResponse = z.object({
  responses: z.array(
    z.object({
      id: z.string(),
      status: z.number(),
      headers: z.record(z.string(), z.string()).optional(),
      body: z.unknown().optional(),
    }),
  ),
});

export function operationOf(spec: GraphRequestSpec): GraphOperation {
  return GRAPH_OPERATIONS[spec.op];
}

/** Headers a request needs beyond authorization (and Content-Type for a body). */
export function requestHeaders(spec: GraphRequestSpec): Record<string, string> {
  return operationOf(spec).advancedQuery ? { ConsistencyLevel: 'eventual' } : {};
}

/**
 * An advanced query's nextLink must keep `$count=true` (the header is added on every page too); the
 * service's links normally carry the original query, and the parameter is added when one does not.
 */
export function withAdvancedQuery(spec: GraphRequestSpec, relative: string): string {
  if (!operationOf(spec).advancedQuery || /[?&](\$|%24)count=true(&|$)/i.test(relative)) return relative;
  return `${relative}${relative.includes('?') ? '&' : '?'}$count=true`;
}

/** The path of a request, relative to the version root, with parameters encoded and the query. */
export function relativeUrl(spec: GraphRequestSpec): string {
  const op = operationOf(spec);
  const path = op.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = spec.params?.[name];
    if (value === undefined) throw new Error(`Graph operation ${spec.op} needs parameter ${name}`);
    return encodeURIComponent(value);
  });
  const q: string[] = [];
  if (spec.query?.filter) q.push(`$filter=${encodeURIComponent(spec.query.filter)}`);
  if (spec.query?.select?.length) q.push(`$select=${spec.query.select.join(',')}`);
  if (spec.query?.expand?.length) q.push(`$expand=${spec.query.expand.join(',')}`);
  if (spec.query?.top !== undefined) q.push(`$top=${spec.query.top}`);
  if (op.advancedQuery) q.push('$count=true');
  return q.length ? `${path}?${q.join('&')}` : path;
}

export function errorResult(status: number, body: unknown, retryAfter?: string | null, now?: number): GraphResult {
  const parsed = ErrorBody.safeParse(body);
  return {
    ok: false,
    status,
    code: parsed.success ? (parsed.data.error.code ?? `HTTP${status}`) : `HTTP${status}`,
    message: parsed.success ? (parsed.data.error.message ?? '') : typeof body === 'string' ? body.slice(0, 500) : '',
    retryAfterSeconds: parseRetryAfter(retryAfter, now),
  };
}

/**
 * Raises transient failures (to be retried) and permission failures (to stop the run with the fix),
 * returns the rest as values. The same rule applies to a whole request and to each one of a $batch.
 */
export function settle(result: GraphResult, spec: GraphRequestSpec, options?: SendOptions): GraphResult {
  if (result.ok || options?.acceptStatuses?.includes(result.status)) return result;
  const op = operationOf(spec);
  if (isPermissionStatus(result.status)) throw permissionError(spec.op, op, result);
  if (isTransientStatus(result.status)) {
    throw new GraphTransientError(
      `${op.method} ${op.path} failed with ${result.status} ${result.code}`,
      result.status,
      result.retryAfterSeconds,
    );
  }
  return result;
}

/** 401: the token is refused; 403: the identity lacks an app role (or an Intune licence/role). */
export function permissionError(
  name: GraphOperationName,
  op: GraphOperation,
  result: Extract<GraphResult, { ok: false }>,
): GraphPermissionError {
  const needed = op.permissions.join(' and ');
  const what = `${op.method} ${op.version}${op.path} (${name})`;
  if (op.identity === 'admin')
    return new GraphPermissionError({
      kind: result.status === 401 ? 'auth' : 'permission',
      operation: name,
      status: result.status === 401 ? 401 : 403,
      code: result.code,
      message: `Microsoft Graph ${result.status === 401 ? 'refused the token' : 'denied'} ${what} (${result.code}); it needs the delegated permission ${needed}.`,
      fix: `Sign in as an administrator (\`az login\`) whose token carries the delegated permission ${needed} (docs/PERMISSIONS.md, "Baseline"); plan needs only the read permissions. Never use the Function App's managed identity for the baseline.`,
    });
  if (result.status === 401) {
    return new GraphPermissionError({
      kind: 'auth',
      operation: name,
      status: 401,
      code: result.code,
      message: `Microsoft Graph refused the app's token for ${what}: ${result.code}${result.message ? ` — ${result.message.slice(0, 300)}` : ''}`,
      fix: "Check GRAPH_AUTH and AZURE_CLIENT_ID: the token must come from the Function App's managed identity for the audience https://graph.microsoft.com, in the tenant that holds the devices (`npm run doctor` shows which identity is used).",
    });
  }
  return new GraphPermissionError({
    kind: 'permission',
    operation: name,
    status: 403,
    code: result.code,
    message: `Microsoft Graph denied ${what} (${result.code}); it needs the application permission ${needed}.`,
    fix: `Grant the Function App's managed identity the Microsoft Graph application permission${op.permissions.length > 1 ? 's' : ''} ${needed}: \`azd provision\` grants every permission the app needs (infra/graph-app-roles.json; docs/PERMISSIONS.md has the az commands to grant one by hand). The tenant also needs an active Intune licence. Then drop the file again.`,
  });
}

export function parseCollectionPage(body: unknown, what: string): { value: unknown[]; nextLink?: string } {
  const page = CollectionPage.safeParse(body);
  if (!page.success) throw new GraphContractError(`${what}: expected an OData collection`);
  return { value: page.data.value, nextLink: page.data['@odata.nextLink'] };
}

export function parseBatchResponse(body: unknown): z.infer<typeof BatchResponse> {
  const parsed = BatchResponse.safeParse(body);
  if (!parsed.success) throw new GraphContractError('$batch: unexpected response shape');
  return parsed.data;
}
