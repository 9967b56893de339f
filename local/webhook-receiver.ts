/**
 * The local stack's notification receiver: a small HTTP server on loopback that takes what the app
 * sends to its channels and prints each notification, as Teams and a webhook consumer would take
 * them. `POST /teams/{channel}` checks a Teams Workflows message (the envelope, an Adaptive Card
 * 1.4, under Teams' 28 KB); `POST /webhook/{channel}` checks the signature and timestamp with the
 * channel's secret and drops a repeated idempotency key, as a receiver should. Tests steer it: fail
 * the next answers of a channel, or hold its answers (the request is taken, the answer waits).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HEADERS, verify } from '../shared/notify/signature';
import { TEAMS_LIMIT_BYTES } from '../shared/notify/teams-card';

export interface ReceivedRequest {
  kind: 'teams' | 'webhook';
  channel: string;
  at: string;
  bytes: number;
  status: number;
  /** Webhook: the idempotency key, whether the signature verified, and whether the key was seen before. */
  key?: string;
  verified?: boolean;
  duplicate?: boolean;
  headers: Record<string, string | undefined>;
  body: unknown;
  raw: string;
}

export interface WebhookReceiver {
  url: string;
  /** Every request, in order of arrival. */
  requests: ReceivedRequest[];
  /** What a consumer would act on: 2xx answered, not a repeated key. */
  accepted(channel?: string): ReceivedRequest[];
  /** Answer the next `count` requests of a channel with `status` (default 503). */
  failNext(channel: string, count: number, status?: number): void;
  /** Take a channel's requests but hold their answers until released (a crash lands mid-delivery). */
  hold(channel: string): { release(): void; held(): number };
  stop(): Promise<void>;
}

export interface ReceiverOptions {
  port?: number;
  /** The signing secret of each webhook channel. */
  secrets: Record<string, string>;
  print?: (line: string) => void;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** The card's first text: the title the app puts there. */
function cardTitle(body: unknown): string | undefined {
  const content = (body as { attachments?: { content?: { body?: { items?: { text?: string }[] }[] } }[] })?.attachments?.[0]?.content;
  return content?.body?.[0]?.items?.[0]?.text;
}

function teamsProblem(body: unknown, bytes: number): string | undefined {
  if (bytes > TEAMS_LIMIT_BYTES) return `message of ${bytes} bytes is over Teams' ${TEAMS_LIMIT_BYTES}`;
  const b = body as { type?: string; attachments?: { contentType?: string; content?: { type?: string; version?: string } }[] };
  if (b?.type !== 'message') return 'not a message envelope';
  const a = b.attachments?.[0];
  if (a?.contentType !== 'application/vnd.microsoft.card.adaptive') return 'no Adaptive Card attachment';
  if (a.content?.type !== 'AdaptiveCard' || a.content.version !== '1.4') return 'not an Adaptive Card 1.4';
  return undefined;
}

export async function startWebhookReceiver(options: ReceiverOptions): Promise<WebhookReceiver> {
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const requests: ReceivedRequest[] = [];
  const failures = new Map<string, { count: number; status: number }>();
  const holds = new Map<string, { waiting: (() => void)[] }>();
  const seen = new Set<string>();

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const m = /^\/(teams|webhook)\/([A-Za-z0-9_]+)$/.exec(req.url ?? '');
    if (req.method !== 'POST' || !m) {
      res.writeHead(404).end();
      return;
    }
    const kind = m[1] as 'teams' | 'webhook';
    const channel = m[2]!.toLowerCase();
    const raw = await readBody(req);
    const bytes = Buffer.byteLength(raw);
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v]));
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      body = undefined;
    }
    const record: ReceivedRequest = { kind, channel, at: new Date().toISOString(), bytes, status: 200, headers, body, raw };
    requests.push(record);
    const answer = (status: number, text: string) => {
      record.status = status;
      const hold = holds.get(channel);
      const send = () => {
        if (!res.destroyed) res.writeHead(status, { 'content-type': 'text/plain' }).end(text);
      };
      if (hold && status < 300) hold.waiting.push(send);
      else send();
    };
    const failing = failures.get(channel);
    if (failing && failing.count > 0) {
      failing.count--;
      print(`notify | ${kind} ${channel}: answered ${failing.status} (told to fail)`);
      answer(failing.status, 'told to fail');
      return;
    }
    if (kind === 'teams') {
      const problem = body === undefined ? 'not JSON' : teamsProblem(body, bytes);
      if (problem) {
        print(`notify | teams ${channel}: refused: ${problem}`);
        answer(400, problem);
        return;
      }
      print(`notify | teams ${channel} ← ${cardTitle(body) ?? '(untitled card)'} (${bytes} bytes)`);
      answer(202, 'accepted');
      return;
    }
    const secret = options.secrets[channel];
    const verdict = secret
      ? verify(secret, { signature: headers[HEADERS.signature], timestamp: headers[HEADERS.timestamp] }, raw, Math.floor(Date.now() / 1000))
      : { ok: false as const, reason: 'no secret for this channel' };
    record.verified = verdict.ok;
    if (!verdict.ok) {
      print(`notify | webhook ${channel}: refused: ${verdict.reason}`);
      answer(401, verdict.reason);
      return;
    }
    const key = headers[HEADERS.idempotencyKey];
    record.key = key;
    if (key && seen.has(`${channel}|${key}`)) {
      record.duplicate = true;
      print(`notify | webhook ${channel}: ${key} again (attempt ${headers[HEADERS.attempt] ?? '?'}): already handled, dropped`);
      answer(200, 'duplicate');
      return;
    }
    if (key) seen.add(`${channel}|${key}`);
    const n = body as { event?: string; title?: string };
    print(`notify | webhook ${channel} ← ${n?.event ?? '?'} ${key ?? ''}: ${n?.title ?? ''} (signature ok, ${bytes} bytes)`);
    answer(200, 'ok');
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    accepted: (channel) => requests.filter((r) => (!channel || r.channel === channel) && r.status >= 200 && r.status < 300 && !r.duplicate),
    failNext(channel, count, status = 503) {
      failures.set(channel.toLowerCase(), { count, status });
    },
    hold(channel) {
      const h = { waiting: [] as (() => void)[] };
      holds.set(channel.toLowerCase(), h);
      return {
        held: () => h.waiting.length,
        release() {
          holds.delete(channel.toLowerCase());
          for (const send of h.waiting.splice(0)) send();
        },
      };
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The app settings of two local channels pointing at a receiver: one Teams, one signed webhook. */
export function localChannelSettings(receiverUrl: string, webhookSecret: string): Record<string, string> {
  return {
    NOTIFY_CHANNELS: 'local_teams,local_webhook',
    NOTIFY_CHANNEL_LOCAL_TEAMS_TYPE: 'teams',
    NOTIFY_CHANNEL_LOCAL_TEAMS_URL: `${receiverUrl}/teams/local_teams`,
    NOTIFY_CHANNEL_LOCAL_WEBHOOK_TYPE: 'webhook',
    NOTIFY_CHANNEL_LOCAL_WEBHOOK_URL: `${receiverUrl}/webhook/local_webhook`,
    NOTIFY_CHANNEL_LOCAL_WEBHOOK_SECRET: webhookSecret,
  };
}
