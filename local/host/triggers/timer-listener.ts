/**
 * Timer trigger, modelled on the real host's TimerListener (azure-webjobs-sdk-extensions
 * `Timers/Listener/TimerListener.cs`) and its ScheduleMonitor:
 * - 6-field NCRONTAB in UTC (./ncrontab.ts); `%Setting%` in the schedule is resolved from the environment;
 * - on start, with useMonitor, a missed occurrence (recorded `next` < now) runs at once with isPastDue;
 *   otherwise runOnStartup runs at once; then the schedule runs;
 * - after every invocation `Last/Next/LastUpdated` is recomputed and, with useMonitor, persisted in stateDir;
 * - one invocation per timer at a time; a failed invocation is logged and never stops the schedule;
 * - stop() disarms the timers and waits for running invocations, as the real listener does.
 */
import { z } from 'zod';
import { parseNcrontab, type CronSchedule } from './ncrontab';
import { checkPastDue, readScheduleStatus, writeScheduleStatus, type ScheduleStatus } from './timer-schedule-monitor';

export interface TimerTriggerBinding {
  functionName: string;
  /** 6-field NCRONTAB, seconds first. */
  schedule: string;
  runOnStartup: boolean;
  useMonitor: boolean;
}

/** The trigger value the real host passes to the worker (JSON, PascalCase there; @azure/functions camelCases it). */
export interface TimerInfo {
  schedule: { adjustForDST: boolean };
  scheduleStatus: { last: string; next: string; lastUpdated: string } | null;
  isPastDue: boolean;
}

export interface TimerListenerOptions {
  bindings: TimerTriggerBinding[];
  invoke: (functionName: string, info: TimerInfo) => Promise<void>;
  /** Folder for the persisted schedule status (one JSON file per function). */
  stateDir: string;
  /** Clock, injectable for tests. Defaults to the system clock. */
  now?: () => Date;
  /** Timer functions, injectable so a test can see which timeouts are still set. Default: Node's. */
  timers?: TimerFunctions;
  log?: (msg: string) => void;
}

export interface TimerFunctions {
  setTimeout(callback: () => void, ms: number): NodeJS.Timeout;
  clearTimeout(handle: NodeJS.Timeout): void;
}

const BindingSchema = z.object({
  functionName: z.string().min(1),
  schedule: z.string().min(1),
  runOnStartup: z.boolean(),
  useMonitor: z.boolean(),
});

/** Node's setTimeout fires at once for delays above 2^31-1 ms; long waits are chained. */
const MAX_TIMEOUT_MS = 2_147_483_647;
/** How .NET prints DateTime.MinValue, which the real host stores for "never". */
const DOTNET_MIN_DATE = '0001-01-01T00:00:00';

/** Newtonsoft's ISO format for a UTC DateTimeOffset: no fraction when it is zero, `+00:00` offset. */
export function formatHostDate(d: Date | null): string {
  if (!d) return DOTNET_MIN_DATE;
  const iso = d.toISOString(); // 2026-03-10T10:05:00.000Z
  const ms = d.getUTCMilliseconds();
  const base = iso.slice(0, 19);
  const fraction = ms === 0 ? '' : `.${String(ms).padStart(3, '0').replace(/0+$/, '')}`;
  return `${base}${fraction}+00:00`;
}

/** The host resolves `%Name%` in a schedule from app settings; unknown settings fail the listener. */
export function resolveScheduleExpression(schedule: string, env: NodeJS.ProcessEnv = process.env): string {
  return schedule.replace(/%([^%]+)%/g, (_m, name: string) => {
    const value = env[name];
    if (value === undefined) throw new Error(`Timer schedule '${schedule}' refers to app setting '${name}', which is not set.`);
    return value;
  });
}

function parseSchedule(functionName: string, raw: string): CronSchedule {
  const expression = resolveScheduleExpression(raw);
  if (/^\s*(\d+\.)?\d{1,2}:\d{2}(:\d{2})?\s*$/.test(expression)) {
    throw new Error(
      `Timer function '${functionName}': TimeSpan schedules ('${expression}') are not supported by the local host; use a 6-field NCRONTAB expression.`,
    );
  }
  try {
    return parseNcrontab(expression);
  } catch (err) {
    throw new Error(`Timer function '${functionName}': ${(err as Error).message}`, { cause: err });
  }
}

interface RunningTimer {
  stop(): Promise<void>;
}

