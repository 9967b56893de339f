import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { appIdOf, bearerToken } from './auth';
import { callerOf, UNRESTRICTED } from './permissions';
import { executeBatch } from './batch';
import { EmulatorClock } from './clock';
import { handleControl } from './control';
import { Tenant } from './domain/tenant';
import { FaultDice } from './faults';
import { errorResult, executeOperation, flavorOf, type PipelineDeps } from './graph-pipeline';
import type { GraphCall, GraphResult } from './handlers/types';
import { Holds, type HoldRule } from './holds';
import { errors, GraphError } from './odata/errors';
import { loadState, saveState } from './persistence';
import { RequestLog } from './request-log';
import { normalizeSegments } from './router';
import type { ApiVersion } from './serialize/common';
import { applySettingsPatch, type Settings, type SettingsPatch } from './settings';
import { Throttler } from './throttle';

const MAX_BODY_BYTES = 64 * 1024 * 1024;

/** The emulator's moving parts behind the HTTP server. */
export class EmulatorCore {
  url = '';
  readonly clock = new EmulatorClock();
  readonly tenant: Tenant;
  readonly throttler: Throttler;
  readonly dice: FaultDice;
  readonly log: RequestLog;
  readonly deps: PipelineDeps;
  readonly holds = new Holds();

  constructor(
    public settings: Settings,
    readonly stateFile: string | undefined,
    readonly diagnostic: (line: string) => void,
  ) {
    this.tenant = new Tenant(this.clock, () => this.settings);
    this.throttler = new Throttler(settings.directoryTier);
    this.dice = new FaultDice(settings.faults.seed);
    this.log = new RequestLog(
      () => this.settings.logLimit,
      () => this.settings.logBodies,
      () => this.settings.logBodyLimit,
      () => this.settings.logResponseBodyLimit,
    );
    this.deps = {
      tenant: this.tenant,
      settings: () => this.settings,
      throttler: this.throttler,
      dice: this.dice,
      log: this.log,
      diagnostic,
    };
  }

  updateSettings(patch: SettingsPatch): void {
    const before = this.settings;
    this.settings = applySettingsPatch(before, patch);
    this.throttler.setTier(this.settings.directoryTier);
    if (patch.faults?.seed !== undefined) this.dice.reseed(patch.faults.seed);
    if (patch.throttling === false) this.throttler.reset();
  }

  saveState(): void {
    if (this.stateFile) saveState(this.tenant, this.stateFile);
  }

  loadState(): void {
    if (this.stateFile) loadState(this.tenant, this.stateFile);
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new GraphError(413, 'RequestEntityTooLarge', `The request body exceeds ${MAX_BODY_BYTES} bytes.`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, result: GraphResult): void {
  const headers: Record<string, string> = { ...result.headers };
  let payload: string | undefined;
  if (result.text !== undefined) {
    payload = result.text;
    headers['Content-Type'] ??= 'text/plain';
  } else if (result.body !== undefined) {
    payload = JSON.stringify(result.body);
    headers['Content-Type'] = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';
  }
  if (payload !== undefined) headers['Content-Length'] = String(Buffer.byteLength(payload));
  res.writeHead(result.status, headers);
  res.end(payload);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Parses one Graph HTTP request; `undefined` body for empty payloads, 400 for malformed JSON. */
function parseJson(text: string, flavor: 'intune' | 'graph'): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw errors.badRequest(
      'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.',
      flavor,
    );
  }
}

/** A request held `before` whose client went away is dropped: the service never saw it. */
const DROPPED: unique symbol = Symbol('dropped');

async function handleGraph(
  core: EmulatorCore,
  req: IncomingMessage,
  url: URL,
  version: ApiVersion,
  rest: string,
  text: string,
  gone: () => boolean,
): Promise<GraphResult | typeof DROPPED> {
  const headers: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(req.headers)) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : v;
  let segments: string[];
  let segmentError: GraphError | undefined;
  try {
    segments = normalizeSegments(rest);
  } catch (error) {
    if (!(error instanceof GraphError)) throw error;
    segments = [];
    segmentError = error;
  }
  const call: GraphCall = {
    method: (req.method ?? 'GET').toUpperCase(),
    version,
    path: rest,
    segments,
    search: url.searchParams,
    headers,
    body: undefined,
    origin: core.url,
  };
  const requestId = randomUUID();
  const clientRequestId = headers['client-request-id'];
  const nowIso = core.clock.iso();
  const token = bearerToken(headers['authorization']);
  const settings = core.settings;
  const appId = token ? appIdOf(token) : 'anonymous';
  const caller = token ? callerOf(token) : UNRESTRICTED;
  const logOuter = (result: GraphResult, extra: { batch?: boolean; fault?: 'timeout' }): void => {
    core.log.add({
      time: nowIso,
      at: core.clock.now(),
      method: call.method,
      path: url.pathname + url.search,
      version,
      status: result.status,
      inBatch: false,
      batch: extra.batch ?? false,
      requestId,
      appId,
      durationMs: 0,
      ...(extra.fault ? { fault: extra.fault } : {}),
      ...(call.body !== undefined ? { requestBody: call.body } : {}),
      ...(result.body !== undefined ? { responseBody: result.body } : {}),
    });
  };
  const isBatch = segments.length === 1 && segments[0] === '$batch';
  try {
    if (segmentError) throw segmentError;
    call.body = parseJson(text, flavorOf(segments));
    if (!token) throw errors.unauthenticated();
  } catch (error) {
    const result = errorResult(error as GraphError, call, requestId, clientRequestId, nowIso);
    logOuter(result, {});
    return result;
  }
  if (core.dice.timeout(settings.faults)) {
    await sleep(settings.faults.timeoutMs);
    const result = errorResult(
      new GraphError(504, 'UnknownError', 'The request timed out (injected fault).', flavorOf(segments)),
      call,
      requestId,
      clientRequestId,
      core.clock.iso(),
    );
    logOuter(result, { fault: 'timeout' });
    return result;
  }
  if (settings.faults.latencyMs > 0) await sleep(settings.faults.latencyMs);
  // A $batch is held when one of its requests matches (a write made inside a batch is still that write).
  const hold = core.holds.claim(call.method, `/${rest}`) ?? (isBatch ? claimInner(core, call.body) : undefined);
  if (hold?.when === 'before') {
    await core.holds.wait(hold, call.method, `/${rest}`, gone);
    if (gone()) return DROPPED;
  }
  // Deferred service work that is due happens before the request observes the tenant.
  core.tenant.runDue();
  if (isBatch) {
    let result: GraphResult;
    try {
      if (call.method !== 'POST') throw errors.methodNotAllowed(call.method, `/${version}/$batch`);
      result = executeBatch(core.deps, call, { appId, caller, inBatch: false, requestId, ...(clientRequestId ? { clientRequestId } : {}) });
    } catch (error) {
      if (!(error instanceof GraphError)) throw error;
      result = errorResult(error, call, requestId, clientRequestId, nowIso);
    }
    result.headers = { ...result.headers, 'request-id': requestId, 'client-request-id': clientRequestId ?? requestId };
    logOuter(result, { batch: true });
    if (hold?.when === 'after') await core.holds.wait(hold, call.method, `/${rest}`, gone);
    return result;
  }
  const result = executeOperation(core.deps, call, { appId, caller, inBatch: false, ...(clientRequestId ? { clientRequestId } : {}) });
  if (hold?.when === 'after') await core.holds.wait(hold, call.method, `/${rest}`, gone);
  return result;
}

