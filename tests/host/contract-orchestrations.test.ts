import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, APPS, startHostProcess, waitForStatus, type HostProcess } from './support/host-process';

// Every Durable pattern of issue 2 §3, run through the real @azure/functions + durable-functions
// packages on the local host, asserted through the public HTTP API.

/** Bounded polling: the suites share a loaded 2-core machine. */
const POLL = { timeout: 30_000, interval: 50 };

let host: HostProcess;
let stateDir: string;

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'host-contract-'));
  host = await startHostProcess({ appDir: join(APPS, 'patterns'), stateDir });
});

afterAll(async () => {
  await host?.kill();
  rmSync(stateDir, { recursive: true, force: true });
});

/** Starts through the app's own HTTP starter, so the durable client binding is exercised too. */
async function start(name: string, input?: unknown, instanceId?: string): Promise<{ id: string; links: Record<string, string> }> {
  const r = await api(`${host.url}/api/orchestrators/${name}${instanceId ? `/${instanceId}` : ''}`, {
    method: 'POST',
    body: input === undefined ? '' : JSON.stringify(input),
  });
  expect(r.status).toBe(202);
  const links = r.body as Record<string, string>;
  return { id: links.id as string, links };
}

async function run(name: string, input?: unknown): Promise<Record<string, unknown>> {
  const { id } = await start(name, input);
  return waitForStatus(host.url, id);
}

