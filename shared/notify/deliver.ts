/**
 * The notifyDeliver activity: one attempt to deliver one stored event to one channel. It never
 * throws for the receiver's sake — the answer says whether another attempt may help — so a failing
 * channel never fails the run; the orchestration decides when to try again (orchestrations/notify.ts).
 *
 * At least once, and not again once acknowledged: a delivery record (store.ts) is claimed before
 * sending (ETag-conditional, so two attempts never send at once) and marked delivered after a 2xx.
 * An attempt re-run after a crash finds it delivered and does not send; a crash between the
 * receiver's 2xx and the record sends again, with the same body and the same idempotency key
 * (`Idempotency-Key` header and the body's `id`), which receivers use to drop the repeat.
 */
import { randomUUID } from 'node:crypto';
import type { DeliverInput, DeliverResult } from '../contracts';
import type { ChannelConfig, NotifyConfig } from './channels-config';
import type { HttpPoster } from './http-poster';
import { SendError } from './send-error';
import type { Notification } from './payload';
import { channelSecrets, redact } from './redact';
import { HEADERS, sign } from './signature';
import type { NotificationStore } from './store';
import { teamsMessage } from './teams-card';

export interface DeliverDeps {
  notifications: NotificationStore;
  config: NotifyConfig;
  poster: HttpPoster;
  now: () => Date;
  log: (message: string) => void;
}

const USER_AGENT = 'autopilot-intake-notify/1';

/** What to send to a channel: the card for Teams, the signed event for a webhook. */
export function render(
  channel: ChannelConfig,
  n: Notification,
  input: DeliverInput,
  now: Date,
): { body: string; headers: Record<string, string> } {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': USER_AGENT };
  if (channel.type === 'teams') return { body: teamsMessage(n).body, headers };
  const body = JSON.stringify(n);
  const timestamp = Math.floor(now.getTime() / 1000);
  return {
    body,
    headers: {
      ...headers,
      [HEADERS.event]: n.event,
      [HEADERS.idempotencyKey]: n.id,
      [HEADERS.attempt]: String(input.attempt),
      [HEADERS.timestamp]: String(timestamp),
      [HEADERS.signature]: sign(channel.secret ?? '', timestamp, body),
    },
  };
}

/** 408, 429 and 5xx may pass on another attempt; other answers will not change. */
const retryable = (status: number) => status === 408 || status === 429 || status >= 500;

export async function deliverNotification(deps: DeliverDeps, input: DeliverInput): Promise<DeliverResult> {
  const at = () => deps.now().toISOString();
  const said = (r: DeliverResult): DeliverResult => {
    deps.log(
      `notify ${input.channel} (${input.type}) ${input.key} attempt ${input.attempt}: ${r.outcome}${r.earlier ? ' earlier' : ''} — ${r.answer}`,
    );
    return r;
  };
  const channel = deps.config.channels.find((c) => c.name === input.channel);
  if (!channel) return said({ outcome: 'failed', answer: 'the channel is no longer configured', at: at() });

  const held = await deps.notifications.readRecord(input.subjectId, input.event, channel.name);
  if (held?.record.state === 'delivered')
    return said({
      outcome: 'delivered',
      earlier: true,
      answer: held.record.answer ?? 'acknowledged earlier',
      ...(held.record.status ? { status: held.record.status } : {}),
      at: held.record.since,
    });
  // Another attempt holds it (a duplicate execution): let its lease run out, then try again.
  const leaseMs = deps.config.timeoutMs * 2 + 5_000;
  if (held?.record.state === 'sending' && deps.now().getTime() - Date.parse(held.record.since) < leaseMs)
    return said({ outcome: 'retry', answer: 'another attempt of this delivery is in flight', at: at() });
  const attemptId = randomUUID();
  const claimed = await deps.notifications.writeRecordIf(
    input.subjectId,
    input.event,
    { key: input.key, channel: channel.name, state: 'sending', attemptId, since: at() },
    held?.etag ?? null,
  );
  if (!claimed) return said({ outcome: 'retry', answer: 'another attempt claimed this delivery first', at: at() });

  const release = async (answer: string, status?: number) =>
    deps.notifications.writeRecord(input.subjectId, input.event, {
      key: input.key,
      channel: channel.name,
      state: 'released',
      attemptId,
      since: at(),
      answer,
      ...(status ? { status } : {}),
    });
  const notification = await deps.notifications.readEvent(input.subjectId, input.event);
  if (!notification) {
    await release('the event is gone from storage');
    return said({ outcome: 'failed', answer: 'the event is gone from storage', at: at() });
  }
  const { body, headers } = render(channel, notification, input, deps.now());
  // Every channel's credentials, not only this one's: an answer may quote anything.
  const secrets = deps.config.channels.flatMap(channelSecrets);
  try {
    const res = await deps.poster.post(channel.url, body, headers);
    const answer = redact(`${res.status}${res.body ? ` ${res.body}` : ''}`, secrets);
    if (res.status >= 200 && res.status < 300) {
      await deps.notifications.writeRecord(input.subjectId, input.event, {
        key: input.key,
        channel: channel.name,
        state: 'delivered',
        attemptId,
        since: at(),
        status: res.status,
        answer,
      });
      return said({ outcome: 'delivered', status: res.status, answer, at: at() });
    }
    await release(answer, res.status);
    const hint = res.status >= 300 && res.status < 400 ? ' (redirects are not followed: configure the final URL)' : '';
    return said({ outcome: retryable(res.status) ? 'retry' : 'failed', status: res.status, answer: `${answer}${hint}`, at: at() });
  } catch (error) {
    const answer = redact(error instanceof Error ? error.message : String(error), secrets);
    await release(answer);
    const refused = error instanceof SendError && error.kind === 'refused';
    return said({ outcome: refused ? 'failed' : 'retry', answer, at: at() });
  }
}
