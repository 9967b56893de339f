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
  permissionError,
  relativeUrl,
  requestHeaders,
  settle,
  withAdvancedQuery,
  type GraphGateway,
  type GraphRequestSpec,
  type GraphResult,
  type SendOptions,
} from './gateway';
import { GraphContractError, GraphPermissionError, GraphTransientError, isPermissionStatus, isTransientStatus } from './errors';
import { INTUNE_BUDGET, SlidingWindowLimiter } from './rate-limiter';
import { costOf } from './budget/costs';
import type { Pacer } from './budget/shared-budget';

/**
 * $batch round trips one `batch` call keeps in flight. Graph documents no limit on concurrent
 * requests for Intune or the directory, only on their rate, which the budget paces; four keep a
 * step's round trips overlapping without one call flooding a 2-core local stack.
 */
export const BATCHES_IN_FLIGHT = 4;

/** A throttled $batch item asking to wait longer than this is left to the activity's retry policy instead. */
const MAX_INNER_WAIT_SECONDS = 30;

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
  /** $batch round trips of one `batch` call sent at once (default BATCHES_IN_FLIGHT). */
  batchesInFlight?: number;
  /** The clock Retry-After dates are read against (tests control it). */
  now?: () => number;
  /** Intune operations per 20 s (default INTUNE_BUDGET): what `pacer` paces to, or this process alone without one. */
  intuneBudget?: { writesPer20s: number; requestsPer20s: number };
  /**
   * The budget shared by every instance and run (budget/shared-budget.ts): Intune and directory
   * calls wait for it, each on behalf of its run. Without one, Intune calls are paced per process.
   */
  pacer?: Pacer;
}

/** A gateway whose calls are counted for one run in the shared budget's fair shares. */
export interface ScopedGraphGateway extends GraphGateway {
  forRun(runId: string): GraphGateway;
}

/** Calls made outside any run (health, preflight) share one slot of the fair shares. */
export const APP_RUN = 'app';

