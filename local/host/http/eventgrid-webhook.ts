import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { z } from 'zod';
import type { RegisteredFunction } from '../core/core-api';
import { FunctionInErrorError } from '../core/function-errors';

/**
 * `POST /runtime/webhooks/eventgrid?functionName=<name>&code=<key>`: where Event Grid delivers events
 * to Event Grid trigger functions, answered as the Functions host and its Event Grid extension do:
 *
 * - the key first (azure-functions-host, HostController.ExtensionWebHookHandler: an extension's
 *   webhook needs the system key named `<extension>_extension`, DefaultScriptWebHookProvider.GetKeyName,
 *   here `eventgrid_extension`, as `code` or `x-functions-key`; else 401 with no body);
 * - then the function (azure-sdk-for-net, Microsoft.Azure.WebJobs.Extensions.EventGrid,
 *   EventGridExtensionConfigProvider: no or unknown `functionName` → 404 "cannot find function");
 * - then the `aeg-event-type` header (same extension, HttpRequestProcessor): `SubscriptionValidation` →
 *   200 `{"validationResponse": <data.validationCode of the first event>}` (a CloudEvent object's
 *   data may be a JSON string); `Notification` → the body (one event or an array) dispatched one
 *   event per invocation, all at once, 202 when every one succeeded, else 500 with the first error
 *   (Event Grid then redelivers the whole batch); `Unsubscribe` → 202; anything else → 400.
 *
 * Not done here: the master key (the local host has none), keys kept in storage (the key is a
 * setting, or made up at start and logged), CloudEvents' OPTIONS abuse-protection handshake, batch
 * dispatch (`cardinality: many`).
 */
export const EVENTGRID_WEBHOOK_PATH = '/runtime/webhooks/eventgrid';

/** The system key's name, by the host's convention for extension webhooks. */
export const EVENTGRID_KEY_NAME = 'eventgrid_extension';

/** The key the webhook asks for: LOCAL_HOST_EVENTGRID_KEY, or one made up for this run of the host (as the real host creates a missing system key). */
export function eventGridKey(env: NodeJS.ProcessEnv): string {
  const set = env.LOCAL_HOST_EVENTGRID_KEY?.trim();
  return set && set.length > 0 ? set : randomBytes(24).toString('base64url');
}

export interface EventGridWebhookDeps {
  functions: readonly RegisteredFunction[];
  /** Reasons a function is in error (it is never invoked). */
  errorsOf: (functionName: string) => readonly string[] | undefined;
  key: string;
  /** False while the host starts or stops: the real host answers 503 then (RequiresRunningHost). */
  running: () => boolean;
  /** Invokes the function with one event; throws what the function threw. */
  invoke: (fn: RegisteredFunction, event: Record<string, unknown>) => Promise<void>;
  log: (line: string) => void;
}

export interface EventGridWebhookRequest {
  method: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface EventGridWebhookResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** An event as it crosses the edge: a JSON object (Event Grid or CloudEvents schema); its fields are the function's business. */
const EventSchema = z.record(z.string(), z.unknown());
const EventsSchema = z.union([z.array(EventSchema).min(1), EventSchema.transform((e) => [e])]);
/** The handshake's code: Event Grid schema `[{ data: { validationCode } }]`, or a CloudEvent whose data may be JSON text. */
const ValidationData = z.object({ validationCode: z.string().min(1) });

function text(status: number, message: string): EventGridWebhookResponse {
  return { status, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: message };
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function keyMatches(given: string | undefined, key: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(key);
  return a.length === b.length && timingSafeEqual(a, b);
}

function parseJson(body: Buffer): unknown {
  const raw = body.toString('utf8');
  try {
    return raw.trim().length === 0 ? undefined : (JSON.parse(raw) as unknown);
  } catch (err) {
    throw new Error(`Event Grid request: the body is not JSON: ${(err as Error).message}`, { cause: err });
  }
}

function validationCode(body: unknown): string {
  const first: unknown = Array.isArray(body) ? body[0] : body;
  const data: unknown = first && typeof first === 'object' ? (first as Record<string, unknown>).data : undefined;
  const parsed = ValidationData.safeParse(typeof data === 'string' ? (JSON.parse(data) as unknown) : data);
  if (!parsed.success) throw new Error('Event Grid SubscriptionValidation: the first event has no data.validationCode.');
  return parsed.data.validationCode;
}

export async function handleEventGridWebhook(deps: EventGridWebhookDeps, req: EventGridWebhookRequest): Promise<EventGridWebhookResponse> {
  if (!keyMatches(req.query.get('code') ?? header(req.headers, 'x-functions-key'), deps.key)) {
    return { status: 401, headers: {}, body: '' };
  }
  if (!deps.running()) return text(503, 'The host is not running (starting or stopping); deliver the events again later.');
  const requested = req.query.get('functionName') ?? '';
  const fn = deps.functions.find(
    (f) => f.name.toLowerCase() === requested.toLowerCase() && Object.values(f.bindings).some((b) => b.type === 'eventGridTrigger'),
  );
  if (!fn) return text(404, `cannot find function: '${requested}'`);
  const reasons = deps.errorsOf(fn.name);
  if (reasons) return text(500, new FunctionInErrorError(fn.name, reasons).message);

  const kind = header(req.headers, 'aeg-event-type')?.toLowerCase();
  if (kind === 'unsubscribe') return text(202, 'Accepted');
  if (kind !== 'subscriptionvalidation' && kind !== 'notification')
    return text(400, `aeg-event-type must be SubscriptionValidation, Notification or Unsubscribe (got '${kind ?? ''}').`);

  let events: Record<string, unknown>[];
  try {
    const body = parseJson(req.body);
    if (kind === 'subscriptionvalidation') {
      const code = validationCode(body);
      deps.log(`Event Grid trigger '${fn.name}': subscription validated.`);
      return {
        status: 200,
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify({ validationResponse: code }),
      };
    }
    const parsed = EventsSchema.safeParse(body);
    if (!parsed.success) throw new Error('Event Grid Notification: the body must be an event object or a non-empty array of them.');
    events = parsed.data;
  } catch (err) {
    return text(400, (err as Error).message);
  }

  const results = await Promise.allSettled(events.map((event) => deps.invoke(fn, event)));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    const message = failed.reason instanceof Error ? failed.reason.message : String(failed.reason);
    deps.log(
      `Event Grid trigger '${fn.name}': ${results.filter((r) => r.status === 'rejected').length} of ${events.length} event(s) failed: ${message}`,
    );
    return text(500, message);
  }
  return text(202, 'Accepted');
}
