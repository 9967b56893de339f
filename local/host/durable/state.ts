import { EventType, historyEvent, OrchestrationStatusCode, type HistoryEvent } from './history';

/**
 * All durable state of the host, as plain JSON-able objects, and the one reducer that changes it.
 * Every change is a journal record applied by `applyRecord`, both live and when recovering from the
 * journal, so a restarted host reaches exactly the state the crashed one had committed.
 */

export type RuntimeStatus = 'Pending' | 'Running' | 'Suspended' | 'Completed' | 'Failed' | 'Terminated';
export const TERMINAL: ReadonlySet<RuntimeStatus> = new Set(['Completed', 'Failed', 'Terminated']);

export interface RetryOptions {
  firstRetryIntervalInMilliseconds: number;
  maxNumberOfAttempts: number;
  backoffCoefficient?: number;
  maxRetryIntervalInMilliseconds?: number;
}

/** What to re-schedule when a retried task fails: DTFx's RetryInterceptor, done host-side. */
export interface RetryState {
  kind: 'activity' | 'sub';
  functionName: string;
  input: unknown;
  instanceId?: string;
  options: RetryOptions;
  attempt: number;
}

export interface ParentRef {
  instanceId: string;
  executionId: string;
  taskId: number;
}

export interface InboxItem {
  seq: number;
  /** Completions belong to one execution; external events (no executionId) survive continueAsNew. */
  executionId?: string;
  event: HistoryEvent;
}

/** What a scheduled action looked like, for the non-determinism check on replay. */
export interface LeafSig {
  type: number;
  name: string;
  /** The sequence id the action consumed (-1 for actions that take none). */
  id: number;
}

export interface InstanceState {
  instanceId: string;
  name: string;
  executionId: string;
  /** JSON text of the current execution's input. */
  input: string;
  status: RuntimeStatus;
  output: unknown;
  customStatus: unknown;
  createdTime: string;
  lastUpdatedTime: string;
  history: HistoryEvent[];
  inbox: InboxItem[];
  nextId: number;
  leaves: LeafSig[];
  completed: Record<string, true>;
  retries: Record<string, RetryState>;
  retryTimers: Record<string, RetryState>;
  lastStarted: string;
  parent?: ParentRef;
}

export interface ActivityWork {
  key: string;
  instanceId: string;
  executionId: string;
  taskId: number;
  name: string;
  input: unknown;
}

export interface TimerWork {
  key: string;
  instanceId: string;
  executionId: string;
  timerId: number;
  fireAt: string;
}

export interface EntityOp {
  id: string;
  name: string;
  /** JSON text, or undefined when the operation has no input. */
  input?: string;
  isSignal: boolean;
  parent?: { instanceId: string; executionId: string };
}

export interface EntityState {
  name: string;
  key: string;
  exists: boolean;
  state: string | null;
  queue: EntityOp[];
  lastModified: string;
}

export interface HostState {
  nextSeq: number;
  instances: Record<string, InstanceState>;
  activities: Record<string, ActivityWork>;
  timers: Record<string, TimerWork>;
  entities: Record<string, EntityState>;
}

export interface Message {
  instanceId: string;
  executionId?: string;
  event: HistoryEvent;
}

export interface CreateSpec {
  instanceId: string;
  name: string;
  input: string;
  executionId: string;
  time: string;
  parent?: ParentRef;
}

export interface EpisodeScalars {
  status: RuntimeStatus;
  output: unknown;
  customStatus: unknown;
  nextId: number;
  retries: Record<string, RetryState>;
  retryTimers: Record<string, RetryState>;
  lastStarted: string;
  time: string;
}

export interface EntityOpDelivery {
  schedulerId: string;
  op: EntityOp;
}

