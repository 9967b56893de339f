/**
 * Notification channels from the app settings, validated with every problem listed. A channel with a
 * problem is left out and the others kept (shared/config.ts reports the problems without failing the app). One channel per name in NOTIFY_CHANNELS, each with its settings:
 *
 *   NOTIFY_CHANNELS=ops,contoso
 *   NOTIFY_CHANNEL_OPS_TYPE=teams            teams | webhook
 *   NOTIFY_CHANNEL_OPS_URL=https://…         a credential: a Key Vault reference in Azure
 *   NOTIFY_CHANNEL_OPS_EVENTS=run.needsAttention,reconcile.drift     (default: every event)
 *   NOTIFY_CHANNEL_CONTOSO_TYPE=webhook
 *   NOTIFY_CHANNEL_CONTOSO_URL=https://…
 *   NOTIFY_CHANNEL_CONTOSO_SECRET=…          webhook only, required: signs every body
 *   NOTIFY_CHANNEL_CONTOSO_SOURCES=contoso/  path prefixes in the intake container (default: all)
 *
 * URLs and secrets are never echoed in a message: a problem names the setting, not its value.
 */
import { z } from 'zod';
import { NOTIFY_EVENTS, NotifyEvent, type NotifySettings } from '../contracts/delivery';
import { isLoopbackHost } from './address-guard';

export interface ChannelConfig {
  /** Lower case, as NOTIFY_CHANNELS names it. */
  name: string;
  type: 'teams' | 'webhook';
  url: string;
  secret?: string;
  events: NotifyEvent[];
  /** Path prefixes within the intake container; empty: every source. */
  sources: string[];
}

export interface NotifyConfig {
  channels: ChannelConfig[];
  /** Base of the dashboard: a run's page is {dashboardUrl}/runs/{runId} (DASHBOARD_URL, else the app's own host). */
  dashboardUrl?: string;
  /** Only the local stack sets it: http and loopback targets allowed (the local receiver). */
  allowLoopback: boolean;
  timeoutMs: number;
  retry: NotifySettings;
}

