import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, APPS, localActivity, pollUntil, startHostProcess, waitForStatus, type HostProcess } from './support/host-process';

let host: HostProcess;
let stateDir: string;
const rpc = () => `${host.url}/durabletask`;

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'host-mgmt-'));
  host = await startHostProcess({ appDir: join(APPS, 'patterns'), stateDir });
});

afterAll(async () => {
  await host?.kill();
  rmSync(stateDir, { recursive: true, force: true });
});

describe('HTTP trigger', () => {
  it('matches route templates with constraints and optional parameters, passes query, headers and body, runs hooks', async () => {
    const r = await api(`${host.url}/api/items/42/blue?q=x`, { headers: { 'x-probe': 'p1' } });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ id: 42, label: 'blue', q: 'x', body: '', fn: 'echo', greeting: 'Hello' });
    expect(r.headers.get('x-echo')).toBe('p1');
    expect(r.headers.get('x-hooks')).toBe('pre+post, appStart yes');
    expect(r.headers.get('set-cookie')).toBe('seen=1; Path=/');
    const put = await api(`${host.url}/api/ITEMS/7`, { method: 'PUT', body: 'payload' });
    expect(put.status).toBe(201);
    expect(put.body).toMatchObject({ id: 7, label: null, body: 'payload' });
  });

  it('answers 404 for a failed constraint and 405 for a method the function does not accept', async () => {
    expect((await api(`${host.url}/api/items/abc`)).status).toBe(404);
    expect((await api(`${host.url}/api/items/1`, { method: 'DELETE' })).status).toBe(405);
  });
});

