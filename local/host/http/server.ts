import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Invoker } from '../core/invoker';
import type { ClientUrls } from '../durable/client-binding';
import type { DurableEngine } from '../durable/engine';
import { handleDurableApi } from '../durable/management-api';
import { BLOB_WEBHOOK_PATH, type BlobWebhookRequest, type BlobWebhookResponse } from './blob-webhook';
import { EVENTGRID_WEBHOOK_PATH, type EventGridWebhookRequest, type EventGridWebhookResponse } from './eventgrid-webhook';
import { fromRpcHttpResponse, toRpcHttpRequest, type HttpFunctionRoute } from './http-trigger';
import { matchRoute } from './routes';
import type { RpcInvocationResponse } from '../core/types';
import type { RegisteredFunction } from '../core/core-api';
import { FunctionInErrorError } from '../core/function-errors';
import { LOCAL_ACTIVITY_PATH, type LocalActivity } from './local-activity';

export interface ServerDeps {
  invoker: Invoker;
  engine: DurableEngine;
  routes: HttpFunctionRoute[];
  urls: () => ClientUrls;
  clientBinding: () => string;
  afterInvoke: (fn: RegisteredFunction, res: RpcInvocationResponse, bindingData: Record<string, unknown>) => Promise<void>;
  /** `GET /admin/functions/{name}/status` as the Functions host answers it; undefined for an unknown function. */
  functionStatus: (name: string) => { errors: readonly string[] | null } | undefined;
  /** `GET /admin/local/activity`: counters tests wait on instead of sleeping (./local-activity.ts). */
  localActivity: () => LocalActivity;
  /** Event Grid deliveries for blob triggers (./blob-webhook.ts). */
  blobWebhook: (req: BlobWebhookRequest) => Promise<BlobWebhookResponse>;
  /** Event Grid deliveries for Event Grid trigger functions (./eventgrid-webhook.ts). */
  eventGridWebhook: (req: EventGridWebhookRequest) => Promise<EventGridWebhookResponse>;
  log: (line: string) => void;
}

const DURABLE_BASES = ['/runtime/webhooks/durabletask/', '/durabletask/'];

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, status: number, headers: Record<string, string | string[]>, body?: Buffer | string): void {
  res.writeHead(status, headers);
  res.end(body);
}

/** One node:http server for HTTP-triggered functions, the Durable HTTP API (rpc and webhook paths) and the blob trigger's Event Grid webhook. */
export function createHostServer(deps: ServerDeps): Server {
  const server = createServer((req, res) => {
    void (async () => {
      const method = (req.method ?? 'GET').toUpperCase();
      const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
      const body = await readBody(req);
      const base = DURABLE_BASES.find((b) => url.pathname.startsWith(b) || `${url.pathname}/` === b);
      if (base) {
        const headers: Record<string, string | undefined> = {};
        for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(',') : v;
        const r = await handleDurableApi(deps.engine, deps.urls(), {
          method,
          path: url.pathname.slice(base.length - 1),
          query: url.searchParams,
          body: body.toString('utf8'),
          headers,
        });
        return send(res, r.status, r.headers, r.body);
      }
      if (url.pathname === BLOB_WEBHOOK_PATH || url.pathname === `${BLOB_WEBHOOK_PATH}/`) {
        const r = await deps.blobWebhook({ method, query: url.searchParams, headers: req.headers, body });
        return send(res, r.status, r.headers, r.body);
      }
      // Extension names are matched case-insensitively by the real host (/runtime/webhooks/EventGrid works too).
      if (url.pathname.toLowerCase() === EVENTGRID_WEBHOOK_PATH || url.pathname.toLowerCase() === `${EVENTGRID_WEBHOOK_PATH}/`) {
        const r = await deps.eventGridWebhook({ method, query: url.searchParams, headers: req.headers, body });
        return send(res, r.status, r.headers, r.body);
      }
      if (url.pathname === LOCAL_ACTIVITY_PATH && method === 'GET')
        return send(res, 200, { 'content-type': 'application/json' }, JSON.stringify(deps.localActivity()));
      if (url.pathname === '/admin/host/status')
        return send(res, 200, { 'content-type': 'application/json' }, JSON.stringify({ state: 'Running' }));
      const fnStatus = /^\/admin\/functions\/([^/]+)\/status\/?$/.exec(url.pathname);
      if (fnStatus?.[1] && method === 'GET') {
        const status = deps.functionStatus(decodeURIComponent(fnStatus[1]));
        return status
          ? send(res, 200, { 'content-type': 'application/json; charset=utf-8' }, JSON.stringify(status))
          : send(res, 404, { 'content-type': 'text/plain' }, `No function named '${decodeURIComponent(fnStatus[1])}'.`);
      }
      const parts = url.pathname
        .split('/')
        .filter((p) => p.length > 0)
        .map(decodeURIComponent);
      let methodMismatch = false;
      for (const r of deps.routes) {
        const params = matchRoute(r.route, parts);
        if (!params) continue;
        if (!r.methods.has(method)) {
          methodMismatch = true;
          continue;
        }
        const response = await deps.invoker.invoke({
          functionName: r.fn.name,
          inputs: {
            httpTrigger: toRpcHttpRequest(method, url, req.headers, body, params),
            durableClient: { string: deps.clientBinding() },
          },
        });
        await deps.afterInvoke(r.fn, response, { ...Object.fromEntries(url.searchParams), ...params });
        const out = fromRpcHttpResponse(response, r.outputName);
        return send(res, out.status, out.headers, out.body);
      }
      send(res, methodMismatch ? 405 : 404, { 'content-type': 'text/plain' }, methodMismatch ? 'Method not allowed' : 'Not found');
    })().catch((err: unknown) => {
      // A function in error answers every call with its reasons (the invoker already logged the refusal).
      if (err instanceof FunctionInErrorError) return send(res, 500, { 'content-type': 'text/plain; charset=utf-8' }, err.message);
      deps.log(`http: ${req.method} ${req.url} failed: ${(err as Error).stack ?? String(err)}`);
      if (!res.headersSent) send(res, 500, { 'content-type': 'text/plain' }, `Function invocation failed: ${(err as Error).message}`);
      else res.end();
    });
  });
  // Kestrel, which serves the real host, keeps an idle connection 130 s (KestrelServerLimits.KeepAliveTimeout).
  // Node's 5 s default races clients that reuse a pooled connection just as the server drops it
  // ("other side closed"), most often when a busy worker delays the client's next request.
  server.keepAliveTimeout = 130_000;
  server.headersTimeout = 131_000;
  return server;
}

export async function listen(server: Server, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}