const NAME = /^[a-z][a-z0-9_]{0,31}$/i;
const KEY_VAULT_REFERENCE = /^@Microsoft\.KeyVault\(/i;
/** Minimum signing secret length: 32 characters (e.g. `openssl rand -hex 32` gives 64). */
export const MIN_SECRET_LENGTH = 32;

const setting = (name: string) => `NOTIFY_CHANNEL_${name.toUpperCase()}`;
const list = (v: string | undefined) =>
  (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

const MIGRATE =
  'Office 365 connectors (Incoming Webhook, *.webhook.office.com) are retired. In Teams, open the channel > Workflows > "Post to a channel when a webhook request is received", copy the URL the workflow gives (…logic.azure.com or …powerplatform.com) into this setting (a Key Vault secret in Azure) and keep TYPE=teams';

/** A legacy connector URL (its hosts and Outlook's older webhook paths). */
export function isLegacyConnector(url: URL): boolean {
  const host = url.hostname.toLowerCase();
  return (
    host === 'webhook.office.com' ||
    host.endsWith('.webhook.office.com') ||
    (['outlook.office.com', 'outlook.office365.com'].includes(host) && url.pathname.toLowerCase().startsWith('/webhook'))
  );
}

/** Problems with a target URL; the value itself never appears in them. */
export function urlProblems(key: string, raw: string, allowLoopback: boolean): string[] {
  if (KEY_VAULT_REFERENCE.test(raw))
    return [
      `${key}: its Key Vault reference did not resolve (the app's identity needs "Key Vault Secrets User" on the vault and the secret must exist; the portal shows the reference's status under Environment variables)`,
    ];
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return [`${key}: not a URL`];
  }
  if (isLegacyConnector(url)) return [`${key}: ${MIGRATE}`];
  if (url.username || url.password) return [`${key}: must not carry a user name or password`];
  const loopback = isLoopbackHost(url.hostname);
  if (url.protocol === 'https:' && !loopback) return [];
  if (loopback && allowLoopback && (url.protocol === 'http:' || url.protocol === 'https:')) return [];
  if (loopback) return [`${key}: a loopback address is allowed on the local stack only`];
  return [`${key}: must be an https URL`];
}

const Env = z.object({
  NOTIFY_CHANNELS: z.string().optional(),
  NOTIFY_ALLOW_LOOPBACK: z.enum(['true', 'false']).optional(),
  DASHBOARD_URL: z.string().optional(),
  NOTIFY_TIMEOUT_SECONDS: z.coerce.number().min(1).max(60).optional(),
  NOTIFY_ATTEMPTS: z.coerce.number().int().min(1).max(10).optional(),
  NOTIFY_RETRY_SECONDS: z.coerce.number().min(0).max(3600).optional(),
  /** Set by App Service to the app's host name (the local host sets 127.0.0.1:<port>). */
  WEBSITE_HOSTNAME: z.string().optional(),
});

/** Where the Function App serves the dashboard (functions/index.ts routes it under /api/dashboard). */
const DASHBOARD_PATH = '/api/dashboard';

export function parseNotifyConfig(env: Record<string, string | undefined>): { config: NotifyConfig; problems: string[] } {
  const problems: string[] = [];
  const blank = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : v.trim());
  const parsed = Env.safeParse(Object.fromEntries(Object.keys(Env.shape).map((k) => [k, blank(env[k])])));
  if (!parsed.success) problems.push(...parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  const e = parsed.success ? parsed.data : {};
  const allowLoopback = e.NOTIFY_ALLOW_LOOPBACK === 'true';
  const appHost = e.WEBSITE_HOSTNAME;
  const appOnLoopback = appHost !== undefined && isLoopbackHost(appHost.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1'));
  // Loopback targets are for the local stack's receiver: an app that Azure names (WEBSITE_HOSTNAME) never posts to them.
  if (allowLoopback && appHost !== undefined && !appOnLoopback)
    problems.push(`NOTIFY_ALLOW_LOOPBACK: true is for the local stack only; this app is ${appHost} (WEBSITE_HOSTNAME): remove the setting`);

  // Links go to DASHBOARD_URL (a custom domain, a front door), else to the dashboard the app itself serves.
  const dashboardUrl =
    e.DASHBOARD_URL?.replace(/\/+$/, '') ?? (appHost ? `${appOnLoopback ? 'http' : 'https'}://${appHost}${DASHBOARD_PATH}` : undefined);
  const dashboardProblems = dashboardUrl ? urlProblems('DASHBOARD_URL', dashboardUrl, allowLoopback || appOnLoopback) : [];
  problems.push(...dashboardProblems);

  const names = list(e.NOTIFY_CHANNELS);
  const channels: ChannelConfig[] = [];
  const seen = new Set<string>();
  for (const raw of names) {
    if (!NAME.test(raw)) {
      problems.push(`NOTIFY_CHANNELS: "${raw}" is not a channel name (a letter, then letters, digits or _; up to 32)`);
      continue;
    }
    const name = raw.toLowerCase();
    if (seen.has(name)) {
      problems.push(`NOTIFY_CHANNELS: "${raw}" is named twice`);
      continue;
    }
    seen.add(name);
    const key = setting(name);
    const type = blank(env[`${key}_TYPE`]);
    const url = blank(env[`${key}_URL`]);
    const secret = blank(env[`${key}_SECRET`]);
    const before = problems.length;
    if (type !== 'teams' && type !== 'webhook') problems.push(`${key}_TYPE: must be teams or webhook`);
    if (!url) problems.push(`${key}_URL: required`);
    else problems.push(...urlProblems(`${key}_URL`, url, allowLoopback));
    if (type === 'webhook') {
      if (!secret) problems.push(`${key}_SECRET: required for a webhook channel (it signs every body)`);
      else if (KEY_VAULT_REFERENCE.test(secret)) problems.push(`${key}_SECRET: its Key Vault reference did not resolve`);
      else if (secret.length < MIN_SECRET_LENGTH) problems.push(`${key}_SECRET: must be at least ${MIN_SECRET_LENGTH} characters`);
    }
    if (type === 'teams' && secret)
      problems.push(`${key}_SECRET: a Teams channel is not signed (the workflow URL is the credential); remove it`);
    const events = list(env[`${key}_EVENTS`]);
    const unknown = events.filter((ev) => !NotifyEvent.safeParse(ev).success);
    if (unknown.length) problems.push(`${key}_EVENTS: unknown event(s) ${unknown.join(', ')}; known: ${NOTIFY_EVENTS.join(', ')}`);
    const sources = list(env[`${key}_SOURCES`]).map(normalizePrefix);
    if (problems.length > before || !url || (type !== 'teams' && type !== 'webhook')) continue;
    channels.push({
      name,
      type,
      url,
      ...(secret ? { secret } : {}),
      events: events.length ? (events as NotifyEvent[]) : [...NOTIFY_EVENTS],
      sources,
    });
  }
  // A channel's settings without its name in NOTIFY_CHANNELS is almost always a typo.
  for (const k of Object.keys(env)) {
    const m = /^NOTIFY_CHANNEL_([A-Z0-9_]+?)_(TYPE|URL|SECRET|EVENTS|SOURCES)$/.exec(k);
    if (m && !seen.has(m[1]!.toLowerCase())) problems.push(`${k}: channel "${m[1]!.toLowerCase()}" is not listed in NOTIFY_CHANNELS`);
  }
  return {
    problems,
    config: {
      channels,
      // A link that would be refused is not sent: cards and bodies then go without it.
      ...(dashboardUrl && dashboardProblems.length === 0 ? { dashboardUrl } : {}),
      allowLoopback,
      timeoutMs: (e.NOTIFY_TIMEOUT_SECONDS ?? 10) * 1000,
      retry: { attempts: e.NOTIFY_ATTEMPTS ?? 4, retrySeconds: e.NOTIFY_RETRY_SECONDS ?? 15, backoff: 3 },
    },
  };
}

/** `autopilot-intake/contoso` and `/contoso/` both mean the prefix `contoso/` of a blob name. */
export function normalizePrefix(prefix: string): string {
  return prefix.replace(/^\/+/, '').replace(/^autopilot-intake\//, '');
}
