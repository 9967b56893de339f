/**
 * Drives an orchestrator through the real durable-functions replay code with synthetic histories,
 * the way the Durable extension does (out-of-proc protocol, replay schema V3), but with no host,
 * no storage and no real time: each episode delivers one new event; timers fire instantly with
 * the clock moved to their fireAt. Activity results come from a scripted function.
 */
import * as df from 'durable-functions';
import type { OrchestrationHandler } from 'durable-functions';

// Not in the package's typings: the same wrapper df.app.orchestration registers with the host.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createOrchestrator } = require('durable-functions/lib/src/util/testingUtils') as {
  createOrchestrator: (fn: OrchestrationHandler) => (trigger: unknown, context: unknown) => Promise<OrchestratorState>;
};

interface Action {
  actionType: number;
  functionName?: string;
  input?: unknown;
  fireAt?: string;
  retryOptions?: { maxNumberOfAttempts: number };
  compoundActions?: Action[];
}
interface OrchestratorState {
  isDone: boolean;
  actions: Action[][];
  output?: unknown;
  customStatus?: unknown;
}

type HistoryEvent = Record<string, unknown> & { EventType: number };

export type ActivityScript = (name: string, input: unknown, attempt: number) => { result: unknown } | { error: string };

export interface ReplayResult {
  output: unknown;
  customStatuses: unknown[];
  /** Largest history of any generation (continueAsNew starts a new one). */
  maxHistoryLength: number;
  generations: number;
  activityCalls: { name: string; input: unknown }[];
  timers: string[];
  finalTime: string;
}

function flatten(actions: Action[]): Action[] {
  return actions.flatMap((a) => (a.compoundActions ? flatten(a.compoundActions) : [a]));
}

