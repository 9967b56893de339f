import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateHardwareHash } from '../../local/fixtures/hardware-hash-generator';
import { stopHost } from '../../local/host-child';
import { tutorialSeed } from '../../local/stack';
import type { ReceivedRequest } from '../../local/webhook-receiver';
import type { DeliveryStatus } from '../../shared/contracts/delivery';
import { HEADERS, verify } from '../../shared/notify/signature';
import { CONTAINERS } from '../../shared/storage/object-store';
import { validateCard, validateNotification } from '../support/notify-fixtures';
import { blobs, drop, readText, waitForRun, withStack } from './support';

type Stack = Awaited<ReturnType<typeof withStack>>;
const hash = (serial: string) => generateHardwareHash({ serialNumber: serial, manufacturer: 'Contoso', model: 'Surface Laptop 7' });
const csvOf = (serials: string[]) =>
  ['Device Serial Number,Windows Product ID,Hardware Hash', ...serials.map((s) => `${s},,${hash(s)}`)].join('\r\n') + '\r\n';
const KEY = (runId: string) => `${runId}:run.needsAttention`;

/** This run's requests to a channel (the receiver keeps every run's). */
const requestsOf = (stack: Stack, channel: string, runId: string): ReceivedRequest[] =>
  stack.receiver!.requests.filter((r) => r.channel === channel && r.raw.includes(runId));

