import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { executeOperation, type OperationMeta, type PipelineDeps } from './graph-pipeline';
import type { GraphCall, GraphResult } from './handlers/types';
import { errorBody, GraphError } from './odata/errors';
import { normalizeSegments } from './router';

export const MAX_BATCH_REQUESTS = 20;

const BatchItemSchema = z.looseObject({
  id: z.string().min(1),
  method: z.string().min(1),
  url: z.string().min(1),
  headers: z.record(z.string(), z.string()).optional(),
  body: z.unknown().optional(),
  dependsOn: z.array(z.string()).optional(),
});
const BatchSchema = z.looseObject({ requests: z.array(BatchItemSchema) });

const bad = (message: string): GraphError => new GraphError(400, 'BadRequest', message);

/**
 * JSON batching (graph-api reference §9): at most 20 requests, relative URLs resolved against the
 * batch's version, `dependsOn` honoured (a failed dependency gives 424), each inner request routed,
 * throttled and logged on its own. The batch itself is 200 whenever it parses.
 */
export function executeBatch(deps: PipelineDeps, outer: GraphCall, meta: OperationMeta & { requestId: string }): GraphResult {
  const parsed = BatchSchema.safeParse(outer.body);
  if (!parsed.success) throw bad(`Invalid batch payload: ${parsed.error.issues[0]?.message ?? 'malformed'}.`);
  const requests = parsed.data.requests;
  if (requests.length === 0) throw bad('The batch contains no requests.');
  if (requests.length > MAX_BATCH_REQUESTS)
    throw bad(`The batch contains ${requests.length} requests; the limit is ${MAX_BATCH_REQUESTS}.`);
  const byId = new Map<string, (typeof requests)[number]>();
  for (const r of requests) {
    const key = r.id.toLowerCase();
    if (byId.has(key)) throw bad(`The batch contains more than one request with id '${r.id}'.`);
    byId.set(key, r);
  }
  for (const r of requests) {
    for (const dep of r.dependsOn ?? [])
      if (!byId.has(dep.toLowerCase())) throw bad(`Request '${r.id}' depends on '${dep}', which is not in the batch.`);
    if (/^[a-z]+:\/\//i.test(r.url)) throw bad(`Request '${r.id}' has an absolute URL; batch URLs are relative to the version root.`);
    if (/^\/?(v1\.0|beta)\//i.test(r.url))
      throw bad(`Request '${r.id}' names an API version in its URL; the version comes from the batch URL.`);
    if (/^\/?\$batch/i.test(r.url)) throw bad('Nested batches are not supported.');
    if (r.body !== undefined && !Object.keys(r.headers ?? {}).some((h) => h.toLowerCase() === 'content-type')) {
      throw bad(`Request '${r.id}' has a body but no Content-Type header.`);
    }
    if (!['GET', 'POST', 'PATCH', 'PUT', 'DELETE'].includes(r.method.toUpperCase()))
      throw bad(`Request '${r.id}' uses an unsupported method '${r.method}'.`);
  }

  const results = new Map<string, { id: string; status: number; headers: Record<string, string>; body?: unknown }>();
  const visiting = new Set<string>();
  const run = (r: (typeof requests)[number]): number => {
    const key = r.id.toLowerCase();
    const done = results.get(key);
    if (done) return done.status;
    if (visiting.has(key)) throw bad(`The dependsOn chain of request '${r.id}' is circular.`);
    visiting.add(key);
    const failedDep = (r.dependsOn ?? []).find((d) => run(byId.get(d.toLowerCase())!) >= 400);
    if (failedDep !== undefined) {
      const requestId = randomUUID();
      const error = new GraphError(424, 'FailedDependency', `The request depends on request '${failedDep}', which failed.`);
      results.set(key, {
        id: r.id,
        status: 424,
        headers: { 'Content-Type': 'application/json', 'request-id': requestId, 'client-request-id': meta.clientRequestId ?? requestId },
        body: errorBody(error, requestId, meta.clientRequestId, deps.tenant.clock.iso(), `/${r.url.replace(/^\//, '')}`),
      });
      return 424;
    }
    const [rawPath, rawQuery = ''] = r.url.split('?', 2) as [string, string?];
    const headers: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(r.headers ?? {})) headers[k.toLowerCase()] = v;
    let segments: string[];
    try {
      segments = normalizeSegments(rawPath);
    } catch (error) {
      if (!(error instanceof GraphError)) throw error;
      const requestId = randomUUID();
      results.set(key, {
        id: r.id,
        status: 400,
        headers: { 'Content-Type': 'application/json' },
        body: errorBody(error, requestId, meta.clientRequestId, deps.tenant.clock.iso(), rawPath),
      });
      return 400;
    }
    const inner: GraphCall = {
      method: r.method.toUpperCase(),
      version: outer.version,
      path: rawPath.replace(/^\//, ''),
      segments,
      search: new URLSearchParams(rawQuery),
      headers,
      body: r.body,
      origin: outer.origin,
    };
    const result = executeOperation(deps, inner, { ...meta, inBatch: true, batchRequestId: meta.requestId, batchItemId: r.id });
    const out: { id: string; status: number; headers: Record<string, string>; body?: unknown } = {
      id: r.id,
      status: result.status,
      headers: {
        ...(result.text !== undefined
          ? { 'Content-Type': 'text/plain' }
          : result.body !== undefined
            ? { 'Content-Type': 'application/json' }
            : {}),
        ...result.headers,
      },
    };
    if (result.body !== undefined) out.body = result.body;
    else if (result.text !== undefined) out.body = result.text;
    results.set(key, out);
    return result.status;
  };
  for (const r of requests) run(r);
  return { status: 200, body: { responses: requests.map((r) => results.get(r.id.toLowerCase())!) } };
}
