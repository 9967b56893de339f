/**
 * GraphGateway over @microsoft/microsoft-graph-client. The client's middleware chain is kept
 * (retry with Retry-After, redirects, telemetry, fetch) except authentication: the stock handler
 * only attaches tokens to https Graph hosts, so the local emulator (plain http on loopback) would
 * get none. Ours asks the token source for every request to the configured endpoint only.
 */
import {
  Client,
  HTTPMessageHandler,
  RedirectHandler,
  RedirectHandlerOptions,
  ResponseType,
  RetryHandler,
  RetryHandlerOptions,
  TelemetryHandler,
  type Context,
  type Middleware,
} from '@microsoft/microsoft-graph-client';
import {
  MAX_BATCH,
  errorResult,
  operationOf,
  parseBatchResponse,
  parseCollectionPage,
  relativeUrl,
  settle,
  type GraphGateway,
  type GraphRequestSpec,
  type GraphResult,
  type SendOptions,
} from './gateway';
import { GraphContractError, GraphTransientError, isTransientStatus } from './errors';
import { INTUNE_BUDGET, SlidingWindowLimiter } from './rate-limiter';

export interface TokenSource {
  getToken(): Promise<string>;
}

class BearerHandler implements Middleware {
  private next: Middleware | undefined;
  constructor(
    private readonly tokens: TokenSource,
    private readonly origin: string,
  ) {}
  async execute(context: Context): Promise<void> {
    const url = typeof context.request === 'string' ? context.request : context.request.url;
    if (!url.startsWith(this.origin)) throw new Error(`refusing to send a Graph token to ${new URL(url).origin}`);
    const token = await this.tokens.getToken();
    context.options = context.options ?? {};
    context.options.headers = { ...(context.options.headers as Record<string, string> | undefined), Authorization: `Bearer ${token}` };
    if (!this.next) throw new Error('BearerHandler has no next middleware');
    await this.next.execute(context);
  }
  setNext(next: Middleware): void {
    this.next = next;
  }
}

