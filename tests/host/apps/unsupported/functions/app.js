/* global require */
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS app, loaded by the host the way a compiled Functions app is */
// Bindings the local host does not serve: it must refuse to start and name them.
const { app } = require('@azure/functions');

app.storageQueue('fromQueue', { queueName: 'work', connection: 'AzureWebJobsStorage', handler: () => undefined });
app.http('ok', { handler: () => ({ body: 'ok' }) });
