/* global require, process */
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS app, loaded by the host the way a compiled Functions app is */
// HTTP triggers: a durable starter and a plain echo with route constraints.
const { app } = require('@azure/functions');
const df = require('durable-functions');

app.http('startOrchestration', {
  route: 'orchestrators/{name}/{instanceId?}',
  methods: ['POST'],
  extraInputs: [df.input.durableClient()],
  handler: async (request, context) => {
    const client = df.getClient(context);
    const text = await request.text();
    const input = text ? JSON.parse(text) : undefined;
    const instanceId = await client.startNew(request.params.name, { instanceId: request.params.instanceId, input });
    return client.createCheckStatusResponse(request, instanceId);
  },
});

// appStart hooks run after the entry points load, before the first invocation.
let appStarted = 'no';
app.hook.appStart((ctx) => {
  appStarted = typeof ctx.hookData === 'object' ? 'yes' : 'without hookData';
});

app.http('echo', {
  route: 'items/{id:int}/{label?}',
  methods: ['GET', 'PUT'],
  handler: async (request, context) => {
    const body = await request.text();
    return {
      status: request.method === 'PUT' ? 201 : 200,
      headers: { 'x-echo': request.headers.get('x-probe') ?? 'none' },
      cookies: [{ name: 'seen', value: '1', path: '/' }],
      jsonBody: {
        id: Number(request.params.id),
        label: request.params.label ?? null,
        q: request.query.get('q'),
        body,
        fn: context.functionName,
        greeting: process.env.PATTERNS_GREETING,
      },
    };
  },
});

// A timer that runs once at startup and starts an orchestration through the durable client.
app.timer('startupTimer', {
  schedule: '0 0 0 1 1 *',
  runOnStartup: true,
  extraInputs: [df.input.durableClient()],
  handler: async (timer, context) => {
    const client = df.getClient(context);
    const id = 'timer-startup';
    const existing = await client.getStatus(id).catch(() => undefined);
    if (!existing) {
      await client.startNew('sequence', {
        instanceId: id,
        input: `timer ${typeof timer.isPastDue} ${timer.schedule && typeof timer.schedule.adjustForDST}`,
      });
    }
  },
});

// Hooks run around every invocation, as in the real worker.
app.hook.preInvocation((ctx) => {
  if (ctx.invocationContext.functionName === 'echo') ctx.hookData.startedBy = 'preInvocation';
});
app.hook.postInvocation((ctx) => {
  if (ctx.invocationContext.functionName === 'echo' && ctx.hookData.startedBy === 'preInvocation' && ctx.result && ctx.result.headers) {
    ctx.result.headers['x-hooks'] = `pre+post, appStart ${appStarted}`;
  }
});