/** The hold rule one of a $batch's requests matches, if any (their urls are relative to the version root). */
function claimInner(core: EmulatorCore, body: unknown): HoldRule | undefined {
  const requests = (body as { requests?: unknown } | undefined)?.requests;
  if (!Array.isArray(requests)) return undefined;
  for (const r of requests as { method?: unknown; url?: unknown }[]) {
    if (typeof r.method !== 'string' || typeof r.url !== 'string') continue;
    const claimed = core.holds.claim(r.method.toUpperCase(), r.url.startsWith('/') ? r.url : `/${r.url}`);
    if (claimed) return claimed;
  }
  return undefined;
}

export function createEmulatorServer(core: EmulatorCore): Server {
  return createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      let text: string;
      try {
        text = await readBody(req);
      } catch (error) {
        const e = error instanceof GraphError ? error : new GraphError(400, 'BadRequest', 'Unreadable request body.');
        send(res, { status: e.status, body: { error: { code: e.code, message: e.message } } });
        return;
      }
      if (url.pathname.startsWith('/_emulator/') || url.pathname === '/_emulator') {
        let body: unknown;
        try {
          body = text.trim() ? (JSON.parse(text) as unknown) : undefined;
        } catch {
          send(res, { status: 400, body: { error: 'the control request body is not JSON' } });
          return;
        }
        const result = handleControl(core, (req.method ?? 'GET').toUpperCase(), url.pathname, url.searchParams, body);
        send(res, { status: result.status, ...(result.body !== undefined ? { body: result.body } : {}) });
        return;
      }
      const m = /^\/(v1\.0|beta)(\/.*)?$/.exec(url.pathname);
      if (!m) {
        send(res, {
          status: 400,
          body: {
            error: { code: 'BadRequest', message: `Invalid version: the path must start with /v1.0 or /beta (got '${url.pathname}').` },
          },
        });
        return;
      }
      let closed = false;
      res.once('close', () => (closed = true));
      const result = await handleGraph(
        core,
        req,
        url,
        m[1] as ApiVersion,
        (m[2] ?? '').replace(/^\//, ''),
        text,
        () => closed || req.socket.destroyed,
      );
      if (result === DROPPED) return;
      if (!closed) send(res, result);
    })().catch((error: unknown) => {
      core.diagnostic(`graph-emulator: request failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      if (!res.headersSent)
        send(res, { status: 500, body: { error: { code: 'generalException', message: 'Emulator failure (see its log).' } } });
      else res.destroy();
    });
  });
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
