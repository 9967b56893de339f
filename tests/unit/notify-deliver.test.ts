import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config';
import type { DeliverInput } from '../../shared/contracts';
import { deliverNotification, type DeliverDeps } from '../../shared/notify/deliver';
import { SendError, type HttpPoster, type PostAnswer } from '../../shared/notify/http-poster';
import { prepareNotification } from '../../shared/notify/prepare';
import { HEADERS, verify } from '../../shared/notify/signature';
import { NotificationStore } from '../../shared/notify/store';
import { ReconcileStore } from '../../shared/reconcile/store';
import { RunStore } from '../../shared/run/run-store';
import { MemoryObjectStore } from '../../shared/storage/memory-store';
import { channelEnv, HOOK_URL, outcomeOf, SECRET, TEAMS_URL, writeSyntheticRun } from '../support/notify-fixtures';

const RUN = 'intake-0123456789abcdef0123456789abcdef';
const NOW = new Date('2026-11-28T11:00:00.000Z');

interface Sent {
  url: string;
  body: string;
  headers: Record<string, string>;
}

/** A poster that answers from a script and keeps what was sent. */
function scriptedPoster(script: (n: number) => PostAnswer | Error | Promise<PostAnswer>): HttpPoster & { sent: Sent[] } {
  const sent: Sent[] = [];
  return {
    sent,
    async post(url, body, headers) {
      sent.push({ url, body, headers });
      const r = await script(sent.length);
      if (r instanceof Error) throw r;
      return r;
    },
  };
}

async function setup(poster: HttpPoster, env: Record<string, string> = {}) {
  const objects = new MemoryObjectStore();
  const runs = new RunStore(objects);
  const notifications = new NotificationStore(objects);
  const config = loadConfig({ AzureWebJobsStorage: 'UseDevelopmentStorage=true', ...channelEnv(env) }).notify;
  const { counts } = await writeSyntheticRun(runs, RUN, [
    { serialNumber: 'SN-1', failure: { code: '808', stage: 'import' } },
    { serialNumber: 'SN-2' },
  ]);
  const logs: string[] = [];
  const log = (m: string) => logs.push(m);
  const planned = await prepareNotification(
    { notifications, runs, reconcile: new ReconcileStore(objects), config, log },
    {
      subject: { kind: 'intake', outcome: outcomeOf(RUN, counts), source: { container: 'autopilot-intake', name: 'oem/devices.csv' } },
      now: NOW.toISOString(),
    },
  );
  let clock = NOW.getTime();
  const deps: DeliverDeps = { notifications, config, poster, now: () => new Date(clock), log };
  const input = (channel: string, attempt = 1): DeliverInput => ({
    ...planned.deliveries.find((d) => d.channel === channel)!,
    subjectId: RUN,
    attempt,
  });
  return { deps, input, logs, notifications, advance: (ms: number) => (clock += ms) };
}

