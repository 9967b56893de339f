/* global require, setTimeout */
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS app, loaded by the host the way a compiled Functions app is */
// One orchestration with one event of each kind a status history shows: an activity, a failed
// activity, a timer, a sub-orchestration and an external event; plus one whose activity waits.
const fs = require('node:fs');
const df = require('durable-functions');

df.app.activity('greet', { handler: (name) => `Hello ${name}` });
df.app.activity('refuse', {
  handler: () => {
    throw new Error('not today');
  },
});
// Holds until the test creates the file, so the test can read the history while it is scheduled.
df.app.activity('gate', {
  handler: async ({ file }) => {
    while (!fs.existsSync(file)) await new Promise((r) => setTimeout(r, 20));
    return 'opened';
  },
});

// eslint-disable-next-line require-yield -- a sub-orchestration that only returns its input
df.app.orchestration('child', function* (context) {
  return { child: context.df.getInput() };
});

df.app.orchestration('shape', function* (context) {
  const { name } = context.df.getInput();
  const greeting = yield context.df.callActivity('greet', name);
  let refused = null;
  try {
    yield context.df.callActivity('refuse', { why: 'test' });
  } catch (err) {
    refused = err.message.split('\n')[0].trim();
  }
  yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + 10));
  const child = yield context.df.callSubOrchestrator('child', name, `${context.df.instanceId}-child`);
  const approval = yield context.df.waitForExternalEvent('approval');
  return { greeting, refused, child, approval };
});

df.app.orchestration('gated', function* (context) {
  return yield context.df.callActivity('gate', context.df.getInput());
});

df.app.orchestration('waitForever', function* (context) {
  return yield context.df.waitForExternalEvent('never');
});
