/**
 * A CSV lands in autopilot-intake (any path): start its run. In Azure the trigger is fed by Event
 * Grid (source 'EventGrid'); the local host polls or takes the same webhook. Redeliveries of the
 * same version find the run already started and do nothing.
 */
import type { InvocationContext } from '@azure/functions';
import { z } from 'zod';
import type { RunSettings } from '../shared/contracts/run';
import { startRunIfNew, type RunStarter } from './start-run';

const TriggerMetadata = z.object({
  blobTrigger: z.string(),
  properties: z.object({ eTag: z.string().optional(), etag: z.string().optional() }).passthrough(),
});

export interface BlobTriggerDeps {
  settings: RunSettings;
  clientOf: (context: InvocationContext) => RunStarter;
}

export function intakeBlobHandler(deps: BlobTriggerDeps) {
  return async (_blob: unknown, context: InvocationContext): Promise<void> => {
    const meta = TriggerMetadata.parse(context.triggerMetadata);
    const etag = meta.properties.eTag ?? meta.properties.etag;
    if (!etag) throw new Error('blob trigger metadata has no ETag; cannot derive the run id');
    const slash = meta.blobTrigger.indexOf('/');
    const source = { container: meta.blobTrigger.slice(0, slash), name: meta.blobTrigger.slice(slash + 1), etag };
    const { runId, started } = await startRunIfNew(deps.clientOf(context), source, deps.settings);
    context.log(started ? `[${runId}] started for ${source.container}/${source.name}` : `[${runId}] already started; redelivery ignored`);
  };
}
