/**
 * A CSV lands in autopilot-intake (any path): start its run. Event Grid delivers the storage
 * account's `Microsoft.Storage.BlobCreated` event (infra/eventgrid/blob-subscription.bicep; locally
 * the host plays that part, docs/LOCAL-HOST-TRIGGERS.md): the function gets the blob's identity —
 * container, name, ETag — and never its content, which the parse step streams from storage (a
 * 1,000,000-row file is 2 GB). Redeliveries of the same version find the run already started and do
 * nothing.
 */
import type { EventGridEvent, InvocationContext } from '@azure/functions';
import { z } from 'zod';
import type { RunSettings } from '../shared/contracts/run';
import { CONTAINERS } from '../shared/storage/object-store';
import { startRunIfNew, type RunStarter } from './start-run';

/** Blob Storage's BlobCreated in the Event Grid schema: only what names the version is read. */
const BlobCreated = z.object({
  eventType: z.literal('Microsoft.Storage.BlobCreated'),
  subject: z.string().regex(/^\/blobServices\/default\/containers\/[^/]+\/blobs\/.+$/),
  data: z.object({ eTag: z.string().min(1), contentLength: z.number().int().min(0).optional() }).passthrough(),
});

export interface BlobCreatedDeps {
  settings: RunSettings;
  clientOf: (context: InvocationContext) => RunStarter;
}

export function intakeBlobCreatedHandler(deps: BlobCreatedDeps) {
  return async (event: EventGridEvent, context: InvocationContext): Promise<void> => {
    const parsed = BlobCreated.safeParse(event);
    // Not ours to start (the subscription filters these out): said and dropped, not retried.
    if (!parsed.success) {
      context.log(`event ${event.id} (${String(event.eventType)}) is not a BlobCreated of a blob; ignored`);
      return;
    }
    const [, container, name] = /^\/blobServices\/default\/containers\/([^/]+)\/blobs\/(.+)$/.exec(parsed.data.subject)!;
    if (container !== CONTAINERS.intake) {
      context.log(`event ${event.id}: a blob in ${container}, not ${CONTAINERS.intake}; ignored`);
      return;
    }
    // Event Grid gives the ETag bare (0x8D…); storage conditions (If-Match) take it quoted.
    const etag = parsed.data.data.eTag.startsWith('"') ? parsed.data.data.eTag : `"${parsed.data.data.eTag}"`;
    const source = { container: container!, name: name!, etag };
    const { runId, started } = await startRunIfNew(deps.clientOf(context), source, deps.settings);
    context.log(started ? `[${runId}] started for ${source.container}/${source.name}` : `[${runId}] already started; redelivery ignored`);
  };
}
