/* global require */
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS app, loaded by the host the way a compiled Functions app is */
// A timer that runs on startup (and otherwise once a year) and records what the handler received,
// so a test can see the timer object exactly as the real @azure/functions hands it to user code.
const { app, output } = require('@azure/functions');

const seen = output.storageBlob({ path: 'timer-seen/{rand-guid}.json', connection: 'AzureWebJobsStorage' });

app.timer('yearlyTick', {
  schedule: '0 0 0 1 Jan *',
  runOnStartup: true,
  extraOutputs: [seen],
  handler: async (myTimer, context) => {
    context.extraOutputs.set(seen, { timer: myTimer, at: new Date().toISOString() });
  },
});
