import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, APPS, pollUntil, startHostProcess, waitForStatus, type HostProcess } from './support/host-process';

// Functions in error (issue 17 §2): bindings the host does not provide put their function in error,
// the rest of the app runs, and calling a function in error answers with the reason.

const PROVIDED =
  '(The local host provides triggers httpTrigger, timerTrigger, blobTrigger, eventGridTrigger, orchestrationTrigger, activityTrigger, entityTrigger; inputs durableClient; outputs http, blob, queue.)';
const notRegistered = (type: string) =>
  `The binding type(s) '${type}' are not registered. Please ensure the type is correct and the binding extension is installed. ${PROVIDED}`;
const REASONS: Record<string, string> = {
  sendCode: notRegistered('smsSender'),
  notify: notRegistered('smsSender'),
  fromQueue: notRegistered('queueTrigger'),
  auditedFlow:
    "Orchestrator functions must not use output bindings (they run again on every replay); remove the 'blob' output(s) and write from an activity.",
  saveReport: "Storage connection 'MissingStorage' is not set (app setting MissingStorage or AzureWebJobsMissingStorage).",
};
const inError = (name: string) => `The function '${name}' is in error: ${REASONS[name] ?? ''}`;

let host: HostProcess;
let stateDir: string;

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'host-function-errors-'));
  // Whatever the machine has, this suite's app must not find a MissingStorage setting.
  host = await startHostProcess({
    appDir: join(APPS, 'function-errors'),
    stateDir,
    env: { MissingStorage: '', AzureWebJobsMissingStorage: '' },
  });
});

afterAll(async () => {
  await host?.kill();
  rmSync(stateDir, { recursive: true, force: true });
});

describe('functions in error', () => {
  it('starts the app, counts only the functions that run, and logs each function in error with its reason', () => {
    expect(host.functionCount).toBe(3); // ping, hello, verifyPhone
    const block = [
      'The following 5 functions are in error:',
      ...Object.entries(REASONS).map(([name, reason]) => `${name}: ${reason}`),
    ].join('\n');
    expect(host.stderr()).toContain(block);
  });

  it('reports each function status as the admin API does', async () => {
    for (const name of Object.keys(REASONS)) {
      expect(await api(`${host.url}/admin/functions/${name}/status`)).toMatchObject({ status: 200, body: { errors: [REASONS[name]] } });
    }
    expect(await api(`${host.url}/admin/functions/ping/status`)).toMatchObject({ status: 200, body: { errors: null } });
    expect((await api(`${host.url}/admin/functions/nothere/status`)).status).toBe(404);
  });

  it('runs the working functions', async () => {
    expect(await api(`${host.url}/api/ping`)).toMatchObject({ status: 200, body: 'pong' });
  });

  it('answers an HTTP call to a function in error with 500 and the reason', async () => {
    expect(await api(`${host.url}/api/notify`)).toMatchObject({ status: 500, body: inError('notify') });
  });

  it('fails an activity in error with the reason, which the orchestration catches', async () => {
    const r = await api(`${host.url}/runtime/webhooks/durabletask/orchestrators/verifyPhone/verify-1`, { method: 'POST', body: '"+1555"' });
    expect(r.status).toBe(202);
    const s = await waitForStatus(host.url, 'verify-1', 30_000);
    expect(s).toMatchObject({
      runtimeStatus: 'Completed',
      output: { greeting: 'Hello +1555', error: `Activity function 'sendCode' failed: ${inError('sendCode')}` },
    });
    // Loud at the call too: the refusal is in the host log.
    await pollUntil(
      'refusal logged',
      async () => (host.stderr().includes(`[sendCode] error: invocation refused: ${inError('sendCode')}`) ? true : undefined),
      5_000,
    );
  });

  it('refuses to start an orchestration in error with 400 and the reason', async () => {
    const r = await api(`${host.url}/runtime/webhooks/durabletask/orchestrators/auditedFlow/audit-1`, { method: 'POST', body: '' });
    expect(r).toMatchObject({ status: 400, body: inError('auditedFlow') });
    expect((await api(`${host.url}/runtime/webhooks/durabletask/instances/audit-1`)).status).toBe(404);
  });
});
