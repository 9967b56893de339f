/* global require */
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS app, loaded by the host the way a compiled Functions app is */
// Workloads for bench/host-*.ts: a chain of N sequential activities.
const df = require('durable-functions');

df.app.activity('inc', { handler: (n) => n + 1 });

df.app.orchestration('chain', function* (context) {
  const steps = context.df.getInput();
  let n = 0;
  for (let i = 0; i < steps; i++) n = yield context.df.callActivity('inc', n);
  return n;
});
