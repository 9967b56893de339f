import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  formatHostDate,
  resolveScheduleExpression,
  startTimerListener,
  type TimerFunctions,
  type TimerInfo,
} from '../../local/host/triggers/timer-listener';
import { liveTimeouts } from './live-timeouts';
import { waitFor } from './wait';

interface Call {
  functionName: string;
  info: TimerInfo;
}

let stateDir: string;
let stops: Array<() => Promise<void>> = [];

beforeEach(() => {
  stateDir = mkdtempSync(join(tmpdir(), 'timer-state-'));
});
afterEach(async () => {
  await Promise.all(stops.map((s) => s()));
  stops = [];
  rmSync(stateDir, { recursive: true, force: true });
});

function statusFile(fn: string) {
  return join(stateDir, `${fn}.status.json`);
}
function readStatus(fn: string): { Last: string | null; Next: string; LastUpdated: string | null } {
  return JSON.parse(readFileSync(statusFile(fn), 'utf8'));
}

async function start(opts: {
  schedule: string;
  runOnStartup?: boolean;
  useMonitor?: boolean;
  now?: () => Date;
  timers?: TimerFunctions;
  invoke?: (functionName: string, info: TimerInfo) => Promise<void>;
}) {
  const calls: Call[] = [];
  const listener = await startTimerListener({
    bindings: [
      { functionName: 'tick', schedule: opts.schedule, runOnStartup: opts.runOnStartup ?? false, useMonitor: opts.useMonitor ?? true },
    ],
    stateDir,
    now: opts.now,
    timers: opts.timers,
    invoke: async (functionName, info) => {
      calls.push({ functionName, info });
      await opts.invoke?.(functionName, info);
    },
  });
  stops.push(() => listener.stop());
  return { calls, listener };
}

const fixed = (iso: string) => () => new Date(iso);

describe('timer listener: startup behaviour (injected clock)', () => {
  it('runOnStartup invokes once at start, not past due, and records Last/Next', async () => {
    const { calls } = await start({ schedule: '0 0 0 * * *', runOnStartup: true, now: fixed('2026-03-10T10:00:30Z') });
    await waitFor(
      () => calls.length === 1 && existsSync(statusFile('tick')) && readStatus('tick').Last !== null,
      5000,
      'startup invocation',
    );
    expect(calls[0]).toEqual({
      functionName: 'tick',
      info: {
        schedule: { adjustForDST: true },
        scheduleStatus: { last: '0001-01-01T00:00:00', next: '2026-03-11T00:00:00+00:00', lastUpdated: '0001-01-01T00:00:00' },
        isPastDue: false,
      },
    });
    expect(readStatus('tick')).toEqual({
      Last: '2026-03-10T10:00:30.000Z',
      Next: '2026-03-11T00:00:00.000Z',
      LastUpdated: '2026-03-10T10:00:30.000Z',
    });
  });

  it('without runOnStartup and without history it does not invoke, but records the next occurrence', async () => {
    const { calls } = await start({ schedule: '0 0 0 * * *', now: fixed('2026-03-10T10:00:30Z') });
    expect(calls).toHaveLength(0);
    expect(readStatus('tick')).toEqual({ Last: null, Next: '2026-03-11T00:00:00.000Z', LastUpdated: '2026-03-10T10:00:30.000Z' });
  });

  it('a missed occurrence runs at once with isPastDue and the missed schedule status', async () => {
    writeFileSync(
      statusFile('tick'),
      JSON.stringify({ Last: '2026-03-09T00:00:00.000Z', Next: '2026-03-10T00:00:00.000Z', LastUpdated: '2026-03-09T00:00:00.000Z' }),
    );
    const { calls } = await start({ schedule: '0 0 0 * * *', now: fixed('2026-03-10T10:00:00Z') });
    await waitFor(() => calls.length === 1 && readStatus('tick').Last === '2026-03-10T10:00:00.000Z', 5000, 'past-due invocation');
    expect(calls[0]?.info).toEqual({
      schedule: { adjustForDST: true },
      scheduleStatus: { last: '2026-03-09T00:00:00+00:00', next: '2026-03-10T00:00:00+00:00', lastUpdated: '2026-03-09T00:00:00+00:00' },
      isPastDue: true,
    });
    expect(readStatus('tick').Next).toBe('2026-03-11T00:00:00.000Z');
  });

  it('past-due wins over runOnStartup (one invocation, isPastDue true)', async () => {
    writeFileSync(
      statusFile('tick'),
      JSON.stringify({ Last: '2026-03-09T00:00:00Z', Next: '2026-03-10T00:00:00Z', LastUpdated: '2026-03-09T00:00:00Z' }),
    );
    const { calls, listener } = await start({ schedule: '0 0 0 * * *', runOnStartup: true, now: fixed('2026-03-10T10:00:00Z') });
    await listener.stop();
    expect(calls.map((c) => c.info.isPastDue)).toEqual([true]);
  });

  it('after a restart with an up-to-date status it is not past due', async () => {
    const first = await start({ schedule: '0 0 0 * * *', runOnStartup: true, now: fixed('2026-03-10T10:00:00Z') });
    await first.listener.stop();
    expect(first.calls).toHaveLength(1);
    const second = await start({ schedule: '0 0 0 * * *', now: fixed('2026-03-10T11:00:00Z') });
    await second.listener.stop();
    expect(second.calls).toHaveLength(0);
    // The next day, after midnight was missed while "down": past due.
    const third = await start({ schedule: '0 0 0 * * *', now: fixed('2026-03-11T00:00:05Z') });
    await third.listener.stop();
    expect(third.calls.map((c) => [c.info.isPastDue, c.info.scheduleStatus?.next])).toEqual([[true, '2026-03-11T00:00:00+00:00']]);
  });

  it('a changed schedule is adopted instead of reading as past due', async () => {
    // Recorded for an hourly schedule; now daily. Expected next from Last (03-09 10:00) is 03-10 00:00,
    // already past at 10:00 on 03-10, so the monitor recomputes from now.
    writeFileSync(
      statusFile('tick'),
      JSON.stringify({ Last: '2026-03-09T10:00:00Z', Next: '2026-03-09T11:00:00Z', LastUpdated: '2026-03-09T10:00:00Z' }),
    );
    const { calls, listener } = await start({ schedule: '0 0 0 * * *', now: fixed('2026-03-10T10:00:00Z') });
    await listener.stop();
    expect(calls).toHaveLength(0);
    expect(readStatus('tick')).toEqual({ Last: null, Next: '2026-03-11T00:00:00.000Z', LastUpdated: '2026-03-10T10:00:00.000Z' });
  });

  it('without useMonitor: no past-due check, scheduleStatus null, nothing persisted', async () => {
    writeFileSync(
      statusFile('tick'),
      JSON.stringify({ Last: '2026-03-09T00:00:00Z', Next: '2026-03-10T00:00:00Z', LastUpdated: '2026-03-09T00:00:00Z' }),
    );
    const { calls, listener } = await start({
      schedule: '0 0 0 * * *',
      runOnStartup: true,
      useMonitor: false,
      now: fixed('2026-03-10T10:00:00Z'),
    });
    await listener.stop();
    expect(calls.map((c) => c.info)).toEqual([{ schedule: { adjustForDST: true }, scheduleStatus: null, isPastDue: false }]);
    expect(readStatus('tick').Last).toBe('2026-03-09T00:00:00Z');
  });

  it('a corrupt status file fails the start loudly', async () => {
    writeFileSync(statusFile('tick'), '{"Last": 5}');
    await expect(start({ schedule: '0 0 0 * * *', now: fixed('2026-03-10T10:00:00Z') })).rejects.toThrow(/unexpected shape.*delete it/);
  });
});

