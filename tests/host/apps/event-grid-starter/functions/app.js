/* global require */
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS app, loaded by the host the way a compiled Functions app is */
// An Event Grid trigger fed BlobCreated events (the app's intake shape): it starts an orchestration
// whose input is every argument the function was handed, so a test can see exactly what it got.
const { app } = require('@azure/functions');
const df = require('durable-functions');

app.eventGrid('onBlobCreated', {
  extraInputs: [df.input.durableClient()],
  handler: async (event, context) => {
    const client = df.getClient(context);
    await client.startNew('record', {
      instanceId: `created-${event.data.eTag}`,
      input: { event, triggerMetadata: context.triggerMetadata ?? null },
    });
  },
});

df.app.activity('echo', { handler: (input) => input });

df.app.orchestration('record', function* (context) {
  return yield context.df.callActivity('echo', context.df.getInput());
});