describe('delivering one notification to one channel', () => {
  it('a 2xx is recorded; the same delivery again (a re-run after a crash) is not sent again', async () => {
    const poster = scriptedPoster(() => ({ status: 202, body: '' }));
    const { deps, input, notifications } = await setup(poster);
    const first = await deliverNotification(deps, input('ops'));
    expect(first).toMatchObject({ outcome: 'delivered', status: 202 });
    expect((await notifications.readRecord(RUN, 'run.needsAttention', 'ops'))?.record.state).toBe('delivered');
    const again = await deliverNotification(deps, input('ops', 2));
    expect(again).toMatchObject({ outcome: 'delivered', earlier: true, status: 202 });
    expect(poster.sent).toHaveLength(1);
  });

  it('Teams gets the card, the webhook the signed event with its idempotency key; both to their configured URLs', async () => {
    const poster = scriptedPoster(() => ({ status: 200, body: 'ok' }));
    const { deps, input } = await setup(poster);
    await deliverNotification(deps, input('ops'));
    await deliverNotification(deps, input('contoso'));
    const [teams, hook] = poster.sent;
    expect(teams!.url).toBe(TEAMS_URL);
    expect(JSON.parse(teams!.body).attachments[0].content.type).toBe('AdaptiveCard');
    expect(teams!.headers[HEADERS.signature]).toBeUndefined();
    expect(hook!.url).toBe(HOOK_URL);
    expect(hook!.headers[HEADERS.idempotencyKey]).toBe(`${RUN}:run.needsAttention`);
    expect(hook!.headers[HEADERS.event]).toBe('run.needsAttention');
    expect(JSON.parse(hook!.body).id).toBe(`${RUN}:run.needsAttention`);
    const ok = verify(
      SECRET,
      { signature: hook!.headers[HEADERS.signature], timestamp: hook!.headers[HEADERS.timestamp] },
      hook!.body,
      NOW.getTime() / 1000,
    );
    expect(ok).toEqual({ ok: true });
  });

  it.each([
    [503, 'retry'],
    [500, 'retry'],
    [429, 'retry'],
    [408, 'retry'],
    [400, 'failed'],
    [401, 'failed'],
    [404, 'failed'],
    [302, 'failed'],
  ])('an answer %i means %s', async (status, outcome) => {
    const poster = scriptedPoster(() => ({ status, body: 'no' }));
    const { deps, input, notifications } = await setup(poster);
    const r = await deliverNotification(deps, input('contoso'));
    expect(r).toMatchObject({ outcome, status });
    if (status === 302) expect(r.answer).toContain('redirects are not followed');
    // The record is released: the next attempt sends at once.
    expect((await notifications.readRecord(RUN, 'run.needsAttention', 'contoso'))?.record.state).toBe('released');
  });

  it('after a receiver failure the next attempt sends the same body again and is delivered', async () => {
    const poster = scriptedPoster((n) => (n === 1 ? { status: 503, body: 'busy' } : { status: 200, body: '' }));
    const { deps, input } = await setup(poster);
    expect((await deliverNotification(deps, input('contoso', 1))).outcome).toBe('retry');
    expect((await deliverNotification(deps, input('contoso', 2))).outcome).toBe('delivered');
    expect(poster.sent[0]!.body).toBe(poster.sent[1]!.body);
    expect(poster.sent[1]!.headers[HEADERS.attempt]).toBe('2');
  });

  it('a refused target fails at once; a network failure or a timeout is worth another attempt', async () => {
    for (const [error, outcome] of [
      [new SendError('refused', 'refused: the target is a private address'), 'failed'],
      [new SendError('network', 'network error (ECONNRESET)'), 'retry'],
      [new SendError('timeout', 'no answer in time (UND_ERR_HEADERS_TIMEOUT)'), 'retry'],
    ] as const) {
      const { deps, input } = await setup(scriptedPoster(() => error));
      expect(await deliverNotification(deps, input('ops'))).toMatchObject({ outcome, answer: error.message });
    }
  });

  it('two attempts of the same delivery at once send it once (the record is claimed with an ETag condition); a stale claim is taken over', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const poster = scriptedPoster(async () => {
      await gate;
      return { status: 200, body: '' };
    });
    const { deps, input } = await setup(poster);
    const a = deliverNotification(deps, input('ops', 1));
    await new Promise((r) => setTimeout(r, 10));
    const b = await deliverNotification(deps, input('ops', 1));
    expect(b).toMatchObject({ outcome: 'retry', answer: 'another attempt of this delivery is in flight' });
    release();
    expect((await a).outcome).toBe('delivered');
    expect(poster.sent).toHaveLength(1);

    // A claim left by an attempt that died (host crash) is taken over once its lease has run out.
    const stuck = scriptedPoster(() => new Promise<PostAnswer>(() => undefined));
    const s = await setup(stuck);
    void deliverNotification(s.deps, s.input('contoso', 1));
    await new Promise((r) => setTimeout(r, 10));
    s.deps.poster = scriptedPoster(() => ({ status: 200, body: '' }));
    expect((await deliverNotification(s.deps, s.input('contoso', 2))).outcome).toBe('retry');
    s.advance(30_000);
    expect((await deliverNotification(s.deps, s.input('contoso', 3))).outcome).toBe('delivered');
  });

  it('a channel removed from the settings since the run started fails without sending', async () => {
    const poster = scriptedPoster(() => ({ status: 200, body: '' }));
    const { deps, input } = await setup(poster);
    const gone = { ...deps, config: { ...deps.config, channels: deps.config.channels.filter((c) => c.name !== 'ops') } };
    expect(await deliverNotification(gone, input('ops'))).toMatchObject({
      outcome: 'failed',
      answer: 'the channel is no longer configured',
    });
    expect(poster.sent).toHaveLength(0);
  });

  it('never shows a URL or a secret: not in answers, not in the log, not in the records', async () => {
    // A receiver that echoes what it got, and a transport error that names the URL.
    const echo = (n: number): PostAnswer | Error =>
      n % 2 === 1
        ? { status: 400, body: `bad request to ${TEAMS_URL} / ${HOOK_URL} with ${SECRET} sig=abc&code=def` }
        : new SendError('network', `fetch ${HOOK_URL} failed`);
    const poster = scriptedPoster(echo);
    const { deps, input, logs, notifications } = await setup(poster);
    const results = [
      await deliverNotification(deps, input('ops', 1)),
      await deliverNotification(deps, input('contoso', 1)),
      await deliverNotification(deps, input('contoso', 2)),
    ];
    const records = [
      await notifications.readRecord(RUN, 'run.needsAttention', 'ops'),
      await notifications.readRecord(RUN, 'run.needsAttention', 'contoso'),
    ];
    const shown = JSON.stringify({ results, logs, records });
    for (const secret of [TEAMS_URL, HOOK_URL, SECRET, 'TopSecretSig123', 'hook-credential-42', 'sig=abc', 'code=def'])
      expect(shown).not.toContain(secret);
    expect(shown).toContain('[redacted]');
  });
});
