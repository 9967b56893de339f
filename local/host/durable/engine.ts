import { randomUUID } from 'node:crypto';
import { activityBindingData } from '../bindings/activity-binding-data';
import type { RegisteredFunction } from '../core/core-api';
import { FunctionInErrorError } from '../core/function-errors';
import type { Invoker } from '../core/invoker';
import type { RpcInvocationResponse } from '../core/types';
import { typedDataToJsonText } from '../core/typed-data';
import { runEpisode, HistoryCache, type OrchestratorOutcome } from './episode';
import { EventType, historyEvent } from './history';
import type { Store } from './journal';
import { parseOrchestratorState } from './orchestrator-state';
import { runEntityBatch } from './entity-batch';
import { failureDetailsFromMessage } from './failure-details';
import {
  applyRecord,
  TERMINAL,
  type ActivityWork,
  type HostState,
  type InstanceState,
  type JournalRecord,
  type Message,
  type TimerWork,
} from './state';

/** Writes an invocation's output bindings (blob, queue) against the given binding data; throws if it cannot. */
export type OutputWriter = (fn: RegisteredFunction, response: RpcInvocationResponse, bindingData: Record<string, unknown>) => Promise<void>;

export interface EngineOptions {
  log: (line: string) => void;
  /** Required: an activity's output bindings must be written or fail the activity, never dropped. */
  writeOutputs: OutputWriter;
  /** Test hook: SIGKILL the process after the N-th activity returns, before its result is committed. */
  crashAfterActivity?: number;
  activityConcurrency?: number;
  /** Diagnostics for benchmarks: called after every committed episode. */
  onEpisode?: (e: EpisodeTiming) => void;
}

export interface EpisodeTiming {
  instanceId: string;
  /** History length the orchestrator replayed in this episode. */
  historyEvents: number;
  /** Wall time of the episode (payload, orchestrator invocation, diff) excluding the fsync wait. */
  ms: number;
  /** Process CPU time (user + system, all threads, so GC included) spent meanwhile; unlike wall time it does not grow when other processes load the machine. */
  cpuMs: number;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const MAX_TIMEOUT = 2 ** 31 - 1;

/**
 * The Durable Task engine: orchestration episodes, the activity dispatcher, durable timers and the
 * entity scheduler, all driven by committed journal records. `commit` applies a record in memory and
 * appends it to the store; side effects (running activities, arming timers, waking instances) happen
 * only once the record is on disk, so after a crash they are re-derived from the recovered state.
 */
export class DurableEngine {
  readonly state: HostState;
  private readonly cache = new HistoryCache();
  private readonly busy = new Set<string>();
  private readonly armed = new Map<string, NodeJS.Timeout>();
  private readonly entityBusy = new Set<string>();
  private readonly activityQueue: string[] = [];
  private readonly queued = new Set<string>();
  private activeActivities = 0;
  private activitiesReturned = 0;
  private readonly listeners = new Set<() => void>();
  private stopped = false;
  private fatal: Error | undefined;
  episodes = 0;

  constructor(
    private readonly store: Store,
    private readonly invoker: Invoker,
    private readonly opts: EngineOptions,
  ) {
    this.state = store.load();
    store.setSnapshotSource?.(() => this.state);
  }

  /** Re-derives every pending side effect from the recovered state (the crash-resume path). */
  start(): void {
    for (const a of Object.values(this.state.activities)) this.dispatch(a);
    for (const t of Object.values(this.state.timers)) this.arm(t);
    for (const inst of Object.values(this.state.instances)) if (inst.inbox.length > 0) this.pump(inst.instanceId);
    for (const id of Object.keys(this.state.entities)) this.runEntity(id);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.armed.values()) clearTimeout(t);
    this.armed.clear();
    // Records already queued are flushed by close(); running activities and episodes are abandoned
    // (a long activity must not hold up shutdown) and re-run after the next start, as after a crash.
    await this.store.close();
  }

