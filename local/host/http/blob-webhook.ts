import type { IncomingHttpHeaders } from 'node:http';
import type { RegisteredFunction } from '../core/core-api';
import { FunctionInErrorError } from '../core/function-errors';
import { parseEventGridBlobRequest } from '../triggers/blob-event-grid';

/**
 * `POST /runtime/webhooks/blobs?functionName=Host.Functions.<name>`: where Event Grid delivers
 * `Microsoft.Storage.BlobCreated` events for a blob trigger with `source: 'EventGrid'` (the Blobs
 * extension's webhook, answered like its EventGrid HttpRequestProcessor: 200 + validationResponse for
 * the handshake, 202 for a delivery, 202 for Unsubscribe). Each blob goes through the listener's
 * receipts, so an event, a repeated event and the container poll deliver one blob version once.
 */
export const BLOB_WEBHOOK_PATH = '/runtime/webhooks/blobs';

const FUNCTION_ID_PREFIX = 'host.functions.';

/** The part of the blob listener the webhook needs. */
export interface BlobEventSink {
  notifyBlobCreated(functionName: string, container: string, blobName: string): Promise<void>;
}

export interface BlobWebhookDeps {
  functions: readonly RegisteredFunction[];
  /** Reasons a function is in error (it has no listener, so a delivery to it answers with them). */
  errorsOf: (functionName: string) => readonly string[] | undefined;
  /** The running blob listener; undefined while the host starts or stops, or when the app has no blob trigger. */
  sink: () => BlobEventSink | undefined;
  log: (line: string) => void;
}

export interface BlobWebhookRequest {
  method: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface BlobWebhookResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

function text(status: number, message: string, extra: Record<string, string> = {}): BlobWebhookResponse {
  return { status, headers: { 'content-type': 'text/plain; charset=utf-8', ...extra }, body: message };
}

/** `Host.Functions.<name>` (what Event Grid subscriptions name) or plain `<name>`; function names are case-insensitive. */
function findFunction(functions: readonly RegisteredFunction[], raw: string): RegisteredFunction | undefined {
  const name = raw.toLowerCase().startsWith(FUNCTION_ID_PREFIX) ? raw.slice(FUNCTION_ID_PREFIX.length) : raw;
  return functions.find((f) => f.name.toLowerCase() === name.toLowerCase());
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export async function handleBlobWebhook(deps: BlobWebhookDeps, req: BlobWebhookRequest): Promise<BlobWebhookResponse> {
  if (req.method !== 'POST') return text(405, `${BLOB_WEBHOOK_PATH} accepts POST only (Event Grid deliveries).`, { allow: 'POST' });
  const requested = req.query.get('functionName');
  if (!requested) return text(400, `${BLOB_WEBHOOK_PATH} needs ?functionName=Host.Functions.<name> (the blob trigger function).`);
  const fn = findFunction(deps.functions, requested);
  if (!fn) {
    const eventGrid = deps.functions.filter((f) =>
      Object.values(f.bindings).some((b) => b.type === 'blobTrigger' && b.source === 'EventGrid'),
    );
    const known = eventGrid.length > 0 ? eventGrid.map((f) => f.name).join(', ') : 'none in this app';
    return text(404, `No function named '${requested}'. Blob triggers with source 'EventGrid': ${known}.`);
  }
  const reasons = deps.errorsOf(fn.name);
  if (reasons) return text(500, new FunctionInErrorError(fn.name, reasons).message);
  const trigger = Object.values(fn.bindings).find((b) => b.type === 'blobTrigger');
  if (!trigger)
    return text(400, `Function '${fn.name}' is not a blob trigger; only blob triggers with source 'EventGrid' take Event Grid deliveries.`);
  if (trigger.source !== 'EventGrid') {
    const source = typeof trigger.source === 'string' ? trigger.source : 'LogsAndContainerScan';
    return text(
      400,
      `Blob trigger '${fn.name}' has source '${source}' (container polling); only blob triggers with source 'EventGrid' take Event Grid deliveries.`,
    );
  }

  let parsed;
  try {
    const raw = req.body.toString('utf8');
    let json: unknown;
    try {
      json = raw.length === 0 ? undefined : (JSON.parse(raw) as unknown);
    } catch (err) {
      throw new Error(`Event Grid request: the body is not JSON: ${(err as Error).message}`, { cause: err });
    }
    parsed = parseEventGridBlobRequest(json, header(req.headers, 'aeg-event-type'));
  } catch (err) {
    return text(400, (err as Error).message);
  }

  if (parsed.kind === 'validation') {
    deps.log(`Blob trigger '${fn.name}': Event Grid subscription validated.`);
    return { status: 200, headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(parsed.response) };
  }
  if (parsed.kind === 'unsubscribe') return text(202, 'Accepted');
  const sink = deps.sink();
  // 503 makes Event Grid retry the delivery later, as it does when a function app is restarting.
  if (!sink)
    return text(
      503,
      `The blob trigger listener is not running (the host is starting or stopping); deliver '${fn.name}' events again later.`,
    );
  for (const b of parsed.blobs) {
    try {
      await sink.notifyBlobCreated(fn.name, b.container, b.blobName);
    } catch (err) {
      const message = (err as Error).message;
      deps.log(`Blob trigger '${fn.name}': Event Grid delivery of '${b.container}/${b.blobName}' failed: ${message}`);
      // The listener went away mid-request: the host is stopping, so a retry will succeed later.
      return text(deps.sink() === undefined ? 503 : 500, `Dispatching '${b.container}/${b.blobName}' to '${fn.name}' failed: ${message}`);
    }
  }
  return text(202, 'Accepted');
}
