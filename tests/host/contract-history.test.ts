import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, APPS, pollUntil, startHostProcess, waitForStatus, type HostProcess } from './support/host-process';

// The status API's history (issue 17 §3), field by field as the Durable extension renders it
// (DurableClient.GetDurableOrchestrationStatusAsync; docs: "HTTP API reference", Get instance status).

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const TIME = expect.stringMatching(ISO) as unknown as string;

let host: HostProcess;
let stateDir: string;

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'host-history-'));
  host = await startHostProcess({ appDir: join(APPS, 'history'), stateDir });
});

afterAll(async () => {
  await host?.kill();
  rmSync(stateDir, { recursive: true, force: true });
});

const base = () => `${host.url}/runtime/webhooks/durabletask`;
type Row = Record<string, unknown>;

async function history(id: string, query: string): Promise<{ status: number; body: Record<string, unknown>; rows: Row[] }> {
  const r = await api(`${base()}/instances/${id}${query}`);
  const body = r.body as Record<string, unknown>;
  return { status: r.status, body, rows: (body.historyEvents ?? []) as Row[] };
}

describe('status history shape', () => {
  const expectedOutput = {
    greeting: 'Hello cat',
    refused: "Activity function 'refuse' failed: not today",
    child: { child: 'cat' },
    approval: { ok: true },
  };

  beforeAll(async () => {
    expect((await api(`${base()}/orchestrators/shape/shape-1`, { method: 'POST', body: '{"name":"cat"}' })).status).toBe(202);
    // Raise the event once the orchestration waits for it, so the history order is fixed.
    await pollUntil('waiting for approval', async () => {
      const h = await history('shape-1', '?showHistory=true');
      return h.rows.some((e) => e.EventType === 'SubOrchestrationInstanceCompleted') ? true : undefined;
    });
    expect(
      (
        await api(`${base()}/instances/shape-1/raiseEvent/approval`, {
          method: 'POST',
          body: '{"ok":true}',
          headers: { 'content-type': 'application/json' },
        })
      ).status,
    ).toBe(202);
    expect(await waitForStatus(host.url, 'shape-1', 30_000)).toMatchObject({ runtimeStatus: 'Completed', output: expectedOutput });
  });

  it('renders every event of a completed instance with the extension field values (showHistoryOutput)', async () => {
    const { status, rows } = await history('shape-1', '?showHistory=true&showHistoryOutput=true');
    expect(status).toBe(200);
    expect(rows).toEqual([
      { EventType: 'ExecutionStarted', Timestamp: TIME, Input: '{"name":"cat"}', FunctionName: 'shape' },
      // The SDK JSON-quotes string inputs (Utils.processInput) and DTFx wraps activity inputs in an array.
      {
        EventType: 'TaskCompleted',
        Timestamp: TIME,
        Result: 'Hello cat',
        ScheduledTime: TIME,
        FunctionName: 'greet',
        Input: '["\\"cat\\""]',
      },
      {
        EventType: 'TaskFailed',
        Timestamp: TIME,
        Reason: "Activity function 'refuse' failed: not today",
        Details: expect.stringContaining('not today') as unknown as string,
        ScheduledTime: TIME,
        FunctionName: 'refuse',
        Input: '[{"why":"test"}]',
      },
      { EventType: 'TimerCreated', Timestamp: TIME, FireAt: TIME },
      { EventType: 'TimerFired', Timestamp: TIME, FireAt: TIME },
      {
        EventType: 'SubOrchestrationInstanceCompleted',
        Timestamp: TIME,
        Result: { child: 'cat' },
        ScheduledTime: TIME,
        FunctionName: 'child',
        Input: '"cat"',
      },
      { EventType: 'EventRaised', Timestamp: TIME, Name: 'approval', Input: '{"ok":true}' },
      { EventType: 'ExecutionCompleted', Timestamp: TIME, OrchestrationStatus: 'Completed', Result: expectedOutput },
    ]);
    // A completion is never earlier than its scheduling; a timer fires at (or after) its FireAt.
    for (const r of rows) if (typeof r.ScheduledTime === 'string') expect(r.ScheduledTime <= (r.Timestamp as string)).toBe(true);
    const [created, fired] = rows.filter((r) => r.EventType === 'TimerCreated' || r.EventType === 'TimerFired');
    expect(fired?.FireAt).toBe(created?.FireAt);
    expect((fired?.Timestamp as string) >= (fired?.FireAt as string)).toBe(true);
  });

  it('leaves the results out without showHistoryOutput, and every Input out with showInput=false', async () => {
    const plain = await history('shape-1', '?showHistory=true');
    expect(plain.rows.map((r) => [r.EventType, 'Result' in r, 'Input' in r])).toEqual([
      ['ExecutionStarted', false, true],
      ['TaskCompleted', false, true],
      ['TaskFailed', false, true],
      ['TimerCreated', false, false],
      ['TimerFired', false, false],
      ['SubOrchestrationInstanceCompleted', false, true],
      ['EventRaised', false, true],
      ['ExecutionCompleted', false, false],
    ]);
    expect(plain.rows.at(-1)).toEqual({ EventType: 'ExecutionCompleted', Timestamp: TIME, OrchestrationStatus: 'Completed' });
    const noInput = await history('shape-1', '?showHistory=true&showHistoryOutput=true&showInput=false');
    expect(noInput.body.input).toBeNull();
    expect(noInput.rows.filter((r) => 'Input' in r)).toEqual([]);
    expect(noInput.rows[1]).toEqual({
      EventType: 'TaskCompleted',
      Timestamp: TIME,
      Result: 'Hello cat',
      ScheduledTime: TIME,
      FunctionName: 'greet',
    });
  });

  it('shows a scheduled activity as TaskScheduled until it completes, then folds it into TaskCompleted', async () => {
    const file = join(stateDir, 'gate-open');
    expect((await api(`${base()}/orchestrators/gated/gated-1`, { method: 'POST', body: JSON.stringify({ file }) })).status).toBe(202);
    const running = await pollUntil('activity scheduled', async () => {
      const h = await history('gated-1', '?showHistory=true');
      return h.rows.some((e) => e.EventType === 'TaskScheduled') ? h : undefined;
    });
    expect(running.status).toBe(202);
    expect(running.rows).toEqual([
      { EventType: 'ExecutionStarted', Timestamp: TIME, Input: JSON.stringify({ file }), FunctionName: 'gated' },
      { EventType: 'TaskScheduled', Timestamp: TIME, Name: 'gate', Input: JSON.stringify([{ file }]) },
    ]);
    writeFileSync(file, '');
    await waitForStatus(host.url, 'gated-1', 30_000);
    const done = await history('gated-1', '?showHistory=true');
    expect(done.rows.map((r) => r.EventType)).toEqual(['ExecutionStarted', 'TaskCompleted', 'ExecutionCompleted']);
  });

  it('ends a terminated instance with ExecutionTerminated and ExecutionCompleted(Terminated) carrying the reason', async () => {
    expect((await api(`${base()}/orchestrators/waitForever/term-1`, { method: 'POST', body: '' })).status).toBe(202);
    await pollUntil('running', async () => ((await history('term-1', '')).body.runtimeStatus === 'Running' ? true : undefined));
    expect((await api(`${base()}/instances/term-1/terminate?reason=stop%20now`, { method: 'POST' })).status).toBe(202);
    const h = await history('term-1', '?showHistory=true&showHistoryOutput=true');
    expect(h.body).toMatchObject({ runtimeStatus: 'Terminated', output: 'stop now' });
    expect(h.rows).toEqual([
      { EventType: 'ExecutionStarted', Timestamp: TIME, Input: 'null', FunctionName: 'waitForever' },
      { EventType: 'ExecutionTerminated', Timestamp: TIME, Input: 'stop now' },
      { EventType: 'ExecutionCompleted', Timestamp: TIME, OrchestrationStatus: 'Terminated', Result: 'stop now' },
    ]);
  });
});