describe('durable management API', () => {
  it('starts with a given id, refuses a duplicate running id, raises events, answers 404/410 as the real API', async () => {
    const started = await api(`${rpc()}/orchestrators/approval/dup-1`, { method: 'POST', body: '' });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ id: 'dup-1' });
    const again = await api(`${rpc()}/orchestrators/approval/dup-1`, { method: 'POST', body: '' });
    expect(again.status).toBe(409);
    expect((await api(`${rpc()}/instances/nope/raiseEvent/approve`, { method: 'POST', body: '1' })).status).toBe(404);
    expect((await api(`${rpc()}/instances/dup-1/raiseEvent/approve`, { method: 'POST', body: '1' })).status).toBe(202);
    await waitForStatus(host.url, 'dup-1');
    expect((await api(`${rpc()}/instances/dup-1/raiseEvent/approve`, { method: 'POST', body: '1' })).status).toBe(410);
    expect((await api(`${rpc()}/orchestrators/doesNotExist`, { method: 'POST', body: '' })).status).toBe(400);
  });

  it('terminates a running instance', async () => {
    await api(`${rpc()}/orchestrators/approval/term-1`, { method: 'POST', body: '' });
    const t = await api(`${rpc()}/instances/term-1/terminate?reason=enough`, { method: 'POST' });
    expect(t.status).toBe(202);
    const s = await waitForStatus(host.url, 'term-1');
    expect(s).toMatchObject({ runtimeStatus: 'Terminated', output: 'enough' });
    expect((await api(`${rpc()}/instances/term-1/terminate?reason=again`, { method: 'POST' })).status).toBe(410);
  });

  it('lists instances with status and time filters and pages with x-ms-continuation-token', async () => {
    const from = new Date(Date.now() - 1000).toISOString();
    for (let i = 0; i < 5; i++) await api(`${rpc()}/orchestrators/fanOut/list-${i}`, { method: 'POST', body: '2' });
    for (let i = 0; i < 5; i++) await waitForStatus(host.url, `list-${i}`);
    await api(`${rpc()}/orchestrators/approval/list-running`, { method: 'POST', body: '' });
    const page1 = await api(`${rpc()}/instances/?createdTimeFrom=${from}&runtimeStatus=Completed&instanceIdPrefix=list-&top=2`);
    expect(page1.status).toBe(200);
    expect((page1.body as { instanceId: string }[]).map((x) => x.instanceId)).toHaveLength(2);
    const token = page1.headers.get('x-ms-continuation-token');
    expect(token).toBeTruthy();
    const ids = new Set((page1.body as { instanceId: string }[]).map((x) => x.instanceId));
    let next = token;
    while (next) {
      const p = await api(`${rpc()}/instances/?createdTimeFrom=${from}&runtimeStatus=Completed&instanceIdPrefix=list-&top=2`, {
        headers: { 'x-ms-continuation-token': next },
      });
      for (const x of p.body as { instanceId: string }[]) ids.add(x.instanceId);
      next = p.headers.get('x-ms-continuation-token');
    }
    expect([...ids].sort()).toEqual(['list-0', 'list-1', 'list-2', 'list-3', 'list-4']);
    const running = await api(`${rpc()}/instances/?runtimeStatus=Running,Pending&instanceIdPrefix=list-`);
    expect((running.body as { instanceId: string }[]).map((x) => x.instanceId)).toEqual(['list-running']);
    const future = await api(`${rpc()}/instances/?createdTimeFrom=${new Date(Date.now() + 60_000).toISOString()}`);
    expect(future.body).toEqual([]);
    expect((await api(`${rpc()}/instances/?runtimeStatus=Bogus`)).status).toBe(400);
  });

  it('purges one instance and instances by filter', async () => {
    await api(`${rpc()}/orchestrators/fanOut/purge-1`, { method: 'POST', body: '1' });
    await waitForStatus(host.url, 'purge-1');
    const del = await api(`${rpc()}/instances/purge-1`, { method: 'DELETE' });
    expect(del).toMatchObject({ status: 200, body: { instancesDeleted: 1 } });
    expect((await api(`${rpc()}/instances/purge-1`)).status).toBe(404);
    expect((await api(`${rpc()}/instances/purge-1`, { method: 'DELETE' })).status).toBe(404);
    for (let i = 0; i < 3; i++) await api(`${rpc()}/orchestrators/fanOut/purgeby-${i}`, { method: 'POST', body: '1' });
    for (let i = 0; i < 3; i++) await waitForStatus(host.url, `purgeby-${i}`);
    const byFilter = await api(`${rpc()}/instances/?runtimeStatus=Completed&instanceIdPrefix=purgeby-`, { method: 'DELETE' });
    expect(byFilter).toMatchObject({ status: 200, body: { instancesDeleted: 3 } });
    expect((await api(`${rpc()}/instances/?instanceIdPrefix=purgeby-`)).body).toEqual([]);
  });

  it('suspends (events queue up, no episode runs) and resumes an instance', async () => {
    await api(`${rpc()}/orchestrators/approval/susp-1`, { method: 'POST', body: '' });
    await expect
      .poll(async () => ((await api(`${rpc()}/instances/susp-1`)).body as { runtimeStatus: string }).runtimeStatus, { timeout: 30_000 })
      .toBe('Running');
    expect((await api(`${rpc()}/instances/susp-1/suspend?reason=hold`, { method: 'POST' })).status).toBe(202);
    const held = await api(`${rpc()}/instances/susp-1`);
    expect(held.status).toBe(202);
    expect(held.body).toMatchObject({ runtimeStatus: 'Suspended' });
    expect((await api(`${rpc()}/instances/susp-1/raiseEvent/approve`, { method: 'POST', body: '"later"' })).status).toBe(202);
    // The event is queued, not processed, while suspended. An episode for it would have been under
    // way before the 202 (the engine starts one as it commits the event): once none runs, look.
    await pollUntil('no episode running', async () => ((await localActivity(host.url)).durable.runningEpisodes === 0 ? true : undefined));
    expect((await api(`${rpc()}/instances/susp-1`)).body).toMatchObject({ runtimeStatus: 'Suspended' });
    expect((await api(`${rpc()}/instances/?runtimeStatus=Suspended`)).body).toEqual([expect.objectContaining({ instanceId: 'susp-1' })]);
    expect((await api(`${rpc()}/instances/susp-1/resume?reason=go`, { method: 'POST' })).status).toBe(202);
    const s = await waitForStatus(host.url, 'susp-1');
    expect(s).toMatchObject({ runtimeStatus: 'Completed', output: 'later' });
    expect((await api(`${rpc()}/instances/susp-1/suspend?reason=x`, { method: 'POST' })).status).toBe(410);
  });

  it('refuses unsupported operations with 501 and a message', async () => {
    await api(`${rpc()}/orchestrators/fails/rewind-1`, { method: 'POST', body: '' });
    await waitForStatus(host.url, 'rewind-1');
    const r = await api(`${rpc()}/instances/rewind-1/rewind?reason=x`, { method: 'POST' });
    expect(r.status).toBe(501);
    expect(r.body).toContain("does not support 'rewind'");
  });

  it('returns the input only when asked and 500 for failures when returnInternalServerErrorOnFailure is set', async () => {
    await api(`${rpc()}/orchestrators/fails/fail-1`, { method: 'POST', body: '{"a":1}' });
    const s = await waitForStatus(host.url, 'fail-1');
    expect(s).toMatchObject({ runtimeStatus: 'Failed', input: { a: 1 } });
    const noInput = await api(`${rpc()}/instances/fail-1?showInput=false`);
    expect((noInput.body as Record<string, unknown>).input).toBeNull();
    expect((await api(`${rpc()}/instances/fail-1?returnInternalServerErrorOnFailure=true`)).status).toBe(500);
  });
});
