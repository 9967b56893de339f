import type { IncomingHttpHeaders } from 'node:http';
import type { RegisteredFunction } from '../core/core-api';
import type { RpcHttpCookie, RpcHttpData, RpcInvocationResponse, RpcTypedData } from '../core/types';
import { parseRoute, type RouteTemplate } from './routes';

export interface HttpFunctionRoute {
  fn: RegisteredFunction;
  route: RouteTemplate;
  methods: Set<string>;
  /** Name of the http output binding (usually `$return`). */
  outputName: string | undefined;
}

export function httpRoutes(functions: Iterable<RegisteredFunction>, routePrefix: string): HttpFunctionRoute[] {
  const out: HttpFunctionRoute[] = [];
  for (const fn of functions) {
    const trigger = Object.values(fn.bindings).find((b) => b.type === 'httpTrigger');
    if (!trigger) continue;
    const route = typeof trigger.route === 'string' && trigger.route.length > 0 ? trigger.route : fn.name;
    const methods = Array.isArray(trigger.methods) ? trigger.methods.map((m) => String(m).toUpperCase()) : ['GET', 'POST'];
    const outputName = Object.entries(fn.bindings).find(([, b]) => b.direction === 'out' && b.type === 'http')?.[0];
    out.push({ fn, route: parseRoute(`${routePrefix}/${route}`), methods: new Set(methods), outputName });
  }
  return out;
}

export function toRpcHttpRequest(
  method: string,
  url: URL,
  headers: IncomingHttpHeaders,
  body: Buffer,
  params: Record<string, string>,
): RpcTypedData {
  const flatHeaders: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) flatHeaders[k] = Array.isArray(v) ? v.join(', ') : v;
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = k in query ? `${query[k]},${v}` : v;
  const http: RpcHttpData = {
    method,
    url: url.href,
    headers: flatHeaders,
    query,
    params,
    ...(body.length > 0 ? { body: { bytes: body } } : {}),
  };
  return { http };
}

function cookieHeader(c: RpcHttpCookie): string {
  const parts = [`${c.name ?? ''}=${c.value ?? ''}`];
  if (c.domain?.value) parts.push(`Domain=${c.domain.value}`);
  if (c.path?.value) parts.push(`Path=${c.path.value}`);
  if (c.expires?.value?.seconds) parts.push(`Expires=${new Date(c.expires.value.seconds * 1000).toUTCString()}`);
  if (c.maxAge?.value !== undefined && c.maxAge?.value !== null) parts.push(`Max-Age=${c.maxAge.value}`);
  if (c.secure?.value) parts.push('Secure');
  if (c.httpOnly?.value) parts.push('HttpOnly');
  return parts.join('; ');
}

export interface PlainHttpResponse {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

/** The worker's http output (`toRpcHttp`) as a response the node:http server can send. */
export function fromRpcHttpResponse(response: RpcInvocationResponse, outputName: string | undefined): PlainHttpResponse {
  const data =
    outputName === '$return' || outputName === undefined
      ? response.returnValue
      : response.outputData?.find((o) => o.name === outputName)?.data;
  const http = data?.http;
  if (!http) return { status: 204, headers: {}, body: Buffer.alloc(0) };
  const headers: Record<string, string | string[]> = { ...(http.headers ?? {}) };
  const cookies = (http.cookies ?? []).map(cookieHeader);
  if (cookies.length > 0) headers['set-cookie'] = cookies;
  const b = http.body;
  const body = b?.bytes ? Buffer.from(b.bytes) : typeof b?.string === 'string' ? Buffer.from(b.string) : Buffer.alloc(0);
  return { status: Number(http.statusCode ?? 200) || 200, headers, body };
}
