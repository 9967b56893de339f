/* global require, process, setTimeout */
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS app, loaded by the host the way a compiled Functions app is */
// A blob trigger that starts an orchestration through the durable client and writes output bindings,
// plus a blob trigger that always fails (to reach the poison queue).
const { app, output } = require('@azure/functions');
const df = require('durable-functions');

const processed = output.storageBlob({ path: 'processed/{name}', connection: 'AzureWebJobsStorage' });
const seen = output.storageQueue({ queueName: 'uploads-seen', connection: 'AzureWebJobsStorage' });

app.storageBlob('onUpload', {
  path: 'uploads/{name}',
  connection: 'AzureWebJobsStorage',
  extraInputs: [df.input.durableClient()],
  extraOutputs: [processed, seen],
  handler: async (blob, context) => {
    const client = df.getClient(context);
    const name = context.triggerMetadata.name;
    // Deterministic id: delivery is at least once.
    const instanceId = `upload-${name}`;
    await client.startNew('processUpload', {
      instanceId,
      input: { name, text: blob.toString('utf8'), blobTrigger: context.triggerMetadata.blobTrigger },
    });
    context.extraOutputs.set(processed, `seen ${name}`);
    context.extraOutputs.set(seen, { name, length: blob.length });
  },
});

app.storageBlob('alwaysFails', {
  path: 'bad/{name}',
  connection: 'AzureWebJobsStorage',
  handler: async () => {
    throw new Error('cannot process this blob');
  },
});

// Marks each try in a file, then works slowly, so a test can kill the host mid-invocation.
app.storageBlob('slowStarter', {
  path: 'slow/{name}',
  connection: 'AzureWebJobsStorage',
  extraInputs: [df.input.durableClient()],
  handler: async (blob, context) => {
    const name = context.triggerMetadata.name;
    require('node:fs').appendFileSync(process.env.BLOB_TRIES_FILE, `${name}\n`);
    await new Promise((r) => setTimeout(r, Number(process.env.SLOW_BLOB_MS ?? 0)));
    const client = df.getClient(context);
    const instanceId = `slow-${name}`;
    const existing = await client.getStatus(instanceId).catch(() => undefined);
    if (!existing)
      await client.startNew('processUpload', {
        instanceId,
        input: { name, text: blob.toString('utf8'), blobTrigger: context.triggerMetadata.blobTrigger },
      });
  },
});

df.app.activity('upper', { handler: (text) => text.toUpperCase() });

df.app.orchestration('processUpload', function* (context) {
  const input = context.df.getInput();
  const upper = yield context.df.callActivity('upper', input.text);
  return { name: input.name, blobTrigger: input.blobTrigger, upper };
});
