import { z } from 'zod';

/**
 * Event Grid deliveries for blob triggers with `source: 'EventGrid'`. In Azure, Event Grid POSTs
 * `Microsoft.Storage.BlobCreated` events to `/runtime/webhooks/blobs?functionName=Host.Functions.<name>`.
 * Azurite emits no events, so locally they are only ever POSTed by hand or by a test; the listener also
 * polls such containers. This parses one request body (Event Grid schema, an array of events).
 */
const EventSchema = z.object({
  id: z.string().optional(),
  eventType: z.string().min(1),
  subject: z.string().optional(),
  data: z.record(z.string(), z.unknown()).optional(),
});
const RequestSchema = z.array(EventSchema).min(1);

export type EventGridBlobRequest =
  | { kind: 'validation'; response: { validationResponse: string } }
  | { kind: 'blobs'; blobs: Array<{ container: string; blobName: string }> };

const SUBJECT = /^\/blobServices\/default\/containers\/([^/]+)\/blobs\/(.+)$/;

export function parseEventGridBlobRequest(body: unknown): EventGridBlobRequest {
  const parsed = RequestSchema.safeParse(body);
  if (!parsed.success) throw new Error(`Event Grid request: expected a non-empty array of events: ${parsed.error.message}`);
  const events = parsed.data;
  const validation = events.find((e) => e.eventType === 'Microsoft.EventGrid.SubscriptionValidationEvent');
  if (validation) {
    const code = validation.data?.validationCode;
    if (typeof code !== 'string' || code.length === 0) throw new Error('Event Grid subscription validation event without data.validationCode.');
    return { kind: 'validation', response: { validationResponse: code } };
  }
  const blobs: Array<{ container: string; blobName: string }> = [];
  for (const e of events) {
    if (e.eventType !== 'Microsoft.Storage.BlobCreated') {
      throw new Error(`Event Grid event type '${e.eventType}' is not supported by blob triggers (only Microsoft.Storage.BlobCreated).`);
    }
    const m = SUBJECT.exec(e.subject ?? '');
    if (!m) throw new Error(`Event Grid BlobCreated subject '${e.subject ?? ''}' is not /blobServices/default/containers/<container>/blobs/<name>.`);
    blobs.push({ container: m[1] as string, blobName: m[2] as string });
  }
  return { kind: 'blobs', blobs };
}
