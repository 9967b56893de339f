import { z } from 'zod';

/**
 * Event Grid deliveries for blob triggers with `source: 'EventGrid'`. In Azure, Event Grid POSTs
 * `Microsoft.Storage.BlobCreated` events to `/runtime/webhooks/blobs?functionName=Host.Functions.<name>`
 * (served by ../http/blob-webhook.ts). Azurite emits no events, so locally they are only ever POSTed by
 * hand or by a test; the listener also polls such containers. This parses one request (Event Grid schema,
 * an array of events) and its `aeg-event-type` header, as the extension's HttpRequestProcessor reads them.
 */
const EventSchema = z.object({
  id: z.string().optional(),
  eventType: z.string().min(1),
  subject: z.string().optional(),
  data: z.record(z.string(), z.unknown()).optional(),
});
const RequestSchema = z.array(EventSchema).min(1);
type Event = z.infer<typeof EventSchema>;

export type EventGridBlobRequest =
  | { kind: 'validation'; response: { validationResponse: string } }
  | { kind: 'unsubscribe' }
  | { kind: 'blobs'; blobs: Array<{ container: string; blobName: string }> };

const SUBJECT = /^\/blobServices\/default\/containers\/([^/]+)\/blobs\/(.+)$/;
const VALIDATION_EVENT = 'Microsoft.EventGrid.SubscriptionValidationEvent';
/** The values Event Grid sends in `aeg-event-type` (compared case-insensitively, as the host does). */
const HEADER_KINDS: Record<string, 'validation' | 'notification' | 'unsubscribe'> = {
  subscriptionvalidation: 'validation',
  notification: 'notification',
  unsubscribe: 'unsubscribe',
};

function validationOf(e: Event): EventGridBlobRequest {
  const code = e.data?.validationCode;
  if (typeof code !== 'string' || code.length === 0)
    throw new Error('Event Grid subscription validation event without data.validationCode.');
  return { kind: 'validation', response: { validationResponse: code } };
}

/**
 * `aegEventType` is the `aeg-event-type` header Event Grid sends (`SubscriptionValidation`, `Notification`,
 * `Unsubscribe`). Without it (events POSTed by hand) a `SubscriptionValidationEvent` in the body is the
 * handshake and anything else a notification.
 */
export function parseEventGridBlobRequest(body: unknown, aegEventType?: string): EventGridBlobRequest {
  let headerKind: 'validation' | 'notification' | 'unsubscribe' | undefined;
  if (aegEventType !== undefined) {
    headerKind = HEADER_KINDS[aegEventType.toLowerCase()];
    if (!headerKind)
      throw new Error(`Event Grid request: aeg-event-type '${aegEventType}' is not SubscriptionValidation, Notification or Unsubscribe.`);
  }
  // The host reads no body for Unsubscribe.
  if (headerKind === 'unsubscribe') return { kind: 'unsubscribe' };
  const parsed = RequestSchema.safeParse(body);
  if (!parsed.success) throw new Error(`Event Grid request: expected a non-empty array of events: ${parsed.error.message}`);
  const events = parsed.data;
  // The host takes the code of the first event when the header announces the handshake.
  if (headerKind === 'validation') return validationOf(events[0] as Event);
  if (headerKind === undefined) {
    const validation = events.find((e) => e.eventType === VALIDATION_EVENT);
    if (validation) return validationOf(validation);
  }
  const blobs: Array<{ container: string; blobName: string }> = [];
  for (const e of events) {
    if (e.eventType !== 'Microsoft.Storage.BlobCreated') {
      throw new Error(`Event Grid event type '${e.eventType}' is not supported by blob triggers (only Microsoft.Storage.BlobCreated).`);
    }
    const m = SUBJECT.exec(e.subject ?? '');
    if (!m)
      throw new Error(
        `Event Grid BlobCreated subject '${e.subject ?? ''}' is not /blobServices/default/containers/<container>/blobs/<name>.`,
      );
    blobs.push({ container: m[1] as string, blobName: m[2] as string });
  }
  return { kind: 'blobs', blobs };
}
