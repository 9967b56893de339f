/**
 * The one door to Microsoft Graph. Requests are built from the operation catalog (operations.ts),
 * sent through @microsoft/microsoft-graph-client (its retry handler honours Retry-After for
 * 429/503/504), and come back as typed results. Transient failures that survive the client's
 * retries are thrown as GraphTransientError; everything else is a value the caller decides on.
 */
import { z } from 'zod';
import { GRAPH_OPERATIONS, type GraphOperation, type GraphOperationName } from './operations';
import { GraphContractError, GraphTransientError, isTransientStatus, parseRetryAfter } from './errors';

export interface GraphQuery {
  filter?: string;
  select?: string[];
  expand?: string[];
  top?: number;
}

export interface GraphRequestSpec {
  op: GraphOperationName;
  params?: Record<string, string>;
  query?: GraphQuery;
  body?: unknown;
}

export type GraphResult =
  | { ok: true; status: number; body: unknown }
  | { ok: false; status: number; code: string; message: string; retryAfterSeconds?: number };

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
   * on a later page comes back as a value after earlier pages were handed over.
   */
  forEachPage(spec: GraphRequestSpec, onPage: (items: unknown[]) => void | Promise<void>): Promise<PagesResult>;
}

export type ListResult = { ok: true; items: unknown[] } | Extract<GraphResult, { ok: false }>;
export type PagesResult = { ok: true; pages: number } | Extract<GraphResult, { ok: false }>;

export const MAX_BATCH = 20;

const ErrorBody = z.object({ error: z.object({ code: z.string().optional(), message: z.string().optional() }).passthrough() }).passthrough();
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
  return q.length ? `${path}?${q.join('&')}` : path;
}

export function errorResult(status: number, body: unknown, retryAfter?: string | null): GraphResult {
  const parsed = ErrorBody.safeParse(body);
  return {
    ok: false,
    status,
    code: parsed.success ? (parsed.data.error.code ?? `HTTP${status}`) : `HTTP${status}`,
    message: parsed.success ? (parsed.data.error.message ?? '') : typeof body === 'string' ? body.slice(0, 500) : '',
    retryAfterSeconds: parseRetryAfter(retryAfter),
  };
}

/** Raises transient failures, returns the rest. */
export function settle(result: GraphResult, what: string, options?: SendOptions): GraphResult {
  if (!result.ok && isTransientStatus(result.status) && !options?.acceptStatuses?.includes(result.status)) {
    throw new GraphTransientError(`${what} failed with ${result.status} ${result.code}`, result.status, result.retryAfterSeconds);
  }
  return result;
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
