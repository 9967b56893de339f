/**
 * A CSV lands in autopilot-intake (any path): start its run. In Azure the trigger is fed by Event
 * Grid (source 'EventGrid'); the local host polls. Redeliveries of the same version find the run
 * already started and do nothing.
 */
import { app, type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { z } from 'zod';
import { CONTAINERS } from '../shared/storage/object-store';
import { getServices } from './composition';
import { startRunIfNew } from './start-run';

const TriggerMetadata = z.object({
  blobTrigger: z.string(),
  properties: z.object({ eTag: z.string().optional(), etag: z.string().optional() }).passthrough(),
});

app.storageBlob('intakeBlobTrigger', {
  path: `${CONTAINERS.intake}/{name}`,
  connection: 'AzureWebJobsStorage',
  source: 'EventGrid',
  extraInputs: [df.input.durableClient()],
  handler: async (_blob: unknown, context: InvocationContext) => {
    const meta = TriggerMetadata.parse(context.triggerMetadata);
    const etag = meta.properties.eTag ?? meta.properties.etag;
    if (!etag) throw new Error('blob trigger metadata has no ETag; cannot derive the run id');
    const slash = meta.blobTrigger.indexOf('/');
    const source = { container: meta.blobTrigger.slice(0, slash), name: meta.blobTrigger.slice(slash + 1), etag };
    const { config } = getServices();
    const { runId, started } = await startRunIfNew(df.getClient(context), source, config.settings);
    context.log(started ? `[${runId}] started for ${source.container}/${source.name}` : `[${runId}] already started; redelivery ignored`);
  },
});