async function startOne(binding: TimerTriggerBinding, opts: Required<Omit<TimerListenerOptions, 'bindings'>>): Promise<RunningTimer> {
  const { functionName, runOnStartup, useMonitor } = binding;
  const schedule = parseSchedule(functionName, binding.schedule);
  const { now, log, stateDir, timers } = opts;
  const nextFrom = (t: Date): Date => {
    const n = schedule.nextAfter(t);
    if (!n) throw new Error(`Timer function '${functionName}': schedule '${schedule.expression}' never fires after ${t.toISOString()}.`);
    return n;
  };

  let stopped = false;
  let handle: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let status: ScheduleStatus | null = null;
  let isPastDue = false;

  if (useMonitor) {
    const stored = await readScheduleStatus(stateDir, functionName);
    const checked = await checkPastDue(stateDir, functionName, now(), schedule, stored);
    isPastDue = checked.pastDueMs > 0;
    // Like the real listener: the in-memory status is the stored one (corrected if the schedule changed).
    status = stored ? checked.status : null;
  }
  if (!status) status = { last: null, next: nextFrom(now()), lastUpdated: null };

  const upcoming: string[] = [];
  for (let t = now(), i = 0; i < 5; i++) {
    const n = schedule.nextAfter(t);
    if (!n) break;
    upcoming.push(n.toISOString());
    t = n;
  }
  log(`Timer '${functionName}' schedule '${schedule.expression}' (UTC); next occurrences: ${upcoming.join(', ')}`);

  async function invokeOnce(invocationTime: Date, pastDue: boolean, onStartup: boolean): Promise<void> {
    const current = status as ScheduleStatus;
    const info: TimerInfo = {
      schedule: { adjustForDST: true },
      scheduleStatus: useMonitor
        ? { last: formatHostDate(current.last), next: formatHostDate(current.next), lastUpdated: formatHostDate(current.lastUpdated) }
        : null,
      isPastDue: pastDue,
    };
    try {
      await opts.invoke(functionName, info);
    } catch (err) {
      // As in the real host: a failed invocation is logged and the schedule goes on.
      log(`Timer '${functionName}' invocation failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    // A timer that fired slightly early must not compute the same Next twice (real host's adjustment).
    let adjusted = invocationTime;
    if (!pastDue && !onStartup && current.next.getTime() > invocationTime.getTime()) adjusted = current.next;
    status = { last: adjusted, next: nextFrom(adjusted), lastUpdated: adjusted };
    if (useMonitor) await writeScheduleStatus(stateDir, functionName, status);
  }

  function run(pastDue: boolean, onStartup: boolean): void {
    if (stopped) return;
    running = invokeOnce(now(), pastDue, onStartup)
      .catch((err: unknown) => log(`Timer '${functionName}' could not record its schedule status: ${String(err)}`))
      .finally(() => {
        running = undefined;
        arm();
      });
  }

  function arm(): void {
    if (stopped) return;
    const due = (status as ScheduleStatus).next.getTime();
    const wait = (): void => {
      if (stopped) return;
      const remaining = due - now().getTime();
      if (remaining > MAX_TIMEOUT_MS) {
        handle = timers.setTimeout(wait, MAX_TIMEOUT_MS);
      } else {
        handle = timers.setTimeout(() => run(false, false), Math.max(0, remaining));
      }
    };
    wait();
  }

  if (isPastDue) {
    log(`Timer '${functionName}' is past due (missed ${formatHostDate(status.next)}); running now.`);
    run(true, false);
  } else if (runOnStartup) {
    run(false, true);
  } else {
    arm();
  }

  return {
    async stop() {
      stopped = true;
      if (handle) timers.clearTimeout(handle);
      await running;
    },
  };
}

export async function startTimerListener(opts: TimerListenerOptions): Promise<{ stop(): Promise<void> }> {
  const bindings = z.array(BindingSchema).parse(opts.bindings);
  const names = new Set<string>();
  for (const b of bindings) {
    if (names.has(b.functionName)) throw new Error(`Timer function '${b.functionName}' is registered twice.`);
    names.add(b.functionName);
  }
  if (process.env.WEBSITE_TIME_ZONE) {
    throw new Error(
      `WEBSITE_TIME_ZONE='${process.env.WEBSITE_TIME_ZONE}' is not supported by the local host: timer schedules run in UTC (the Azure default).`,
    );
  }
  const resolved = {
    invoke: opts.invoke,
    stateDir: opts.stateDir,
    now: opts.now ?? (() => new Date()),
    timers: opts.timers ?? {
      setTimeout: (callback: () => void, ms: number) => setTimeout(callback, ms),
      clearTimeout: (handle: NodeJS.Timeout) => clearTimeout(handle),
    },
    log: opts.log ?? (() => undefined),
  };
  // Parse every schedule before arming any, so a bad one fails the start instead of half-starting.
  for (const b of bindings) parseSchedule(b.functionName, b.schedule);
  const timers: RunningTimer[] = [];
  try {
    for (const b of bindings) timers.push(await startOne(b, resolved));
  } catch (err) {
    await Promise.all(timers.map((t) => t.stop()));
    throw err;
  }
  return {
    async stop() {
      await Promise.all(timers.map((t) => t.stop()));
    },
  };
}