export async function replay(
  handler: OrchestrationHandler,
  input: unknown,
  script: ActivityScript,
  options: {
    start?: string;
    maxEpisodes?: number;
    instanceId?: string;
    /**
     * An upgrade mid-run: from this episode on, the history written so far is replayed by another
     * orchestrator (the new code), as the host does after a deployment with instances in flight.
     */
    upgrade?: { atEpisode: number; handler: OrchestrationHandler };
  } = {},
): Promise<ReplayResult> {
  let run = createOrchestrator(handler);
  /** Every action decided so far in this generation: a replay must decide the same ones again. */
  let decided: Action[] = [];
  let clock = Date.parse(options.start ?? '2026-11-28T10:00:00.000Z');
  const stamp = () => new Date(clock).toISOString();
  const result: ReplayResult = {
    output: undefined,
    customStatuses: [],
    maxHistoryLength: 0,
    generations: 1,
    activityCalls: [],
    timers: [],
    finalTime: '',
  };
  let currentInput = input;
  let history: HistoryEvent[] = [];
  let seq = 0;
  let processed = 0;
  /** Events waiting to be delivered, one per episode; `failed`/`retryTimer` drive the retry interceptor. */
  const queue: {
    event: HistoryEvent;
    at?: number;
    failed?: { action: Action; attempt: number };
    retryTimer?: { action: Action; attempt: number };
  }[] = [];
  const begin = () => {
    history = [
      { EventType: 12, EventId: -1, IsPlayed: false, Timestamp: stamp() },
      {
        EventType: 0,
        EventId: -1,
        IsPlayed: false,
        Timestamp: stamp(),
        Name: 'orchestrator',
        Input: JSON.stringify(currentInput),
        ParentInstance: null,
        Version: '',
        Tags: null,
      },
    ];
    seq = 0;
    processed = 0;
  };
  begin();

  const schedule = (action: Action, id: number, attempt: number) => {
    history.push({
      EventType: 4,
      EventId: id,
      IsPlayed: false,
      Timestamp: stamp(),
      Name: action.functionName,
      Input: JSON.stringify(action.input),
    });
    result.activityCalls.push({ name: action.functionName ?? '', input: action.input });
    const outcome = script(action.functionName ?? '', action.input, attempt);
    if ('result' in outcome) {
      queue.push({ event: { EventType: 5, EventId: -1, TaskScheduledId: id, Result: JSON.stringify(outcome.result) } });
    } else {
      queue.push({
        event: {
          EventType: 6,
          EventId: -1,
          TaskScheduledId: id,
          Reason: `Activity function '${action.functionName}' failed: ${outcome.error}`,
          Details: outcome.error,
        },
        failed: { action, attempt },
      });
    }
  };

  for (let episode = 0; episode < (options.maxEpisodes ?? 10_000); episode++) {
    if (options.upgrade && episode === options.upgrade.atEpisode) run = createOrchestrator(options.upgrade.handler);
    const context = new df.DummyOrchestrationContext('orchestrator', `episode-${episode}`, () => {});
    const state = await run(
      {
        history: history.map((e) => ({ ...e })),
        input: currentInput,
        instanceId: options.instanceId ?? 'test-instance',
        isReplaying: false,
        parentInstanceId: '',
        upperSchemaVersion: 1,
        upperSchemaVersionNew: 2,
        longRunningTimerIntervalDuration: '3.00:00:00',
        maximumShortTimerDuration: '6.00:00:00',
        defaultHttpAsyncRequestSleepTimeMillseconds: 30000,
      },
      context,
    );
    result.customStatuses.push(state.customStatus);
    result.maxHistoryLength = Math.max(result.maxHistoryLength, history.length);
    const actions = flatten(state.actions.flat());
    // The replay must decide what the history says was decided: same kind, function and fire time.
    const key = (a: Action) => `${a.actionType}:${a.functionName ?? ''}:${a.fireAt ?? ''}`;
    const diverged = decided.findIndex((a, i) => !actions[i] || key(actions[i]!) !== key(a));
    if (diverged >= 0)
      throw new Error(
        `replay driver: episode ${episode} replayed action ${diverged} as ${actions[diverged] ? key(actions[diverged]!) : 'nothing'}, the history has ${key(decided[diverged]!)}`,
      );
    const fresh = actions.slice(processed);
    processed = actions.length;
    decided = actions;
    for (const e of history) e.IsPlayed = true;
    const continueAsNew = fresh.find((a) => a.actionType === 4);
    if (continueAsNew) {
      currentInput = continueAsNew.input;
      result.generations++;
      queue.length = 0;
      decided = [];
      begin();
      continue;
    }
    if (state.isDone) {
      result.output = state.output;
      result.finalTime = stamp();
      return result;
    }
    for (const action of fresh) {
      const id = seq++;
      if (action.actionType === 0 || action.actionType === 1) {
        schedule(action, id, 1);
      } else if (action.actionType === 5) {
        history.push({ EventType: 10, EventId: id, IsPlayed: false, Timestamp: stamp(), FireAt: action.fireAt });
        result.timers.push(action.fireAt ?? '');
        queue.push({ event: { EventType: 11, EventId: -1, TimerId: id, FireAt: action.fireAt }, at: Date.parse(action.fireAt ?? stamp()) });
      } else {
        throw new Error(`replay driver: action type ${action.actionType} is not supported`);
      }
    }
    history.push({ EventType: 13, EventId: -1, IsPlayed: false, Timestamp: stamp() });
    const next = queue.shift();
    if (!next) throw new Error('replay driver: the orchestrator is waiting for nothing');
    if (next.at !== undefined) clock = Math.max(clock, next.at);
    history.push({ EventType: 12, EventId: -1, IsPlayed: false, Timestamp: stamp() });
    history.push({ ...next.event, Timestamp: stamp(), IsPlayed: false });
    if (next.failed && next.failed.action.actionType === 1) {
      // The retry interceptor: TaskFailed(n) → retry timer (n+1) → next attempt (n+2); a timer also follows the last attempt.
      const timerId = seq++;
      history.push({ EventType: 10, EventId: timerId, IsPlayed: false, Timestamp: stamp(), FireAt: stamp() });
      queue.unshift({ event: { EventType: 11, EventId: -1, TimerId: timerId, FireAt: stamp() }, retryTimer: next.failed });
    }
    if (next.retryTimer) {
      const attempt = next.retryTimer.attempt + 1;
      if (attempt <= (next.retryTimer.action.retryOptions?.maxNumberOfAttempts ?? 1)) schedule(next.retryTimer.action, seq++, attempt);
    }
  }
  throw new Error('replay driver: too many episodes');
}