export type JournalRecord =
  | { t: 'snapshot'; state: HostState }
  | { t: 'create'; spec: CreateSpec }
  | {
      t: 'episode';
      instanceId: string;
      seq: number;
      append: HistoryEvent[];
      leaves: LeafSig[];
      completedId?: number;
      scalars: EpisodeScalars;
      activities: ActivityWork[];
      timers: TimerWork[];
      cancelTimers: string[];
      creates: CreateSpec[];
      messages: Message[];
      entityOps: EntityOpDelivery[];
      continueAsNew?: { executionId: string; input: string; time: string };
    }
  | { t: 'drop'; instanceId: string; seq: number }
  | { t: 'activityDone'; key: string; message: Message }
  | { t: 'timerFired'; key: string; message: Message }
  | { t: 'message'; message: Message }
  | { t: 'terminate'; instanceId: string; reason: string; time: string; messages: Message[] }
  | { t: 'suspend' | 'resume'; instanceId: string; reason: string; time: string }
  | { t: 'purge'; instanceIds: string[] }
  | { t: 'entityOp'; delivery: EntityOpDelivery; time: string }
  | {
      t: 'entityBatch';
      schedulerId: string;
      count: number;
      exists: boolean;
      state: string | null;
      time: string;
      messages: Message[];
      entityOps: EntityOpDelivery[];
    };

export function emptyState(): HostState {
  return { nextSeq: 1, instances: {}, activities: {}, timers: {}, entities: {} };
}

export function timerKey(instanceId: string, executionId: string, timerId: number): string {
  return `${instanceId}|${executionId}|t${timerId}`;
}

export function activityKey(instanceId: string, executionId: string, taskId: number): string {
  return `${instanceId}|${executionId}|a${taskId}`;
}

function newInstance(spec: CreateSpec, seq: number): InstanceState {
  const started = historyEvent(
    EventType.ExecutionStarted,
    {
      Name: spec.name,
      Input: spec.input,
      ParentInstance: spec.parent ? { OrchestrationInstance: { InstanceId: spec.parent.instanceId } } : null,
      Version: '',
      Tags: null,
    },
    spec.time,
  );
  return {
    instanceId: spec.instanceId,
    name: spec.name,
    executionId: spec.executionId,
    input: spec.input,
    status: 'Pending',
    output: null,
    customStatus: null,
    createdTime: spec.time,
    lastUpdatedTime: spec.time,
    history: [],
    inbox: [{ seq, executionId: spec.executionId, event: started }],
    nextId: 0,
    leaves: [],
    completed: {},
    retries: {},
    retryTimers: {},
    lastStarted: spec.time,
    ...(spec.parent ? { parent: spec.parent } : {}),
  };
}

function dropWorkOf(state: HostState, instanceId: string): void {
  for (const [k, t] of Object.entries(state.timers)) if (t.instanceId === instanceId) delete state.timers[k];
  for (const [k, a] of Object.entries(state.activities)) if (a.instanceId === instanceId) delete state.activities[k];
}

/** Delivers a message to an instance's inbox; messages to gone, finished or other executions are dropped. */
function deliver(state: HostState, m: Message): void {
  const inst = state.instances[m.instanceId];
  if (!inst || TERMINAL.has(inst.status)) return;
  if (m.executionId !== undefined && m.executionId !== inst.executionId) return;
  inst.inbox.push({ seq: state.nextSeq++, ...(m.executionId !== undefined ? { executionId: m.executionId } : {}), event: m.event });
}

function enqueueEntityOp(state: HostState, d: EntityOpDelivery, time: string): void {
  const [, name = '', ...keyParts] = d.schedulerId.split('@');
  const entity = (state.entities[d.schedulerId] ??= {
    name,
    key: keyParts.join('@'),
    exists: false,
    state: null,
    queue: [],
    lastModified: time,
  });
  entity.queue.push(d.op);
}

function consumeHead(inst: InstanceState, seq: number): void {
  const head = inst.inbox[0];
  if (!head || head.seq !== seq) throw new Error(`Journal out of order: instance ${inst.instanceId} inbox head is not message ${seq}.`);
  inst.inbox.shift();
}

