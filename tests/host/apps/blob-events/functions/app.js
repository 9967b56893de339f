/* global require, process, setTimeout */
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS app, loaded by the host the way a compiled Functions app is */
// Blob triggers for the Event Grid webhook tests: one fed by Event Grid (its blobs in another storage
// account than AzureWebJobsStorage), one polled, and an HTTP function.
const { existsSync, appendFileSync } = require('node:fs');
const { app } = require('@azure/functions');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Records each try (start and end, with the blob version); blobs named gated* wait for a file first,
// so a test can stop the host while one runs.
app.storageBlob('onEvent', {
  path: 'events/{name}',
  connection: 'EventsStorage',
  source: 'EventGrid',
  handler: async (blob, context) => {
    const name = context.triggerMetadata.name;
    const etag = context.triggerMetadata.properties.eTag ?? context.triggerMetadata.properties.etag;
    appendFileSync(process.env.EVENTS_LOG, `${JSON.stringify({ phase: 'start', name, etag, text: blob.toString('utf8') })}\n`);
    if (name.startsWith('gated')) while (!existsSync(process.env.EVENTS_GATE)) await sleep(50);
    appendFileSync(process.env.EVENTS_LOG, `${JSON.stringify({ phase: 'end', name, etag })}\n`);
  },
});

app.storageBlob('polledBlob', {
  path: 'polled/{name}',
  connection: 'AzureWebJobsStorage',
  handler: async () => undefined,
});

app.http('ping', {
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: async () => ({ body: 'pong' }),
});