async function until(what: string, test: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('local stack: notifications', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await withStack({
      // One device registered to another tenant: every run here has an 808 and needs attention.
      seed: { ...tutorialSeed(), otherTenantDevices: [{ hardwareIdentifier: hash('FOREIGN-0001') }] },
      notifyReceiver: {},
      appSettings: {
        POLL_INITIAL_SECONDS: '0.2',
        POLL_MAX_SECONDS: '1',
        LOCAL_HOST_BLOB_POLL_MS: '250',
        NOTIFY_RETRY_SECONDS: '1',
        NOTIFY_ATTEMPTS: '6',
        NOTIFY_TIMEOUT_SECONDS: '2',
        DASHBOARD_URL: 'http://127.0.0.1:7071/api/dashboard',
      },
    });
  }, 120_000);
  afterAll(async () => stack?.dispose());

  it('a run with problems: one Teams card and one signed webhook per configured channel, answers in the run’s output', async () => {
    const { runId } = await drop(stack, 'contoso/problems.csv', csvOf(['NOTE-0001', 'NOTE-0002', 'FOREIGN-0001']));
    const run = await waitForRun(stack, runId);

    const teams = requestsOf(stack, 'local_teams', runId);
    expect(teams).toHaveLength(1);
    const card = (teams[0]!.body as { attachments: { content: unknown }[] }).attachments[0]!.content;
    expect(validateCard(card)).toEqual([]);
    expect(JSON.stringify(card)).toContain(`"url":"http://127.0.0.1:7071/api/dashboard/runs/${runId}"`);
    expect(JSON.stringify(card)).toContain(`"url":"http://127.0.0.1:7071/api/dashboard-data/runs/${runId}/report/report.csv"`);
    expect(teams[0]!.bytes).toBeLessThan(28 * 1024);

    const hooks = requestsOf(stack, 'local_webhook', runId);
    expect(hooks).toHaveLength(1);
    const hook = hooks[0]!;
    expect(hook).toMatchObject({ verified: true, status: 200, key: KEY(runId) });
    const secret = stack.appSettings.NOTIFY_CHANNEL_LOCAL_WEBHOOK_SECRET!;
    const sig = { signature: hook.headers[HEADERS.signature], timestamp: hook.headers[HEADERS.timestamp] };
    expect(verify(secret, sig, hook.raw, Math.floor(Date.now() / 1000))).toEqual({ ok: true });
    expect(validateNotification(hook.body)).toEqual([]);
    expect(hook.body).toMatchObject({
      id: KEY(runId),
      event: 'run.needsAttention',
      attention: [{ reason: 'registeredElsewhere', count: 1 }],
      run: { runId, counts: { rows: 3, confirmed: 2, failed: 1 }, problems: [{ code: '808', count: 1, examples: ['FOREIGN-0001'] }] },
    });

    const notifications = (run.output as { notifications: DeliveryStatus[] }).notifications;
    expect(notifications).toMatchObject([
      { channel: 'local_teams', type: 'teams', event: 'run.needsAttention', state: 'delivered', attempts: 1, status: 202 },
      { channel: 'local_webhook', type: 'webhook', event: 'run.needsAttention', state: 'delivered', attempts: 1, status: 200 },
    ]);
    expect((run.customStatus as { notifications: unknown }).notifications).toEqual(notifications);
    // What each receiver answered, in the run's status over the app's own API.
    const api = (await (await fetch(`${stack.hostUrl}/api/runs/${runId}`)).json()) as {
      runtimeStatus: string;
      notifications: DeliveryStatus[];
      output: { notifications: DeliveryStatus[] };
    };
    expect(api.runtimeStatus).toBe('Completed');
    expect(api.notifications).toEqual(notifications);
    expect(api.output.notifications).toEqual(notifications);
    expect(api.notifications.map((d) => d.answer)).toEqual(['202 accepted', '200 ok']);
    // The secret is a credential: it is not in the host's log, the run's status or its output.
    expect(stack.hostLog()).not.toContain(secret);
    expect(JSON.stringify(run)).not.toContain(secret);
  });

  it('a receiver that fails gets the notification again, the same body, after the backoff', async () => {
    stack.receiver!.failNext('local_webhook', 2, 503);
    const { runId } = await drop(stack, 'contoso/retry.csv', csvOf(['RETRY-0001', 'FOREIGN-0001']));
    const run = await waitForRun(stack, runId, 120_000);
    const hooks = requestsOf(stack, 'local_webhook', runId);
    expect(hooks.map((h) => [h.status, h.headers[HEADERS.attempt]])).toEqual([
      [503, '1'],
      [503, '2'],
      [200, '3'],
    ]);
    expect(new Set(hooks.map((h) => h.raw)).size).toBe(1);
    expect(requestsOf(stack, 'local_teams', runId)).toHaveLength(1);
    expect((run.output as { notifications: DeliveryStatus[] }).notifications[1]).toMatchObject({
      channel: 'local_webhook',
      state: 'delivered',
      attempts: 3,
    });
  });

  it('a channel that refuses never fails the run: it ends failed with its answer, the other channel is delivered', async () => {
    stack.receiver!.failNext('local_teams', 1, 400);
    const { runId } = await drop(stack, 'contoso/refused.csv', csvOf(['REFUSE-0001', 'FOREIGN-0001']));
    const run = await waitForRun(stack, runId);
    expect(run.runtimeStatus).toBe('Completed');
    // A 400 will not change: one attempt, no retries.
    expect(requestsOf(stack, 'local_teams', runId).map((r) => r.status)).toEqual([400]);
    expect(requestsOf(stack, 'local_webhook', runId).map((r) => r.status)).toEqual([200]);
    const output = run.output as { status: string; counts: { failed: number }; notifications: DeliveryStatus[] };
    expect(output).toMatchObject({ counts: { failed: 1 } });
    expect(output.notifications).toMatchObject([
      { channel: 'local_teams', state: 'failed', attempts: 1, status: 400, answer: '400 told to fail' },
      { channel: 'local_webhook', state: 'delivered', attempts: 1, status: 200 },
    ]);
    // The run's report is there as it would be without notifications.
    expect(await readText(stack, CONTAINERS.reports, `${runId}/report.json`)).toContain(runId);
  });

  it('no duplicate after a host crash mid-delivery: the acknowledged channel is not sent again, the other is re-sent with its key and dropped', async () => {
    const held = stack.receiver!.hold('local_webhook');
    const { runId } = await drop(stack, 'contoso/crash.csv', csvOf(['CRASH-0001', 'FOREIGN-0001']));
    // The webhook's request is in and its answer held; Teams answered and its delivery is recorded.
    await until('the held webhook request', () => requestsOf(stack, 'local_webhook', runId).length === 1, 90_000);
    const teamsRecord = blobs(stack)
      .getContainerClient(CONTAINERS.state)
      .getBlockBlobClient(`notifications/${runId}/run.needsAttention/local_teams.json`);
    await until(
      'the Teams delivery record',
      async () => (await teamsRecord.exists()) && (await teamsRecord.downloadToBuffer()).toString().includes('"delivered"'),
    );
    await stack.killHost();
    held.release();
    await stack.startHost();
    const run = await waitForRun(stack, runId, 120_000);

    expect(requestsOf(stack, 'local_teams', runId)).toHaveLength(1);
    const hooks = requestsOf(stack, 'local_webhook', runId);
    expect(hooks.length).toBeGreaterThanOrEqual(2);
    expect(hooks.every((h) => h.key === KEY(runId) && h.verified)).toBe(true);
    expect(hooks.filter((h) => !h.duplicate)).toHaveLength(1);
    expect(stack.receiver!.accepted('local_webhook').filter((h) => h.key === KEY(runId))).toHaveLength(1);
    expect((run.output as { notifications: DeliveryStatus[] }).notifications).toMatchObject([
      { channel: 'local_teams', state: 'delivered' },
      { channel: 'local_webhook', state: 'delivered' },
    ]);
  }, 180_000);

  it('an acknowledged delivery is not sent again when the host dies before the orchestration heard of it (the delivery record answers)', async () => {
    // A slower retry pace for this run (it travels with the run's settings), so the host is surely
    // down before the second attempt is due.
    stack.appSettings.NOTIFY_RETRY_SECONDS = '5';
    await stack.killHost();
    await stack.startHost();
    stack.receiver!.failNext('local_webhook', 1, 503);
    const { runId } = await drop(stack, 'contoso/acked.csv', csvOf(['ACKED-0001', 'FOREIGN-0001']));
    // The orchestration has the first round's answers (its status says so) and waits on its retry timer.
    await until(
      'the first attempt recorded by the orchestration',
      async () => {
        const res = await fetch(`${stack.hostUrl}/runtime/webhooks/durabletask/instances/${runId}`);
        if (res.status !== 200 && res.status !== 202) return false;
        const status = (await res.json()) as { customStatus?: { notifications?: DeliveryStatus[] } };
        const hook = status.customStatus?.notifications?.find((d) => d.channel === 'local_webhook');
        return hook?.state === 'pending' && hook.attempts === 1;
      },
      90_000,
    );
    // Down while the retry timer runs (a clean stop: the host's status is ahead of its journal, which
    // a stop flushes); back with the local host's crash hook: SIGKILL right after the next activity
    // returns, before its result is committed. That activity is the second attempt: the receiver
    // answers 200, the record says delivered, and the orchestration never hears of it.
    await stopHost(stack.host);
    stack.appSettings.LOCAL_HOST_CRASH_AFTER_ACTIVITY = '1';
    try {
      await stack.startHost();
      await stack.host.exited;
    } finally {
      delete stack.appSettings.LOCAL_HOST_CRASH_AFTER_ACTIVITY;
      stack.appSettings.NOTIFY_RETRY_SECONDS = '1';
    }
    expect(stack.host.child.signalCode).toBe('SIGKILL');
    expect(requestsOf(stack, 'local_webhook', runId).map((h) => [h.status, h.headers[HEADERS.attempt]])).toEqual([
      [503, '1'],
      [200, '2'],
    ]);
    // The second attempt runs again on the next start, finds its record delivered, and sends nothing.
    await stack.startHost();
    const run = await waitForRun(stack, runId, 120_000);
    expect(requestsOf(stack, 'local_webhook', runId)).toHaveLength(2);
    expect(stack.hostLog()).toContain(`notify local_webhook (webhook) ${KEY(runId)} attempt 2: delivered earlier`);
    expect((run.output as { notifications: DeliveryStatus[] }).notifications[1]).toMatchObject({
      channel: 'local_webhook',
      state: 'delivered',
      attempts: 2,
      status: 200,
    });
  }, 180_000);
});