export function applyRecord(state: HostState, rec: JournalRecord): void {
  switch (rec.t) {
    case 'snapshot':
      Object.assign(state, rec.state);
      return;
    case 'create':
      dropWorkOf(state, rec.spec.instanceId);
      state.instances[rec.spec.instanceId] = newInstance(rec.spec, state.nextSeq++);
      return;
    case 'drop': {
      const inst = state.instances[rec.instanceId];
      if (inst) consumeHead(inst, rec.seq);
      return;
    }
    case 'episode': {
      const inst = state.instances[rec.instanceId];
      if (!inst) throw new Error(`Journal references unknown instance ${rec.instanceId}.`);
      consumeHead(inst, rec.seq);
      for (const e of rec.append) inst.history.push(e);
      for (const l of rec.leaves) inst.leaves.push(l);
      if (rec.completedId !== undefined) inst.completed[rec.completedId] = true;
      const s = rec.scalars;
      // A suspend committed while the episode ran wins over the episode's "Running".
      const status = inst.status === 'Suspended' && s.status === 'Running' ? 'Suspended' : s.status;
      Object.assign(inst, {
        status,
        output: s.output,
        customStatus: s.customStatus,
        nextId: s.nextId,
        retries: s.retries,
        retryTimers: s.retryTimers,
        lastStarted: s.lastStarted,
        lastUpdatedTime: s.time,
      });
      for (const a of rec.activities) state.activities[a.key] = a;
      for (const t of rec.timers) state.timers[t.key] = t;
      for (const k of rec.cancelTimers) delete state.timers[k];
      for (const c of rec.creates) {
        dropWorkOf(state, c.instanceId);
        state.instances[c.instanceId] = newInstance(c, state.nextSeq++);
      }
      if (rec.continueAsNew) {
        const can = rec.continueAsNew;
        dropWorkOf(state, inst.instanceId);
        const kept = inst.inbox.filter((i) => i.executionId === undefined);
        const fresh = newInstance(
          { instanceId: inst.instanceId, name: inst.name, input: can.input, executionId: can.executionId, time: can.time },
          state.nextSeq++,
        );
        Object.assign(inst, {
          executionId: can.executionId,
          input: can.input,
          status: 'Running',
          output: null,
          history: [],
          inbox: [...fresh.inbox, ...kept],
          nextId: 0,
          leaves: [],
          completed: {},
          retries: {},
          retryTimers: {},
        });
      }
      if (TERMINAL.has(inst.status)) {
        inst.inbox = [];
        dropWorkOf(state, inst.instanceId);
      }
      for (const m of rec.messages) deliver(state, m);
      for (const d of rec.entityOps) enqueueEntityOp(state, d, s.time);
      return;
    }
    case 'activityDone':
      delete state.activities[rec.key];
      deliver(state, rec.message);
      return;
    case 'timerFired':
      delete state.timers[rec.key];
      deliver(state, rec.message);
      return;
    case 'message':
      deliver(state, rec.message);
      return;
    case 'terminate': {
      const inst = state.instances[rec.instanceId];
      if (!inst || TERMINAL.has(inst.status)) return;
      // As DTFx records a termination: the reason as given, then ExecutionCompleted(Terminated) carrying it
      // (TaskOrchestrationContext.HandleExecutionTerminatedEvent → CompleteOrchestration).
      inst.history.push(
        historyEvent(EventType.ExecutionTerminated, { Input: rec.reason }, rec.time),
        historyEvent(
          EventType.ExecutionCompleted,
          { OrchestrationStatus: OrchestrationStatusCode.Terminated, Result: rec.reason },
          rec.time,
        ),
      );
      Object.assign(inst, { status: 'Terminated', output: rec.reason, lastUpdatedTime: rec.time, inbox: [] });
      dropWorkOf(state, inst.instanceId);
      for (const m of rec.messages) deliver(state, m);
      return;
    }
    case 'suspend': {
      const inst = state.instances[rec.instanceId];
      if (inst && !TERMINAL.has(inst.status)) Object.assign(inst, { status: 'Suspended', lastUpdatedTime: rec.time });
      return;
    }
    case 'resume': {
      const inst = state.instances[rec.instanceId];
      if (inst?.status === 'Suspended')
        Object.assign(inst, { status: inst.history.length > 0 ? 'Running' : 'Pending', lastUpdatedTime: rec.time });
      return;
    }
    case 'purge':
      for (const id of rec.instanceIds) {
        dropWorkOf(state, id);
        delete state.instances[id];
      }
      return;
    case 'entityOp':
      enqueueEntityOp(state, rec.delivery, rec.time);
      return;
    case 'entityBatch': {
      const entity = state.entities[rec.schedulerId];
      if (!entity) throw new Error(`Journal references unknown entity ${rec.schedulerId}.`);
      entity.queue.splice(0, rec.count);
      Object.assign(entity, { exists: rec.exists, state: rec.state, lastModified: rec.time });
      for (const m of rec.messages) deliver(state, m);
      for (const d of rec.entityOps) enqueueEntityOp(state, d, rec.time);
      return;
    }
  }
}
