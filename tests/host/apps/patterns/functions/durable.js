/* global require, setTimeout */
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS app, loaded by the host the way a compiled Functions app is */
// One orchestration per Durable pattern the host must support.
const df = require('durable-functions');
const fs = require('node:fs');

const attempts = new Map();

df.app.activity('sayHello', { handler: (name) => `Hello ${name}` });
df.app.activity('shout', { handler: (s) => `${String(s).toUpperCase()}!` });
df.app.activity('double', { handler: (n) => n * 2 });
df.app.activity('noInput', { handler: (input) => ({ got: input === null ? 'null' : typeof input }) });
df.app.activity('flaky', {
  // Fails until the given attempt, counted per key (in-process; the contract tests do not restart).
  handler: (input) => {
    const n = (attempts.get(input.key) ?? 0) + 1;
    attempts.set(input.key, n);
    if (n < input.succeedOn) throw new Error(`flaky attempt ${n}`);
    return n;
  },
});
df.app.activity('alwaysFails', {
  handler: () => {
    throw new Error('nope');
  },
});

// durable-functions 3.5: errors that carry properties travel as FailureDetails.
df.app.setExceptionPropertiesProvider({ getExceptionProperties: (err) => (err && err.code ? { code: err.code } : undefined) });
df.app.activity('failsWithCode', {
  handler: () => {
    const err = new RangeError('quota exceeded');
    err.code = 'E42';
    throw err;
  },
});
df.app.activity('slow', { handler: (ms) => new Promise((r) => setTimeout(() => r(`slept ${ms}`), ms)) });
df.app.activity('appendEffect', {
  // A visible side effect for crash tests: one line per execution in a file.
  handler: (input) => {
    fs.appendFileSync(input.file, `${input.tag}\n`);
    return input.tag;
  },
});

let running = 0;
df.app.activity('concurrencyProbe', {
  // Reports how many probes ran at once (the host process runs them all).
  handler: async () => {
    running++;
    const seen = running;
    await new Promise((r) => setTimeout(r, 200));
    running--;
    return seen;
  },
});

df.app.orchestration('concurrency', function* (context) {
  const seen = yield context.df.Task.all(Array.from({ length: 8 }, () => context.df.callActivity('concurrencyProbe')));
  return Math.max(...seen);
});

df.app.orchestration('sequence', function* (context) {
  const name = context.df.getInput();
  const a = yield context.df.callActivity('sayHello', name);
  const b = yield context.df.callActivity('shout', a);
  const c = yield context.df.callActivity('noInput');
  return { a, b, c, replaying: context.df.isReplaying };
});

df.app.orchestration('timer', function* (context) {
  const start = context.df.currentUtcDateTime.getTime();
  yield context.df.createTimer(new Date(start + 300));
  return context.df.currentUtcDateTime.getTime() - start;
});

df.app.orchestration('longTimer', function* (context) {
  const start = context.df.currentUtcDateTime.getTime();
  yield context.df.createTimer(new Date(start + context.df.getInput()));
  return context.df.currentUtcDateTime.getTime() - start;
});

df.app.orchestration('retry', function* (context) {
  const n = yield context.df.callActivityWithRetry('flaky', new df.RetryOptions(50, 5), context.df.getInput());
  return n;
});

df.app.orchestration('retryExhausted', function* (context) {
  try {
    yield context.df.callActivityWithRetry('alwaysFails', new df.RetryOptions(20, 3));
    return 'unexpected';
  } catch (e) {
    return `caught: ${e.message.split('\n')[0]}`;
  }
});

df.app.orchestration('failureDetails', function* (context) {
  try {
    yield context.df.callActivity('failsWithCode');
    return 'unexpected';
  } catch (e) {
    return { name: e.name, message: e.message, errorType: e.failureDetails.errorType, properties: e.failureDetails.properties };
  }
});

df.app.orchestration('fanOut', function* (context) {
  const n = context.df.getInput();
  const tasks = [];
  for (let i = 1; i <= n; i++) tasks.push(context.df.callActivity('double', i));
  const results = yield context.df.Task.all(tasks);
  return results.reduce((s, x) => s + x, 0);
});

df.app.orchestration('approval', function* (context) {
  context.df.setCustomStatus({ stage: 'waiting' });
  const evt = yield context.df.waitForExternalEvent('approve');
  context.df.setCustomStatus({ stage: 'approved' });
  return evt;
});