async function readBody(response: Response): Promise<unknown> {
  if (response.status === 204) return undefined;
  const text = await response.text();
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export interface ClientGatewayOptions {
  endpoint: string;
  tokens: TokenSource;
  maxInnerRetries?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Intune operations per 20 s this process may send (default INTUNE_BUDGET); shared by every run in it. */
  intuneBudget?: { writesPer20s: number; requestsPer20s: number };
}

export function createClientGateway(options: ClientGatewayOptions): GraphGateway {
  const origin = new URL(options.endpoint).origin;
  const sleep = options.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  const budget = options.intuneBudget ?? INTUNE_BUDGET;
  const intuneWrites = new SlidingWindowLimiter(budget.writesPer20s, 20_000);
  const intuneRequests = new SlidingWindowLimiter(budget.requestsPer20s, 20_000);
  const isIntune = (spec: GraphRequestSpec) => operationOf(spec).path.startsWith('/deviceManagement');
  const isIntuneWrite = (spec: GraphRequestSpec) => isIntune(spec) && operationOf(spec).method !== 'GET';
  /** Waits for room in the Intune budget for these requests (directory calls are not counted here). */
  const pace = async (specs: GraphRequestSpec[]): Promise<() => void> => {
    const requests = await intuneRequests.acquire(specs.filter(isIntune).length);
    const writes = await intuneWrites.acquire(specs.filter(isIntuneWrite).length);
    return () => {
      requests();
      writes();
    };
  };
  // A $batch takes its whole share of the write budget at once: size write batches so that whole
  // batches fill the window (96 per 20 s → 5 batches of 19), not 4 of 20 with 16 left unused.
  const writeBatchSize = Math.floor(budget.writesPer20s / Math.ceil(budget.writesPer20s / MAX_BATCH));
  const maxInnerRetries = options.maxInnerRetries ?? 4;
  const client = Client.initWithMiddleware({
    baseUrl: `${options.endpoint}/`,
    // The client links this array into a chain itself.
    middleware: [
      new BearerHandler(options.tokens, origin),
      new RetryHandler(new RetryHandlerOptions()),
      new RedirectHandler(new RedirectHandlerOptions()),
      new TelemetryHandler(),
      new HTTPMessageHandler(),
    ],
  });

  async function raw(version: string, method: string, url: string, body: unknown, sendOptions?: SendOptions): Promise<GraphResult> {
    let request = client.api(url).version(version).responseType(ResponseType.RAW);
    if (sendOptions?.noClientRetry) request = request.middlewareOptions([new RetryHandlerOptions(0, 0)]);
    let response: Response;
    try {
      response = (await (method === 'GET'
        ? request.get()
        : method === 'DELETE'
          ? request.delete()
          : method === 'PATCH'
            ? request.patch(body)
            : request.post(body ?? {}))) as Response;
    } catch (error) {
      throw new GraphTransientError(`${method} ${url}: ${(error as Error).message}`, 0);
    }
    const parsed = await readBody(response);
    if (response.ok) return { ok: true, status: response.status, body: parsed };
    return errorResult(response.status, parsed, response.headers.get('Retry-After'));
  }

  const gateway: GraphGateway = {
    async send(spec, sendOptions) {
      const op = operationOf(spec);
      const url = relativeUrl(spec);
      const answered = await pace([spec]);
      const result = await raw(op.version, op.method, url, spec.body, sendOptions).finally(answered);
      return settle(result, `${op.method} ${op.path}`, sendOptions);
    },

    async batch(specs, sendOptions) {
      const results: GraphResult[] = new Array(specs.length);
      const size = specs.some(isIntuneWrite) ? writeBatchSize : MAX_BATCH;
      for (let start = 0; start < specs.length; start += size) {
        const slice = specs.slice(start, start + size);
        const versions = new Set(slice.map((s) => operationOf(s).version));
        for (const version of versions) {
          let pending = slice.map((spec, i) => ({ spec, index: start + i })).filter((x) => operationOf(x.spec).version === version);
          for (let attempt = 0; pending.length > 0; attempt++) {
            const answered = await pace(pending.map((p) => p.spec));
            const outer = await raw(version, 'POST', '/$batch', {
              requests: pending.map(({ spec, index }) => {
                const op = operationOf(spec);
                return {
                  id: String(index),
                  method: op.method,
                  url: relativeUrl(spec),
                  ...(spec.body !== undefined ? { body: spec.body, headers: { 'Content-Type': 'application/json' } } : {}),
                };
              }),
            }).finally(answered);
            const settled = settle(outer, 'POST /$batch', sendOptions);
            if (!settled.ok) throw new GraphTransientError(`$batch rejected: ${settled.status} ${settled.code}`, settled.status);
            const retry: typeof pending = [];
            let wait = 0;
            for (const r of parseBatchResponse(settled.body).responses) {
              const index = Number(r.id);
              const item = pending.find((p) => p.index === index);
              if (!item) continue;
              const retryAfter = r.headers?.['Retry-After'] ?? r.headers?.['retry-after'];
              const result: GraphResult = r.status < 400 ? { ok: true, status: r.status, body: r.body } : errorResult(r.status, r.body, retryAfter);
              if (!result.ok && isTransientStatus(result.status) && !sendOptions?.acceptStatuses?.includes(result.status)) {
                retry.push(item);
                wait = Math.max(wait, result.retryAfterSeconds ?? 2 ** attempt);
                results[index] = result;
              } else {
                results[index] = result;
              }
            }
            if (retry.length === 0) break;
            if (attempt >= maxInnerRetries || wait > 30) {
              const first = results[retry[0]!.index];
              throw new GraphTransientError(
                `${retry.length} request(s) in a $batch still failing after ${attempt + 1} attempts${first && !first.ok ? ` (${first.status} ${first.code})` : ''}`,
                first && !first.ok ? first.status : 503,
                wait,
              );
            }
            await sleep(wait * 1000);
            pending = retry;
          }
        }
      }
      return results;
    },

    async listAll(spec) {
      const items: unknown[] = [];
      const walked = await gateway.forEachPage(spec, (page) => {
        items.push(...page);
      });
      return walked.ok ? { ok: true, items } : walked;
    },

    async forEachPage(spec, onPage) {
      const op = operationOf(spec);
      let pages = 0;
      let next: string | undefined = relativeUrl(spec);
      while (next) {
        const answered = await pace([spec]);
        const result = settle(await raw(op.version, 'GET', next, undefined).finally(answered), `GET ${op.path}`);
        if (!result.ok) return result;
        const page = parseCollectionPage(result.body, op.path);
        await onPage(page.value);
        pages++;
        const following: string | undefined = page.nextLink === undefined ? undefined : relativeNextLink(page.nextLink, `${options.endpoint}/${op.version}`);
        if (following !== undefined && following === next) throw new GraphContractError(`${op.path}: @odata.nextLink repeats the page it came from`);
        next = following;
      }
      return { ok: true, pages };
    },
  };
  return gateway;
}

/**
 * nextLink is absolute and opaque. The Graph client only recognises https Graph hosts as absolute
 * URLs (anything else would be appended to the base URL), so the link is made relative to the
 * version root; a link to any other origin is refused rather than followed with our token.
 */
export function relativeNextLink(nextLink: string, versionRoot: string): string {
  if (!nextLink.startsWith(`${versionRoot}/`)) throw new GraphContractError(`@odata.nextLink points outside ${versionRoot}`);
  return nextLink.slice(versionRoot.length);
}