export function createClientGateway(options: ClientGatewayOptions): ScopedGraphGateway {
  const origin = new URL(options.endpoint).origin;
  const sleep = options.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  const now = options.now ?? (() => Date.now());
  const budget = options.intuneBudget ?? INTUNE_BUDGET;
  const intuneWrites = new SlidingWindowLimiter(budget.writesPer20s, 20_000);
  const intuneRequests = new SlidingWindowLimiter(budget.requestsPer20s, 20_000);
  const isIntune = (spec: GraphRequestSpec) => operationOf(spec).path.startsWith('/deviceManagement');
  const isIntuneWrite = (spec: GraphRequestSpec) => isIntune(spec) && operationOf(spec).method !== 'GET';
  /** Waits for room in the budget for these requests (without a pacer: Intune only, this process only). */
  const pace = async (specs: GraphRequestSpec[], run: string): Promise<() => void> => {
    if (options.pacer) {
      const release = await options.pacer.acquire(run, costOf(specs));
      return () => release();
    }
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
  const batchesInFlight = options.batchesInFlight ?? BATCHES_IN_FLIGHT;
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

  async function raw(
    version: string,
    method: string,
    url: string,
    body: unknown,
    headers: Record<string, string>,
    sendOptions?: SendOptions,
  ): Promise<GraphResult> {
    let request = client.api(url).version(version).responseType(ResponseType.RAW).headers(headers);
    if (sendOptions?.noClientRetry) request = request.middlewareOptions([new RetryHandlerOptions(0, 0)]);
    let response: Response;
    try {
      response = (await (method === 'GET'
        ? request.get()
        : method === 'DELETE'
          ? request.delete()
          : method === 'PATCH'
            ? request.patch(body)
            : // An action without parameters (the sync) is posted without a body, as documented.
              request.post(body))) as Response;
    } catch (error) {
      if (isCredentialFailure(error)) throw credentialError(error as Error);
      throw new GraphTransientError(`${method} ${url}: ${(error as Error).message}`, 0);
    }
    const parsed = await readBody(response);
    if (response.ok) return { ok: true, status: response.status, body: parsed };
    return errorResult(response.status, parsed, response.headers.get('Retry-After'), now());
  }

  const forRun = (run: string): GraphGateway => {
    const gateway: GraphGateway = {
      async send(spec, sendOptions) {
        const op = operationOf(spec);
        const url = relativeUrl(spec);
        const answered = await pace([spec], run);
        const result = await raw(op.version, op.method, url, spec.body, requestHeaders(spec), sendOptions).finally(answered);
        return settle(result, spec, sendOptions);
      },

      async batch(specs, sendOptions) {
        const results: GraphResult[] = new Array(specs.length);
        const size = specs.some(isIntuneWrite) ? writeBatchSize : MAX_BATCH;
        const sendSlice = async (start: number) => {
          const slice = specs.slice(start, start + size);
          const versions = new Set(slice.map((s) => operationOf(s).version));
          for (const version of versions) {
            let pending = slice.map((spec, i) => ({ spec, index: start + i })).filter((x) => operationOf(x.spec).version === version);
            for (let attempt = 0; pending.length > 0; attempt++) {
              const answered = await pace(
                pending.map((p) => p.spec),
                run,
              );
              const outer = await raw(
                version,
                'POST',
                '/$batch',
                { requests: pending.map(({ spec, index }) => batchItem(spec, index)) },
                {},
              ).finally(answered);
              const responses = settleBatch(outer, pending[0]!.spec, sendOptions);
              const retry: typeof pending = [];
              let wait = 0;
              for (const r of responses) {
                const index = Number(r.id);
                const item = pending.find((p) => p.index === index);
                if (!item) continue;
                const retryAfter = r.headers?.['Retry-After'] ?? r.headers?.['retry-after'];
                const result: GraphResult =
                  r.status < 400 ? { ok: true, status: r.status, body: r.body } : errorResult(r.status, r.body, retryAfter, now());
                results[index] = result;
                if (result.ok || sendOptions?.acceptStatuses?.includes(result.status)) continue;
                // A permission failure inside a batch is the app's, not the item's: stop like a single call.
                if (isPermissionStatus(result.status)) throw permissionError(item.spec.op, operationOf(item.spec), result);
                if (isTransientStatus(result.status)) {
                  retry.push(item);
                  wait = Math.max(wait, result.retryAfterSeconds ?? 2 ** attempt);
                }
              }
              if (retry.length === 0) break;
              if (attempt >= maxInnerRetries || wait > MAX_INNER_WAIT_SECONDS) {
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
        };
        // A few $batch round trips in flight at once: the budget paces what is sent, not the
        // round trips, and one after another a step's 100 poll batches waited on each other's
        // latency (issue 16). The first failure stops the slices not yet sent; it is thrown once
        // those in flight have answered, so nothing is still being sent when the caller goes on.
        const starts: number[] = [];
        for (let start = 0; start < specs.length; start += size) starts.push(start);
        let next = 0;
        let failed = false;
        const worker = async () => {
          while (!failed && next < starts.length) {
            const start = starts[next++]!;
            await sendSlice(start).catch((error: unknown) => {
              failed = true;
              throw error;
            });
          }
        };
        const workers = await Promise.allSettled(Array.from({ length: Math.min(batchesInFlight, starts.length) }, worker));
        const failure = workers.find((w): w is PromiseRejectedResult => w.status === 'rejected');
        if (failure) throw failure.reason;
        return results;
      },

      async listAll(spec) {
        const items: unknown[] = [];
        const walked = await gateway.forEachPage(spec, (page) => {
          items.push(...page);
        });
        return walked.ok ? { ok: true, items } : walked;
      },

      async forEachPage(spec, onPage, walk) {
        const op = operationOf(spec);
        const versionRoot = `${options.endpoint}/${op.version}`;
        let pages = 0;
        let next: string | undefined =
          walk?.from !== undefined ? withAdvancedQuery(spec, relativeNextLink(walk.from, versionRoot)) : relativeUrl(spec);
        while (next) {
          const answered = await pace([spec], run);
          const result = settle(await raw(op.version, 'GET', next, undefined, requestHeaders(spec)).finally(answered), spec);
          if (!result.ok) return result;
          const page = parseCollectionPage(result.body, op.path);
          await onPage(page.value);
          pages++;
          const following: string | undefined =
            page.nextLink === undefined ? undefined : withAdvancedQuery(spec, relativeNextLink(page.nextLink, versionRoot));
          if (following !== undefined && following === next)
            throw new GraphContractError(`${op.path}: @odata.nextLink repeats the page it came from`, { operation: spec.op });
          next = following;
        }
        return { ok: true, pages };
      },
    };
    return gateway;
  };
  return { ...forRun(APP_RUN), forRun };
}

/** One request of a $batch body: relative URL, its own headers (advanced queries), JSON body. */
function batchItem(spec: GraphRequestSpec, index: number) {
  const op = operationOf(spec);
  const headers = { ...requestHeaders(spec), ...(spec.body !== undefined ? { 'Content-Type': 'application/json' } : {}) };
  return {
    id: String(index),
    method: op.method,
    url: relativeUrl(spec),
    ...(Object.keys(headers).length > 0 ? { headers } : {}),
    ...(spec.body !== undefined ? { body: spec.body } : {}),
  };
}

/** The $batch envelope itself: a refused token stops like any call; other failures are transient or a contract break. */
function settleBatch(outer: GraphResult, first: GraphRequestSpec, sendOptions: SendOptions | undefined) {
  if (outer.ok) return parseBatchResponse(outer.body).responses;
  if (isPermissionStatus(outer.status)) throw permissionError(first.op, operationOf(first), outer);
  if (isTransientStatus(outer.status) && !sendOptions?.acceptStatuses?.includes(outer.status)) {
    throw new GraphTransientError(`POST /$batch failed with ${outer.status} ${outer.code}`, outer.status, outer.retryAfterSeconds);
  }
  throw new GraphContractError(`$batch rejected: ${outer.status} ${outer.code} ${outer.message}`.trim(), {
    operation: '$batch',
    status: outer.status,
    code: outer.code,
  });
}

const CREDENTIAL_FAILURES = [
  'CredentialUnavailableError',
  'AuthenticationError',
  'AggregateAuthenticationError',
  'AuthenticationRequiredError',
];

/**
 * @azure/identity's failures to get a token: no identity, wrong client id, consent missing. The
 * Graph client rethrows what a middleware threw as a GraphError whose `code` is the original name.
 */
function isCredentialFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as Error & { code?: unknown }).code;
  return CREDENTIAL_FAILURES.includes(error.name) || (typeof code === 'string' && CREDENTIAL_FAILURES.includes(code));
}

function credentialError(error: Error): GraphPermissionError {
  const name = (error as Error & { code?: unknown }).code ?? error.name;
  return new GraphPermissionError({
    kind: 'auth',
    operation: 'token',
    message: `No Microsoft Graph token: ${String(name)}: ${error.message.split('\n')[0]!.slice(0, 300)}`,
    fix: "In Azure: the Function App needs its user-assigned managed identity and AZURE_CLIENT_ID set to that identity's client id (infra sets both). Locally with a real tenant: sign in with `az login` (GRAPH_AUTH=default-azure-credential).",
  });
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