  /** Instances with an episode running or about to run (0: the engine has nothing in hand). */
  get runningEpisodes(): number {
    return this.busy.size;
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Background work: its failure is a host bug or a journal failure, so it is logged loudly. */
  private track<T>(p: Promise<T>): void {
    p.catch((err: unknown) => {
      if (!this.stopped) this.opts.log(`durable: internal error: ${(err as Error).stack ?? String(err)}`);
    });
  }

  /**
   * Applies a record and queues it for the journal. Internal side effects start at once: the journal
   * is ordered, so anything they commit later lands after this record, and a crash before this record
   * is on disk only repeats work (activities are at-least-once anyway). The returned promise resolves
   * when the record is on disk; client-facing answers (HTTP 202s) wait for it.
   */
  commit(rec: JournalRecord): Promise<void> {
    if (this.fatal) return Promise.reject(this.fatal);
    applyRecord(this.state, rec);
    const durable = this.store.append(rec).catch((err: unknown) => {
      // A journal that cannot be written means memory and disk have diverged: stop, loudly.
      this.fatal ??= new Error(`The durable journal could not be written; the host stopped processing: ${(err as Error).message}`);
      if (!this.stopped) this.opts.log(`durable: ${this.fatal.message}`);
      this.stopped = true;
      throw this.fatal;
    });
    for (const l of this.listeners) l();
    this.afterCommit(rec);
    return durable;
  }

  private afterCommit(rec: JournalRecord): void {
    if (this.stopped) return;
    switch (rec.t) {
      case 'create':
        this.pump(rec.spec.instanceId);
        return;
      case 'episode':
        for (const a of rec.activities) this.dispatch(a);
        for (const t of rec.timers) this.arm(t);
        for (const k of rec.cancelTimers) this.disarm(k);
        for (const c of rec.creates) this.pump(c.instanceId);
        for (const m of rec.messages) this.pump(m.instanceId);
        for (const d of rec.entityOps) this.runEntity(d.schedulerId);
        if (TERMINAL.has(rec.scalars.status)) this.disarmInstance(rec.instanceId);
        return;
      case 'activityDone':
      case 'timerFired':
      case 'message':
        this.pump(rec.message.instanceId);
        return;
      case 'terminate':
        this.disarmInstance(rec.instanceId);
        for (const m of rec.messages) this.pump(m.instanceId);
        return;
      case 'resume':
        this.pump(rec.instanceId);
        return;
      case 'purge':
        for (const id of rec.instanceIds) {
          this.disarmInstance(id);
          this.cache.forget(id);
        }
        return;
      case 'entityOp':
        this.runEntity(rec.delivery.schedulerId);
        return;
      case 'entityBatch':
        for (const m of rec.messages) this.pump(m.instanceId);
        for (const d of rec.entityOps) this.runEntity(d.schedulerId);
        return;
      default:
        return;
    }
  }

  // ---- orchestrations ---------------------------------------------------------------------------

  pump(instanceId: string): void {
    if (this.stopped || this.busy.has(instanceId)) return;
    const inst = this.state.instances[instanceId];
    if (!inst || inst.inbox.length === 0 || inst.status === 'Suspended') return;
    this.busy.add(instanceId);
    this.track(
      this.drain(instanceId).then(
        () => {
          this.busy.delete(instanceId);
          if (!this.stopped) this.pump(instanceId);
        },
        (err: unknown) => {
          // A host bug: log it and leave the instance parked rather than spin on the same message.
          this.busy.delete(instanceId);
          throw new Error(`instance ${instanceId} stopped after an internal error: ${(err as Error).stack ?? String(err)}`, { cause: err });
        },
      ),
    );
  }

  private async drain(instanceId: string): Promise<void> {
    for (;;) {
      const inst = this.state.instances[instanceId];
      if (!inst || inst.inbox.length === 0 || inst.status === 'Suspended' || this.stopped) return;
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      const historyEvents = inst.history.length;
      const rec = await runEpisode(inst, this.cache, {
        invokeOrchestrator: (name, payload) => this.invokeOrchestrator(name, payload),
        orchestratorName: (name) => this.invoker.find(name, 'orchestrationTrigger')?.name,
        isRunning: (id) => {
          const other = this.state.instances[id];
          return !!other && !TERMINAL.has(other.status);
        },
        newGuid: () => randomUUID(),
        now: () => new Date(),
      });
      if (this.state.instances[instanceId] !== inst || inst.inbox[0]?.seq !== (rec as { seq?: number }).seq) return; // purged or terminated meanwhile
      this.episodes++;
      const ms = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      this.track(this.commit(rec));
      this.opts.onEpisode?.({ instanceId, historyEvents, ms, cpuMs: (cpu.user + cpu.system) / 1000 });
    }
  }

  private async invokeOrchestrator(name: string, payload: string): Promise<OrchestratorOutcome> {
    const fn = this.invoker.find(name, 'orchestrationTrigger');
    if (!fn) return { ok: false, error: `The function '${name}' doesn't exist, is disabled, or is not an orchestrator function.` };
    try {
      const res = await this.invoker.invoke({ functionName: fn.name, inputs: { orchestrationTrigger: { string: payload } } });
      const json = res.returnValue?.json;
      if (typeof json !== 'string')
        return { ok: false, error: 'The orchestrator returned no state (is it registered with df.app.orchestration?).' };
      return { ok: true, state: parseOrchestratorState(json) };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const marker = message.indexOf('$OutOfProcData$:');
      if (marker >= 0) {
        try {
          const state = parseOrchestratorState(message.slice(marker + '$OutOfProcData$:'.length));
          return { ok: false, error: state.error ?? message.slice(0, marker).trim(), state };
        } catch {
          return { ok: false, error: message.slice(0, marker).trim() };
        }
      }
      return { ok: false, error: message };
    }
  }

  // ---- activities -------------------------------------------------------------------------------

  private dispatch(work: ActivityWork): void {
    if (this.queued.has(work.key)) return;
    this.queued.add(work.key);
    this.activityQueue.push(work.key);
    this.drainActivities();
  }

  private drainActivities(): void {
    const limit = this.opts.activityConcurrency ?? 20;
    while (!this.stopped && this.activeActivities < limit && this.activityQueue.length > 0) {
      const key = this.activityQueue.shift() as string;
      const work = this.state.activities[key];
      if (!work) {
        this.queued.delete(key);
        continue;
      }
      this.activeActivities++;
      this.track(
        this.runActivity(work).finally(() => {
          this.activeActivities--;
          this.queued.delete(key);
          this.drainActivities();
        }),
      );
    }
  }

  private async runActivity(work: ActivityWork): Promise<void> {
    let event;
    try {
      const input =
        work.input === undefined
          ? { json: 'null' }
          : typeof work.input === 'string'
            ? { string: work.input }
            : { json: JSON.stringify(work.input) };
      const fn = this.invoker.find(work.name, 'activityTrigger');
      if (!fn) throw new Error(`The function '${work.name}' doesn't exist, is disabled, or is not an activity function.`);
      const res = await this.invoker.invoke({ functionName: fn.name, inputs: { activityTrigger: input } });
      // The host binds outputs after the worker answers and before the activity completes, so a write
      // that fails (a bad path, storage down) fails the activity and reaches the orchestration.
      const triggerName = Object.entries(fn.bindings).find(([, b]) => b.type === 'activityTrigger')?.[0];
      await this.opts.writeOutputs(fn, res, activityBindingData(work.input, work.instanceId, triggerName));
      event = historyEvent(EventType.TaskCompleted, { TaskScheduledId: work.taskId, Result: typedDataToJsonText(res.returnValue) });
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      const details = failureDetailsFromMessage(e.message);
      const message = details ? details.ErrorMessage : e.message;
      event = historyEvent(EventType.TaskFailed, {
        TaskScheduledId: work.taskId,
        Reason: `Activity function '${work.name}' failed: ${message}`,
        Details: details?.StackTrace ?? e.stack ?? '',
        ...(details ? { FailureDetails: details } : {}),
      });
    }
    this.activitiesReturned++;
    if (this.opts.crashAfterActivity !== undefined && this.activitiesReturned >= this.opts.crashAfterActivity) {
      process.kill(process.pid, 'SIGKILL');
    }
    if (this.stopped) return;
    this.track(
      this.commit({ t: 'activityDone', key: work.key, message: { instanceId: work.instanceId, executionId: work.executionId, event } }),
    );
  }

  // ---- timers -----------------------------------------------------------------------------------

  private arm(t: TimerWork): void {
    if (this.stopped || this.armed.has(t.key)) return;
    const delay = Date.parse(t.fireAt) - Date.now();
    const handle = setTimeout(
      () => {
        this.armed.delete(t.key);
        if (!this.state.timers[t.key]) return;
        if (Date.parse(t.fireAt) > Date.now()) return this.arm(t); // longer than setTimeout allows
        const message: Message = {
          instanceId: t.instanceId,
          executionId: t.executionId,
          event: historyEvent(EventType.TimerFired, { TimerId: t.timerId, FireAt: t.fireAt }),
        };
        this.track(this.commit({ t: 'timerFired', key: t.key, message }));
      },
      Math.min(Math.max(0, delay), MAX_TIMEOUT),
    );
    this.armed.set(t.key, handle);
  }

  private disarm(key: string): void {
    const h = this.armed.get(key);
    if (h) clearTimeout(h);
    this.armed.delete(key);
  }

  private disarmInstance(instanceId: string): void {
    for (const key of [...this.armed.keys()]) if (key.startsWith(`${instanceId}|`)) this.disarm(key);
  }

  // ---- entities ---------------------------------------------------------------------------------

  private runEntity(schedulerId: string): void {
    const entity = this.state.entities[schedulerId];
    if (this.stopped || !entity || entity.queue.length === 0 || this.entityBusy.has(schedulerId)) return;
    this.entityBusy.add(schedulerId);
    this.track(
      (async () => {
        try {
          const rec = await runEntityBatch(schedulerId, entity, this.invoker);
          this.track(this.commit(rec));
        } finally {
          this.entityBusy.delete(schedulerId);
        }
        this.runEntity(schedulerId);
      })(),
    );
  }

  // ---- client operations ------------------------------------------------------------------------

  instance(instanceId: string): InstanceState | undefined {
    return this.state.instances[instanceId];
  }

  async startNew(name: string, instanceId: string | undefined, inputText: string): Promise<string> {
    const fn = this.invoker.find(name, 'orchestrationTrigger');
    if (!fn) throw new HttpError(400, `The function '${name}' doesn't exist, is disabled, or is not an orchestrator function.`);
    this.refuseInError(fn);
    const id = instanceId ?? randomUUID().replace(/-/g, '');
    const existing = this.state.instances[id];
    if (existing && !TERMINAL.has(existing.status)) {
      throw new HttpError(409, `An orchestration with instance ID '${id}' already exists and is ${existing.status.toLowerCase()}.`);
    }
    let input = inputText.trim() === '' ? 'null' : inputText;
    try {
      input = JSON.stringify(JSON.parse(input));
    } catch {
      throw new HttpError(400, 'The orchestration input is not valid JSON.');
    }
    this.cache.forget(id);
    await this.commit({
      t: 'create',
      spec: { instanceId: id, name: fn.name, input, executionId: randomUUID(), time: new Date().toISOString() },
    });
    return id;
  }

  async raiseEvent(instanceId: string, eventName: string, dataText: string): Promise<void> {
    const inst = this.requireInstance(instanceId);
    if (TERMINAL.has(inst.status))
      throw new HttpError(410, `Instance '${instanceId}' is ${inst.status.toLowerCase()} and cannot receive events.`);
    const input = dataText.trim() === '' ? 'null' : dataText;
    try {
      JSON.parse(input);
    } catch {
      throw new HttpError(400, 'The event data is not valid JSON.');
    }
    await this.commit({
      t: 'message',
      message: { instanceId, event: historyEvent(EventType.EventRaised, { Name: eventName, Input: input }) },
    });
  }

  async terminate(instanceId: string, reason: string): Promise<void> {
    const inst = this.requireInstance(instanceId);
    if (TERMINAL.has(inst.status)) throw new HttpError(410, `Instance '${instanceId}' is already ${inst.status.toLowerCase()}.`);
    const messages: Message[] = [];
    if (inst.parent) {
      const p = inst.parent;
      messages.push({
        instanceId: p.instanceId,
        executionId: p.executionId,
        event: historyEvent(EventType.SubOrchestrationInstanceFailed, {
          TaskScheduledId: p.taskId,
          Reason: `Sub-orchestration '${instanceId}' was terminated: ${reason}`,
          Details: '',
        }),
      });
    }
    await this.commit({ t: 'terminate', instanceId, reason, time: new Date().toISOString(), messages });
  }

  /** Suspend stops episodes (messages queue up, timers and activities still complete); resume goes on. */
  async setSuspended(instanceId: string, suspended: boolean, reason: string): Promise<void> {
    const inst = this.requireInstance(instanceId);
    if (TERMINAL.has(inst.status)) throw new HttpError(410, `Instance '${instanceId}' is ${inst.status.toLowerCase()}.`);
    if ((inst.status === 'Suspended') === suspended) return;
    await this.commit({ t: suspended ? 'suspend' : 'resume', instanceId, reason, time: new Date().toISOString() });
  }

  async purge(instanceIds: string[]): Promise<number> {
    const ids = instanceIds.filter((id) => this.state.instances[id]);
    if (ids.length > 0) await this.commit({ t: 'purge', instanceIds: ids });
    return ids.length;
  }

  async signalEntity(name: string, key: string, op: string, inputText: string): Promise<void> {
    const fn = this.invoker.find(name, 'entityTrigger');
    if (!fn) throw new HttpError(400, `The function '${name}' doesn't exist or is not an entity function.`);
    this.refuseInError(fn);
    const input = inputText.trim() === '' ? undefined : inputText;
    await this.commit({
      t: 'entityOp',
      delivery: {
        schedulerId: `@${name.toLowerCase()}@${key}`,
        op: { id: randomUUID(), name: op, ...(input !== undefined ? { input } : {}), isSignal: true },
      },
      time: new Date().toISOString(),
    });
  }

  /** A client call that targets a function in error is answered with its reasons at once (400), not queued to fail later. */
  private refuseInError(fn: RegisteredFunction): void {
    const reasons = this.invoker.errorsOf(fn.name);
    if (reasons) throw new HttpError(400, new FunctionInErrorError(fn.name, reasons).message);
  }

  private requireInstance(instanceId: string): InstanceState {
    const inst = this.state.instances[instanceId];
    if (!inst) throw new HttpError(404, `No instance with ID '${instanceId}' found.`);
    return inst;
  }

  /** Resolves when the instance reaches a terminal state; rejects after the timeout (never hangs). */
  waitFor(instanceId: string, timeoutMs: number): Promise<InstanceState> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const inst = this.state.instances[instanceId];
        if (inst && TERMINAL.has(inst.status)) {
          cleanup();
          resolve(inst);
          return true;
        }
        return false;
      };
      const off = this.onChange(() => void check());
      const timer = setTimeout(() => {
        cleanup();
        const inst = this.state.instances[instanceId];
        reject(new Error(`Instance '${instanceId}' did not finish within ${timeoutMs} ms (status: ${inst ? inst.status : 'unknown'}).`));
      }, timeoutMs);
      const cleanup = () => {
        off();
        clearTimeout(timer);
      };
      check();
    });
  }
}