describe('orchestration patterns on the local host', () => {
  it('runs activities in sequence and records the history', async () => {
    const { id, links } = await start('sequence', 'cat');
    expect(links.statusQueryGetUri).toContain(new URL(host.url).port);
    const s = await waitForStatus(host.url, id, 60_000, '?showHistory=true&showHistoryOutput=true');
    expect(s.runtimeStatus).toBe('Completed');
    expect(s.input).toBe('cat');
    expect(s.output).toEqual({ a: 'Hello cat', b: 'HELLO CAT!', c: { got: 'null' }, replaying: false });
    const events = s.historyEvents as { EventType: string; FunctionName?: string; Result?: unknown }[];
    expect(events.map((e) => e.EventType)).toEqual([
      'ExecutionStarted',
      'TaskCompleted',
      'TaskCompleted',
      'TaskCompleted',
      'ExecutionCompleted',
    ]);
    expect(events[1]).toMatchObject({ FunctionName: 'sayHello', Result: 'Hello cat' });
  });

  it('fires durable timers no earlier than requested', async () => {
    const s = await run('timer');
    expect(s.runtimeStatus).toBe('Completed');
    expect(s.output).toBeGreaterThanOrEqual(300);
  });

  it('retries a failing activity (TaskFailed → retry timer → new attempt) until it succeeds', async () => {
    const { id } = await start('retry', { key: 'retry-ok', succeedOn: 3 });
    const s = await waitForStatus(host.url, id, 60_000, '?showHistory=true');
    expect(s.output).toBe(3);
    const types = (s.historyEvents as { EventType: string }[]).map((e) => e.EventType);
    expect(types.filter((t) => t === 'TaskFailed')).toHaveLength(2);
    expect(types.filter((t) => t === 'TimerFired')).toHaveLength(2);
  });

  it('surfaces the last failure after the retry attempts are exhausted', async () => {
    const s = await run('retryExhausted');
    expect(s.output).toBe("caught: Activity function 'alwaysFails' failed: nope ");
  });

  it('passes exception properties as FailureDetails (setExceptionPropertiesProvider)', async () => {
    const s = await run('failureDetails');
    expect(s.output).toEqual({
      name: 'TaskFailedError',
      message: 'RangeError: quota exceeded',
      errorType: 'RangeError',
      properties: { code: 'E42' },
    });
  });

  it('runs activities in parallel up to host.json maxConcurrentActivityFunctions', async () => {
    const s = await run('concurrency');
    // 8 probes of 200 ms dispatched at once: without the limit all 8 would overlap.
    expect(s.output).toBeLessThanOrEqual(4);
    expect(s.output).toBeGreaterThanOrEqual(2);
  });

  it('fans out and in', async () => {
    const s = await run('fanOut', 10);
    expect(s.output).toBe(110);
  });

  it('waits for an external event and reports custom status', async () => {
    const { id, links } = await start('approval');
    const waiting = await api(`${host.url}/runtime/webhooks/durabletask/instances/${id}`);
    expect(waiting.status).toBe(202);
    await expect
      .poll(
        async () => ((await api(`${host.url}/runtime/webhooks/durabletask/instances/${id}`)).body as Record<string, unknown>).customStatus,
        POLL,
      )
      .toEqual({ stage: 'waiting' });
    const raise = await api((links.sendEventPostUri as string).replace('{eventName}', 'approve'), {
      method: 'POST',
      body: JSON.stringify({ by: 'ops' }),
    });
    expect(raise.status).toBe(202);
    const s = await waitForStatus(host.url, id);
    expect(s).toMatchObject({ runtimeStatus: 'Completed', output: { by: 'ops' }, customStatus: { stage: 'approved' } });
  });

  it('Task.any: an event beats the timer, the timer is cancelled and the orchestration goes on', async () => {
    const { id } = await start('raceTimer', { timeoutMs: 60_000 });
    await api(`${host.url}/runtime/webhooks/durabletask/instances/${id}/raiseEvent/go`, { method: 'POST', body: '"now"' });
    const s = await waitForStatus(host.url, id);
    expect(s.output).toEqual({ winner: 'event', value: 'now', after: 'Hello after-cancel' });
  });

  it('Task.any: the timer wins when no event comes', async () => {
    const s = await run('raceTimer', { timeoutMs: 200 });
    expect(s.output).toEqual({ winner: 'timer' });
  });

  it('continues as new with fresh history and the new input', async () => {
    const { id } = await start('eternal', 0);
    const s = await waitForStatus(host.url, id, 60_000, '?showHistory=true');
    expect(s).toMatchObject({ runtimeStatus: 'Completed', output: { n: 3, v: 6 }, input: 3 });
    expect((s.historyEvents as { EventType: string }[]).filter((e) => e.EventType === 'ExecutionStarted')).toHaveLength(1);
  });

  it('runs sub-orchestrations and reports a failed child to the parent', async () => {
    const { id } = await start('parent', undefined, 'parent-1');
    const s = await waitForStatus(host.url, id);
    expect(s.output).toEqual({ ok: 'Hello kid', failed: "Orchestrator function 'child' failed: child failed on purpose (bad) " });
    const child = await waitForStatus(host.url, 'parent-1-kid');
    expect(child).toMatchObject({ runtimeStatus: 'Completed', output: 'Hello kid' });
  });

  it('retries a failing sub-orchestration, then gives up', async () => {
    const s = await run('parentRetry');
    expect(s.output).toBe("gave up: Orchestrator function 'child' failed: child failed on purpose (retry) ");
  });

  it('fails an orchestrator that throws, with the real host message', async () => {
    const s = await run('fails');
    expect(s).toMatchObject({ runtimeStatus: 'Failed', output: "Orchestrator function 'fails' failed: orchestrator exploded" });
  });

  it('fails an orchestration whose activity failure is not caught', async () => {
    const s = await run('activityFails');
    expect(s.runtimeStatus).toBe('Failed');
    expect(s.output).toContain("Activity function 'alwaysFails' failed: nope");
  });

  it('fails a non-deterministic orchestrator loudly', async () => {
    const s = await run('nonDeterministic');
    expect(s.runtimeStatus).toBe('Failed');
    expect(s.output).toContain('Non-Deterministic workflow detected');
    expect(s.output).toContain("an activity task 'sayHello'");
  });

  it('refuses callHttp with a clear message instead of hanging', async () => {
    const s = await run('usesCallHttp');
    expect(s).toMatchObject({ runtimeStatus: 'Failed' });
    expect(s.output).toContain('callHttp (durable HTTP) is not supported by the local host');
  });

  it('delivers entity-to-entity signals', async () => {
    const sig = await api(`${host.url}/runtime/webhooks/durabletask/entities/counter/k-from?op=forward`, {
      method: 'POST',
      body: JSON.stringify({ key: 'k-to', amount: 3 }),
    });
    expect(sig.status).toBe(202);
    await expect.poll(async () => (await api(`${host.url}/runtime/webhooks/durabletask/entities/counter/k-to`)).body, POLL).toBe(3);
  });

  it('runs a runOnStartup timer trigger that starts an orchestration with the durable client', async () => {
    const s = await waitForStatus(host.url, 'timer-startup');
    expect(s).toMatchObject({ runtimeStatus: 'Completed', input: 'timer boolean boolean' });
  });

  it('refuses entity locks (replay schema V3, as the extension advertises) with a clear failure', async () => {
    const s = await run('usesLock');
    expect(s.runtimeStatus).toBe('Failed');
    expect(s.output).toContain('lock requires a Durable Functions extension that supports OOProc schema V4');
  });

  it('calls and signals entities from an orchestration; entity state is readable and signalable over HTTP', async () => {
    const s = await run('entityOrch', 'k-orch');
    expect(s.runtimeStatus).toBe('Completed');
    expect(s.output).toMatchObject({ v: 6 });
    // durable-functions serialises an entity's Error with JSON.stringify (→ "{}"), so the caller gets a
    // failed task whose message is not the original one; the host passes it through as the extension does.
    expect((s.output as { err?: unknown }).err).toEqual(expect.any(String));
    const state = await api(`${host.url}/runtime/webhooks/durabletask/entities/counter/k-orch`);
    expect(state).toMatchObject({ status: 200, body: 6 });
    const sig = await api(`${host.url}/runtime/webhooks/durabletask/entities/counter/k-orch?op=add`, { method: 'POST', body: '4' });
    expect(sig.status).toBe(202);
    await expect.poll(async () => (await api(`${host.url}/runtime/webhooks/durabletask/entities/counter/k-orch`)).body, POLL).toBe(10);
    await api(`${host.url}/runtime/webhooks/durabletask/entities/counter/k-orch?op=reset`, { method: 'POST' });
    await expect.poll(async () => (await api(`${host.url}/runtime/webhooks/durabletask/entities/counter/k-orch`)).status, POLL).toBe(404);
  });
});
