import { completionId, EventType, historyEvent, isFailure, OrchestrationStatusCode, type HistoryEvent } from './history';
import { ActionType, actionName, describeAction, leafActions, sameKind, type Action, type OrchestratorState } from './orchestrator-state';
import {
  activityKey,
  timerKey,
  type ActivityWork,
  type CreateSpec,
  type EntityOpDelivery,
  type InstanceState,
  type JournalRecord,
  type LeafSig,
  type Message,
  type RetryState,
  type RuntimeStatus,
  type TimerWork,
} from './state';

/** What the orchestrator function answered: its state, or a failure (with the state if the SDK attached one). */
export type OrchestratorOutcome = { ok: true; state: OrchestratorState } | { ok: false; error: string; state?: OrchestratorState };

export interface EpisodeDeps {
  invokeOrchestrator(name: string, payload: string): Promise<OrchestratorOutcome>;
  /** Registered orchestrator name (case-insensitive lookup), or undefined. */
  orchestratorName(name: string): string | undefined;
  isRunning(instanceId: string): boolean;
  newGuid(): string;
  now(): Date;
}

/**
 * The played part of an instance's history as JSON text, kept in memory and extended by append, so an
 * episode costs one pass over the history (building the payload) instead of re-serialising it.
 */
export class HistoryCache {
  private readonly byInstance = new Map<string, { executionId: string; count: number; json: string }>();

  playedJson(inst: InstanceState): string {
    let c = this.byInstance.get(inst.instanceId);
    if (!c || c.executionId !== inst.executionId || c.count > inst.history.length) {
      c = { executionId: inst.executionId, count: 0, json: '' };
      this.byInstance.set(inst.instanceId, c);
    }
    const parts: string[] = [];
    for (let i = c.count; i < inst.history.length; i++) {
      const e = inst.history[i];
      if (e) parts.push(JSON.stringify({ ...e, IsPlayed: true }));
    }
    if (parts.length > 0) c.json += (c.json ? ',' : '') + parts.join(',');
    c.count = inst.history.length;
    return c.json;
  }

  forget(instanceId: string): void {
    this.byInstance.delete(instanceId);
  }
}

const ISO_MAX = (...xs: string[]): string => xs.reduce((a, b) => (b > a ? b : a));

function retryDelayMs(r: RetryState): number {
  const o = r.options;
  const delay = o.firstRetryIntervalInMilliseconds * (o.backoffCoefficient ?? 1) ** (r.attempt - 1);
  return Math.min(delay, o.maxRetryIntervalInMilliseconds ?? Number.POSITIVE_INFINITY);
}

/**
 * Runs one episode: the instance's oldest inbox message is handed to the orchestrator together with
 * the played history. One new event per episode keeps the implicit sequence ids in the SDK's order
 * (host continuations such as retry timers take their ids before the orchestrator's new actions).
 * Returns the journal record that commits all of the episode's effects at once.
 */