describe('timer listener: schedule (real clock)', () => {
  it('fires every second, keeps going after a failed invocation, and stop() waits for the running one', async () => {
    let release: () => void = () => undefined;
    let finished = 0;
    const timers = liveTimeouts();
    const { calls, listener } = await start({
      schedule: '* * * * * *',
      useMonitor: false,
      timers,
      invoke: async () => {
        if (calls.length === 1) throw new Error('first run fails');
        if (calls.length === 3) {
          await new Promise<void>((r) => (release = r));
        }
        finished++;
      },
    });
    expect(timers.live()).toBe(1);
    await waitFor(() => calls.length >= 3, 10_000, 'three timer invocations');
    const stopped = listener.stop();
    // Only release() lets the third invocation finish. A turn of the event loop settles everything
    // that does not wait for it; stop() must still be pending then.
    const first = await Promise.race([
      stopped.then(() => 'stop() resolved'),
      new Promise<string>((r) => setImmediate(() => r('still stopping'))),
    ]);
    expect(first).toBe('still stopping');
    release();
    await stopped;
    expect(finished).toBe(2);
    // No timeout is set once stop() has resolved, so no invocation can follow (checked, not waited for).
    expect(timers.live()).toBe(0);
    expect(calls).toHaveLength(3);
  });

  it('stop() disarms a timer that is waiting for its next occurrence', async () => {
    const timers = liveTimeouts();
    const { calls, listener } = await start({ schedule: '0 0 0 1 1 *', useMonitor: false, timers });
    expect(timers.live()).toBe(1);
    await listener.stop();
    expect(timers.live()).toBe(0);
    expect(calls).toHaveLength(0);
  });
});

describe('timer listener: configuration errors', () => {
  it('rejects 5-field, TimeSpan and invalid schedules naming the function', async () => {
    await expect(start({ schedule: '*/5 * * * *' })).rejects.toThrow(/'tick'.*6 fields/);
    await expect(start({ schedule: '00:05:00' })).rejects.toThrow(/'tick': TimeSpan schedules/);
    await expect(start({ schedule: '0 0 25 * * *' })).rejects.toThrow(/'tick'.*Hour/);
  });

  it('resolves %AppSetting% schedules and fails on a missing setting', () => {
    expect(resolveScheduleExpression('%SCHED%', { SCHED: '0 */5 * * * *' })).toBe('0 */5 * * * *');
    expect(() => resolveScheduleExpression('%MISSING_SCHED%', {})).toThrow(/'MISSING_SCHED', which is not set/);
  });

  it('formats dates as the host does', () => {
    expect(formatHostDate(new Date('2026-03-10T10:05:00.000Z'))).toBe('2026-03-10T10:05:00+00:00');
    expect(formatHostDate(new Date('2026-03-10T10:05:00.120Z'))).toBe('2026-03-10T10:05:00.12+00:00');
    expect(formatHostDate(null)).toBe('0001-01-01T00:00:00');
  });
});