df.app.orchestration('raceTimer', function* (context) {
  const deadline = new Date(context.df.currentUtcDateTime.getTime() + context.df.getInput().timeoutMs);
  const timer = context.df.createTimer(deadline);
  const evt = context.df.waitForExternalEvent('go');
  const winner = yield context.df.Task.any([evt, timer]);
  if (winner === evt) {
    timer.cancel();
    const after = yield context.df.callActivity('sayHello', 'after-cancel');
    return { winner: 'event', value: evt.result, after };
  }
  return { winner: 'timer' };
});

df.app.orchestration('eternal', function* (context) {
  const n = context.df.getInput();
  const v = yield context.df.callActivity('double', n);
  if (n < 3) {
    context.df.continueAsNew(n + 1);
    return;
  }
  return { n, v };
});

df.app.orchestration('child', function* (context) {
  const input = context.df.getInput();
  if (input && input.fail) throw new Error(`child failed on purpose (${input.tag})`);
  return yield context.df.callActivity('sayHello', input.tag);
});

df.app.orchestration('parent', function* (context) {
  const ok = yield context.df.callSubOrchestrator('child', { tag: 'kid' }, `${context.df.instanceId}-kid`);
  let failed;
  try {
    yield context.df.callSubOrchestrator('child', { fail: true, tag: 'bad' });
  } catch (e) {
    failed = e.message.split('\n')[0];
  }
  return { ok, failed };
});

df.app.orchestration('parentRetry', function* (context) {
  try {
    yield context.df.callSubOrchestratorWithRetry('child', new df.RetryOptions(20, 2), { fail: true, tag: 'retry' });
    return 'unexpected';
  } catch (e) {
    return `gave up: ${e.message.split('\n')[0]}`;
  }
});

df.app.orchestration('fails', function* (context) {
  yield context.df.callActivity('sayHello', 'f');
  throw new Error('orchestrator exploded');
});

df.app.orchestration('activityFails', function* (context) {
  yield context.df.callActivity('alwaysFails');
  return 'unreachable';
});

df.app.orchestration('usesCallHttp', function* (context) {
  yield context.df.callHttp({ method: 'GET', url: 'http://127.0.0.1:1/never' });
  return 'unreachable';
});

df.app.orchestration('usesLock', function* (context) {
  yield context.df.lock([new df.EntityId('counter', 'locked')]);
  return 'unreachable';
});

let nonDeterministicRuns = 0;
df.app.orchestration('nonDeterministic', function* (context) {
  // Schedules a different activity on replay: exactly the mistake production rejects.
  nonDeterministicRuns++;
  yield context.df.callActivity(nonDeterministicRuns === 1 ? 'sayHello' : 'shout', 'x');
  return 'unreachable';
});

df.app.entity('counter', (context) => {
  const current = context.df.getState(() => 0);
  switch (context.df.operationName) {
    case 'add':
      context.df.setState(current + context.df.getInput());
      break;
    case 'get':
      context.df.return(current);
      break;
    case 'reset':
      context.df.destructOnExit();
      break;
    case 'forward': {
      // Entity-to-entity signal: delivered after this batch commits.
      const { key, amount } = context.df.getInput();
      context.df.signalEntity(new df.EntityId('counter', key), 'add', amount);
      break;
    }
    default:
      throw new Error(`unknown operation ${context.df.operationName}`);
  }
});

df.app.orchestration('entityOrch', function* (context) {
  const id = new df.EntityId('counter', context.df.getInput());
  yield context.df.callEntity(id, 'add', 5);
  context.df.signalEntity(id, 'add', 1);
  const v = yield context.df.callEntity(id, 'get');
  let err;
  try {
    yield context.df.callEntity(id, 'explode');
  } catch (e) {
    err = String(e.message).split('\n')[0];
  }
  return { v, err };
});

df.app.orchestration('crashWorkload', function* (context) {
  // Sequence + fan-out + timer + retry: every kind of commit the crash tests interrupt.
  const { file, id, width } = context.df.getInput();
  const first = yield context.df.callActivity('appendEffect', { file, tag: `${id}:first` });
  const fan = [];
  for (let i = 0; i < width; i++) fan.push(context.df.callActivity('appendEffect', { file, tag: `${id}:fan${i}` }));
  const fanResults = yield context.df.Task.all(fan);
  yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + 50));
  const last = yield context.df.callActivityWithRetry('appendEffect', new df.RetryOptions(20, 3), { file, tag: `${id}:last` });
  return [first, ...fanResults, last];
});
