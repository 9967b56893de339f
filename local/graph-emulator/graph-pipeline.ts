import { randomUUID } from 'node:crypto';
import type { Tenant } from './domain/tenant';
import type { FaultDice } from './faults';
import type { GraphCall, GraphResult } from './handlers/types';
import { errorBody, errors, GraphError, type ErrorFlavor } from './odata/errors';
import { parseQuery } from './odata/query';
import type { RequestLog } from './request-log';
import { route } from './router';
import type { Settings } from './settings';
import { allows, permissionsFor, type Caller } from './permissions';
import type { Throttler } from './throttle';

export interface OperationMeta {
  appId: string;
  /** What the token allows (permissions.ts). */
  caller: Caller;
  inBatch: boolean;
  batchRequestId?: string;
  batchItemId?: string;
  clientRequestId?: string;
}

export interface PipelineDeps {
  tenant: Tenant;
  settings: () => Settings;
  throttler: Throttler;
  dice: FaultDice;
  log: RequestLog;
  /** Diagnostic lines (never bodies): unexpected handler failures. */
  diagnostic: (line: string) => void;
}

/** The query string as the caller wrote it, for the log; malformed escapes stay escaped. */
function readable(query: string): string {
  try {
    return decodeURIComponent(query.replace(/\+/g, ' '));
  } catch {
    return query;
  }
}

export function flavorOf(segments: string[]): ErrorFlavor {
  return segments[0]?.toLowerCase() === 'devicemanagement' ? 'intune' : 'graph';
}

export function errorResult(
  error: GraphError,
  call: GraphCall,
  requestId: string,
  clientRequestId: string | undefined,
  nowIso: string,
): GraphResult {
  return {
    status: error.status,
    headers: { ...error.headers },
    body: errorBody(error, requestId, clientRequestId, nowIso, `/${call.segments.join('/')}`),
  };
}

/**
 * One Graph operation (a plain request or one request inside a $batch): route, fault dice,
 * throttling, handler, log. Every failure becomes the service's error body; nothing escapes as a
 * success.
 */
export function executeOperation(deps: PipelineDeps, call: GraphCall, meta: OperationMeta): GraphResult {
  const started = performance.now();
  const { tenant } = deps;
  const requestId = randomUUID();
  const now = tenant.clock.now();
  const nowIso = tenant.clock.iso(now);
  const flavor = flavorOf(call.segments);
  let result: GraphResult;
  let throttled = false;
  let fault: 'error' | undefined;
  try {
    const { route: r, params } = route(call.method, call.version, call.segments, `/${call.version}/${call.segments.join('/')}`);
    const settings = deps.settings();
    const failure = deps.dice.serverError(settings.faults);
    if (failure) {
      fault = 'error';
      throw failure === 503
        ? new GraphError(
            503,
            'serviceNotAvailable',
            'The service is temporarily unavailable. Retry after the interval in Retry-After.',
            flavor,
            { 'Retry-After': '1' },
          )
        : new GraphError(
            500,
            flavor === 'intune' ? 'InternalServerError' : 'generalException',
            'An internal server error occurred (injected fault).',
            flavor,
          );
    }
    const needed = permissionsFor(call, meta.caller);
    if (!allows(meta.caller, needed)) throw errors.forbidden(flavor, needed ?? []);
    const write = call.method !== 'GET';
    const extra: Record<string, string> = {};
    if (settings.throttling) {
      const cost = r.cost ?? 1;
      const verdict = deps.throttler.check(meta.appId, r.area, write, cost, now);
      if (!verdict.ok) {
        throttled = true;
        const headers: Record<string, string> = { 'Retry-After': String(verdict.retryAfterSeconds) };
        if (r.area === 'directory') {
          headers['x-ms-throttle-scope'] = `${verdict.scope}/${meta.appId}/${tenant.tenantId}`;
          headers['x-ms-throttle-information'] = verdict.information;
        }
        throw new GraphError(429, 'TooManyRequests', 'Too many requests; retry after the interval in Retry-After.', flavor, headers);
      }
      if (verdict.resourceUnits !== undefined) extra['x-ms-resource-unit'] = String(verdict.resourceUnits);
    }
    const query = parseQuery(call.search, flavor);
    if (query.expand && !r.honours?.includes('expand')) {
      throw new GraphError(
        501,
        'NotImplemented',
        `The Graph emulator does not implement $expand on ${call.method} /${call.version}/${call.segments.join('/')}.`,
        flavor,
      );
    }
    if (query.filter && !r.honours?.includes('filter')) {
      throw errors.badRequest(
        `The query option $filter is not supported on ${call.method} /${call.version}/${call.segments.join('/')}.`,
        flavor,
      );
    }
    const faults = { ignoreDelete: () => deps.dice.ignoreDelete(settings.faults) };
    result = r.handle({ tenant, call, params, query, flavor, caller: meta.caller, faults });
    result.headers = { ...extra, ...result.headers };
  } catch (error) {
    if (error instanceof GraphError) {
      result = errorResult(error, call, requestId, meta.clientRequestId, nowIso);
    } else {
      const message = error instanceof Error ? error.message : String(error);
      deps.diagnostic(`graph-emulator: ${call.method} /${call.version}/${call.segments.join('/')} failed unexpectedly: ${message}`);
      result = errorResult(
        new GraphError(500, 'generalException', `Emulator failure: ${message}`, flavor),
        call,
        requestId,
        meta.clientRequestId,
        nowIso,
      );
    }
  }
  result.headers = { ...result.headers, 'request-id': requestId, 'client-request-id': meta.clientRequestId ?? requestId };
  const query = call.search.toString();
  deps.log.add({
    time: nowIso,
    at: now,
    method: call.method,
    path: `/${call.version}/${call.path.replace(/^\//, '')}${query ? `?${readable(query)}` : ''}`,
    version: call.version,
    status: result.status,
    inBatch: meta.inBatch,
    batch: false,
    ...(meta.batchRequestId ? { batchRequestId: meta.batchRequestId, batchItemId: meta.batchItemId } : {}),
    requestId,
    appId: meta.appId,
    durationMs: Math.round((performance.now() - started) * 1000) / 1000,
    ...(throttled ? { throttled } : {}),
    ...(fault ? { fault } : {}),
    ...(call.body !== undefined ? { requestBody: call.body } : {}),
    ...(result.body !== undefined ? { responseBody: result.body } : result.text !== undefined ? { responseBody: result.text } : {}),
  });
  return result;
}