export async function runEpisode(inst: InstanceState, cache: HistoryCache, deps: EpisodeDeps): Promise<JournalRecord> {
  const item = inst.inbox[0];
  if (!item) throw new Error(`runEpisode called for ${inst.instanceId} with an empty inbox`);
  const e = item.event;
  const cid = completionId(e);
  if ((item.executionId !== undefined && item.executionId !== inst.executionId) || (cid !== undefined && inst.completed[cid])) {
    return { t: 'drop', instanceId: inst.instanceId, seq: item.seq };
  }
  const wall = deps.now();
  const startedAt = ISO_MAX(
    wall.toISOString(),
    inst.lastStarted,
    e.EventType === EventType.TimerFired && typeof e.FireAt === 'string' ? e.FireAt : '',
  );
  const exec = inst.executionId;
  let nextId = inst.nextId;
  const retries = { ...inst.retries };
  const retryTimers = { ...inst.retryTimers };
  const added: HistoryEvent[] = [];
  const activities: ActivityWork[] = [];
  const timers: TimerWork[] = [];
  const cancelTimers: string[] = [];
  const creates: CreateSpec[] = [];
  const messages: Message[] = [];
  const entityOps: EntityOpDelivery[] = [];

  const addTimer = (id: number, fireAt: string, armed: boolean) => {
    added.push(historyEvent(EventType.TimerCreated, { EventId: id, FireAt: fireAt }, startedAt));
    if (armed)
      timers.push({ key: timerKey(inst.instanceId, exec, id), instanceId: inst.instanceId, executionId: exec, timerId: id, fireAt });
  };
  const scheduleActivity = (id: number, name: string, input: unknown, retry?: RetryState) => {
    // DTFx's ScheduleTask serialises its parameters array, so the recorded Input is `[input]` (the
    // extension's activity trigger unwraps that one-element array); the SDK ignores this event's Input.
    added.push(historyEvent(EventType.TaskScheduled, { EventId: id, Name: name, Input: JSON.stringify([input ?? null]) }, startedAt));
    activities.push({
      key: activityKey(inst.instanceId, exec, id),
      instanceId: inst.instanceId,
      executionId: exec,
      taskId: id,
      name,
      input,
    });
    if (retry) retries[id] = retry;
  };
  const scheduleSub = (id: number, name: string, input: unknown, explicitId: string | undefined, retry?: RetryState) => {
    const childId = explicitId ?? `${inst.instanceId}:${id}`;
    const inputText = JSON.stringify(input ?? null);
    added.push(
      historyEvent(
        EventType.SubOrchestrationInstanceCreated,
        { EventId: id, Name: name, InstanceId: childId, Input: inputText },
        startedAt,
      ),
    );
    if (retry) retries[id] = retry;
    const registered = deps.orchestratorName(name);
    const refuse = (reason: string) =>
      messages.push({
        instanceId: inst.instanceId,
        executionId: exec,
        event: historyEvent(EventType.SubOrchestrationInstanceFailed, { TaskScheduledId: id, Reason: reason, Details: '' }, startedAt),
      });
    if (!registered) refuse(`The function '${name}' doesn't exist, is disabled, or is not an orchestrator function.`);
    else if (deps.isRunning(childId)) refuse(`An orchestration with instance ID '${childId}' already exists and is running.`);
    else
      creates.push({
        instanceId: childId,
        name: registered,
        input: inputText,
        executionId: deps.newGuid(),
        time: wall.toISOString(),
        parent: { instanceId: inst.instanceId, executionId: exec, taskId: id },
      });
  };

  // Host-side retry continuations (DTFx RetryInterceptor): a failed attempt is followed by a retry
  // timer, and when that timer fires a fresh attempt is scheduled if attempts remain.
  if (cid !== undefined) {
    const pending = retries[cid];
    const waiting = retryTimers[cid];
    if (isFailure(e) && pending) {
      delete retries[cid];
      const t = nextId++;
      addTimer(t, new Date(wall.getTime() + retryDelayMs(pending)).toISOString(), true);
      retryTimers[t] = pending;
    } else if (e.EventType === EventType.TimerFired && waiting) {
      delete retryTimers[cid];
      if (waiting.attempt < waiting.options.maxNumberOfAttempts) {
        const next: RetryState = { ...waiting, attempt: waiting.attempt + 1 };
        const n = nextId++;
        if (waiting.kind === 'activity') scheduleActivity(n, waiting.functionName, waiting.input, next);
        else scheduleSub(n, waiting.functionName, waiting.input, waiting.instanceId, next);
      }
    } else {
      delete retries[cid];
    }
  }

  const fresh = [historyEvent(EventType.OrchestratorStarted, {}, startedAt), e];
  const played = cache.playedJson(inst);
  const freshJson = fresh.map((x) => JSON.stringify(x)).join(',');
  const payload =
    `{"history":[${played}${played ? ',' : ''}${freshJson}],"input":${inst.input || 'null'},` +
    `"instanceId":${JSON.stringify(inst.instanceId)},"isReplaying":${inst.history.length > 0},` +
    `"parentInstanceId":${inst.parent ? JSON.stringify(inst.parent.instanceId) : 'null'},` +
    `"upperSchemaVersion":1,"upperSchemaVersionNew":2,"longRunningTimerIntervalDuration":"3.00:00:00",` +
    `"maximumShortTimerDuration":"6.00:00:00","defaultHttpAsyncRequestSleepTimeMillseconds":30000}`;

  const outcome = await deps.invokeOrchestrator(inst.name, payload);
  const st = outcome.state;
  const customStatus = st && 'customStatus' in st ? (st.customStatus ?? null) : inst.customStatus;
  let failure = outcome.ok ? undefined : `Orchestrator function '${inst.name}' failed: ${outcome.error}`;
  let continueAsNew: Action | undefined;
  const newLeaves: LeafSig[] = [];

  if (outcome.ok) {
    const leaves = leafActions(outcome.state);
    const known = inst.leaves;
    for (let i = 0; i < Math.min(known.length, leaves.length) && !failure; i++) {
      const prev = known[i];
      const cur = leaves[i];
      if (!prev || !cur) continue;
      if (!sameKind(prev.type, cur.actionType) || prev.name !== actionName(cur)) {
        failure =
          `Non-Deterministic workflow detected: a previous execution of this orchestration scheduled ${describeAction(prev.type, prev.name)} ` +
          `at sequence position ${i}, but the current replay scheduled ${describeAction(cur.actionType, actionName(cur))}. ` +
          'Was a change made to the orchestrator code after this instance had already started running?';
      } else if (cur.actionType === ActionType.CreateTimer && cur.isCanceled && prev.id >= 0) {
        cancelTimers.push(timerKey(inst.instanceId, exec, prev.id));
      }
    }
    if (!failure && leaves.length < known.length) {
      failure =
        `Non-Deterministic workflow detected: a previous execution of this orchestration scheduled ${known.length} tasks, ` +
        `but the current replay scheduled only ${leaves.length}. Was a change made to the orchestrator code after this instance had already started running?`;
    }
    for (let i = known.length; i < leaves.length && !failure; i++) {
      const a = leaves[i] as Action;
      let id = -1;
      switch (a.actionType) {
        case ActionType.CallActivity:
        case ActionType.CallActivityWithRetry: {
          id = nextId++;
          const retry =
            a.actionType === ActionType.CallActivityWithRetry && a.retryOptions
              ? { kind: 'activity' as const, functionName: a.functionName ?? '', input: a.input, options: a.retryOptions, attempt: 1 }
              : undefined;
          scheduleActivity(id, a.functionName ?? '', a.input, retry);
          break;
        }
        case ActionType.CallSubOrchestrator:
        case ActionType.CallSubOrchestratorWithRetry: {
          id = nextId++;
          const retry =
            a.actionType === ActionType.CallSubOrchestratorWithRetry && a.retryOptions
              ? {
                  kind: 'sub' as const,
                  functionName: a.functionName ?? '',
                  input: a.input,
                  ...(a.instanceId ? { instanceId: a.instanceId } : {}),
                  options: a.retryOptions,
                  attempt: 1,
                }
              : undefined;
          scheduleSub(id, a.functionName ?? '', a.input, a.instanceId, retry);
          break;
        }
        case ActionType.CreateTimer:
          id = nextId++;
          if (!a.fireAt) failure = 'The orchestrator created a timer without fireAt.';
          else addTimer(id, a.fireAt, !a.isCanceled);
          break;
        case ActionType.WaitForExternalEvent:
          break;
        case ActionType.CallEntity:
        case ActionType.SignalEntity: {
          id = nextId++;
          const isSignal = a.actionType === ActionType.SignalEntity;
          const requestId = deps.newGuid();
          const input = a.input === undefined ? undefined : JSON.stringify(a.input);
          const target = a.instanceId ?? '';
          added.push(
            historyEvent(
              EventType.EventSent,
              {
                EventId: id,
                InstanceId: target,
                Name: 'op',
                Input: JSON.stringify({ id: requestId, op: a.operation, signal: isSignal, input, parent: inst.instanceId }),
              },
              startedAt,
            ),
          );
          entityOps.push({
            schedulerId: target,
            op: {
              id: requestId,
              name: a.operation ?? '',
              ...(input !== undefined ? { input } : {}),
              isSignal,
              ...(isSignal ? {} : { parent: { instanceId: inst.instanceId, executionId: exec } }),
            },
          });
          break;
        }
        case ActionType.ContinueAsNew:
          continueAsNew = a;
          break;
        case ActionType.CallHttp:
          failure = 'context.df.callHttp (durable HTTP) is not supported by the local host.';
          break;
        case ActionType.LockEntities:
        case ActionType.ReleaseEntities:
          failure = 'Entity critical sections (context.df.lock) are not supported by the local host.';
          break;
        default:
          failure = `The local host does not support orchestrator action type ${a.actionType}.`;
      }
      newLeaves.push({ type: a.actionType, name: actionName(a), id });
    }
  }

  let status: RuntimeStatus = 'Running';
  let output: unknown = null;
  if (failure) {
    status = 'Failed';
    output = failure;
    added.length = 0;
    for (const list of [activities, timers, creates, entityOps, messages] as unknown[][]) list.length = 0;
  } else if (outcome.ok && outcome.state.isDone && !continueAsNew) {
    status = 'Completed';
    output = outcome.state.output ?? null;
  }

  const append = [...fresh, ...added, historyEvent(EventType.OrchestratorCompleted, {}, startedAt)];
  if (status === 'Completed' || status === 'Failed') {
    append.push(
      historyEvent(
        EventType.ExecutionCompleted,
        { OrchestrationStatus: OrchestrationStatusCode[status], Result: JSON.stringify(output) },
        startedAt,
      ),
    );
    if (inst.parent) {
      const p = inst.parent;
      messages.push({
        instanceId: p.instanceId,
        executionId: p.executionId,
        event:
          status === 'Completed'
            ? historyEvent(EventType.SubOrchestrationInstanceCompleted, { TaskScheduledId: p.taskId, Result: JSON.stringify(output) })
            : historyEvent(EventType.SubOrchestrationInstanceFailed, { TaskScheduledId: p.taskId, Reason: String(output), Details: '' }),
      });
    }
  }

  return {
    t: 'episode',
    instanceId: inst.instanceId,
    seq: item.seq,
    append,
    leaves: newLeaves,
    ...(cid !== undefined ? { completedId: cid } : {}),
    scalars: { status, output, customStatus, nextId, retries, retryTimers, lastStarted: startedAt, time: wall.toISOString() },
    activities,
    timers,
    cancelTimers,
    creates,
    messages,
    entityOps,
    ...(continueAsNew && !failure
      ? { continueAsNew: { executionId: deps.newGuid(), input: JSON.stringify(continueAsNew.input ?? null), time: wall.toISOString() } }
      : {}),
  };
}
