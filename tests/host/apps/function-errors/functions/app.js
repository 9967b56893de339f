/* global require */
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS app, loaded by the host the way a compiled Functions app is */
// Working functions beside functions the local host cannot serve: those are reported in error, the
// rest runs, and calling one in error answers with the reason.
const { app, output } = require('@azure/functions');
const df = require('durable-functions');

// An output binding type no extension here provides (an SMS sender, as in the phone-verification pattern).
const sms = output.generic({ type: 'smsSender', from: '%SenderNumber%', accountSetting: 'SenderAccount' });

df.app.activity('sendCode', {
  extraOutputs: [sms],
  handler: (phone, context) => {
    context.extraOutputs.set(sms, { to: phone, body: 'code 1234' });
    return 1234;
  },
});

app.http('notify', {
  methods: ['GET'],
  extraOutputs: [sms],
  handler: (request, context) => {
    context.extraOutputs.set(sms, { to: '+1000', body: 'hi' });
    return { body: 'sent' };
  },
});

// A trigger the local host does not provide.
app.storageQueue('fromQueue', { queueName: 'work', connection: 'AzureWebJobsStorage', handler: () => undefined });

// Orchestrators must not write output bindings (they would be written on every replay).
const audit = output.storageBlob({ path: 'audit/{rand-guid}.json', connection: 'AzureWebJobsStorage' });
df.app.orchestration('auditedFlow', {
  extraOutputs: [audit],
  handler: function* (context) {
    yield context.df.callActivity('hello', 'audit');
    return 'never runs';
  },
});

// A storage output whose connection app setting does not exist.
const missing = output.storageBlob({ path: 'out/{site}.json', connection: 'MissingStorage' });
df.app.activity('saveReport', { extraOutputs: [missing], handler: () => 'never runs' });

// The working part of the app.
app.http('ping', { methods: ['GET'], handler: () => ({ body: 'pong' }) });
df.app.activity('hello', { handler: (name) => `Hello ${name}` });

df.app.orchestration('verifyPhone', function* (context) {
  const greeting = yield context.df.callActivity('hello', context.df.getInput());
  try {
    yield context.df.callActivity('sendCode', context.df.getInput());
    return { greeting, sent: true };
  } catch (err) {
    return { greeting, error: err.message.split('\n')[0].trim() };
  }
});
