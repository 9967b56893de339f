import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config';
import { channelEnv, HOOK_URL, SECRET, TEAMS_URL } from '../support/notify-fixtures';

const base = { AzureWebJobsStorage: 'UseDevelopmentStorage=true' };

/** A bad notification setting never fails the configuration: it is reported and its channel left out. */
function problems(env: Record<string, string>): string[] {
  return loadConfig({ ...base, ...env }).notifyProblems;
}

describe('notification channels (app settings)', () => {
  it('none configured: no channels, and runs carry no notify settings (they decide the actions they always did)', () => {
    const c = loadConfig(base);
    expect(c.notify.channels).toEqual([]);
    expect(c.settings.notify).toBeUndefined();
    expect(c.reconcile.notify).toBeUndefined();
  });

  it('several channels at once, each with its type, URL, secret, event filter (default: every event) and source filter', () => {
    const c = loadConfig({
      ...base,
      ...channelEnv({
        NOTIFY_CHANNEL_OPS_EVENTS: 'run.needsAttention, reconcile.drift',
        NOTIFY_CHANNEL_CONTOSO_SOURCES: '/autopilot-intake/contoso/, contoso-2/',
      }),
    });
    expect(c.notify.channels).toEqual([
      { name: 'ops', type: 'teams', url: TEAMS_URL, events: ['run.needsAttention', 'reconcile.drift'], sources: [] },
      {
        name: 'contoso',
        type: 'webhook',
        url: HOOK_URL,
        secret: SECRET,
        events: ['run.completed', 'run.needsAttention', 'reconcile.drift', 'baseline.drift'],
        sources: ['contoso/', 'contoso-2/'],
      },
    ]);
    expect(c.notify).toMatchObject({
      dashboardUrl: 'https://func-x.azurewebsites.net/api/dashboard',
      allowLoopback: false,
      timeoutMs: 10_000,
    });
    // The retry pace travels with each run started from now on; URLs and secrets never do.
    expect(c.settings.notify).toEqual({ attempts: 4, retrySeconds: 15, backoff: 3 });
    expect(c.reconcile.notify).toEqual(c.settings.notify);
    expect(JSON.stringify(c.settings)).not.toContain('sig=');
  });

  it.each([
    [
      'a legacy Office 365 connector URL, with the way to Workflows',
      { NOTIFY_CHANNEL_OPS_URL: 'https://contoso.webhook.office.com/webhookb2/abc@def/IncomingWebhook/123/456' },
      /NOTIFY_CHANNEL_OPS_URL: Office 365 connectors .* are retired\. In Teams, open the channel > Workflows > "Post to a channel when a webhook request is received"/,
    ],
    [
      'an older outlook.office.com connector URL',
      { NOTIFY_CHANNEL_OPS_URL: 'https://outlook.office.com/webhook/abc/IncomingWebhook/1/2' },
      /retired/,
    ],
    [
      'http outside the local stack',
      { NOTIFY_CHANNEL_OPS_URL: 'http://hooks.example.com/x' },
      /NOTIFY_CHANNEL_OPS_URL: must be an https URL/,
    ],
    [
      'loopback outside the local stack',
      { NOTIFY_CHANNEL_OPS_URL: 'https://127.0.0.1:8443/x' },
      /loopback address is allowed on the local stack only/,
    ],
    ['localhost outside the local stack', { NOTIFY_CHANNEL_OPS_URL: 'https://localhost/x' }, /loopback/],
    ['credentials in the URL', { NOTIFY_CHANNEL_OPS_URL: 'https://user:pw@hooks.example.com/x' }, /must not carry a user name or password/],
    ['not a URL', { NOTIFY_CHANNEL_OPS_URL: 'hooks.example.com' }, /NOTIFY_CHANNEL_OPS_URL: not a URL/],
    [
      'a Key Vault reference that did not resolve',
      { NOTIFY_CHANNEL_OPS_URL: '@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/ops-url/)' },
      /Key Vault reference did not resolve .*Key Vault Secrets User/,
    ],
    ['a webhook without a secret', { NOTIFY_CHANNEL_CONTOSO_SECRET: '' }, /NOTIFY_CHANNEL_CONTOSO_SECRET: required for a webhook channel/],
    ['a short secret', { NOTIFY_CHANNEL_CONTOSO_SECRET: 'short-secret' }, /at least 32 characters/],
    ['a secret on a Teams channel', { NOTIFY_CHANNEL_OPS_SECRET: SECRET }, /a Teams channel is not signed/],
    ['an unknown type', { NOTIFY_CHANNEL_OPS_TYPE: 'slack' }, /NOTIFY_CHANNEL_OPS_TYPE: must be teams or webhook/],
    ['a missing URL', { NOTIFY_CHANNEL_OPS_URL: '' }, /NOTIFY_CHANNEL_OPS_URL: required/],
    [
      'an unknown event',
      { NOTIFY_CHANNEL_OPS_EVENTS: 'run.done' },
      /unknown event\(s\) run\.done; known: run\.completed, run\.needsAttention, reconcile\.drift, baseline\.drift/,
    ],
    [
      'settings of a channel not listed',
      { NOTIFY_CHANNEL_OPZ_URL: TEAMS_URL },
      /NOTIFY_CHANNEL_OPZ_URL: channel "opz" is not listed in NOTIFY_CHANNELS/,
    ],
    ['a name listed twice', { NOTIFY_CHANNELS: 'ops,OPS,contoso' }, /"OPS" is named twice/],
    ['a bad name', { NOTIFY_CHANNELS: 'ops,contoso,my-channel' }, /"my-channel" is not a channel name/],
    [
      'a plain-http dashboard in Azure',
      { DASHBOARD_URL: 'http://func-x.azurewebsites.net/api/dashboard' },
      /DASHBOARD_URL: must be an https URL/,
    ],
    ['a bad retry count', { NOTIFY_ATTEMPTS: '50' }, /NOTIFY_ATTEMPTS/],
  ])('refuses %s with a message that names the setting', (_what, env, message) => {
    const found = problems(channelEnv(env));
    expect(found.join('\n')).toMatch(message);
  });

  it('never repeats a URL or a secret in a message (they are credentials)', () => {
    const secretUrl = 'https://contoso.webhook.office.com/webhookb2/SECRET-PATH?sig=SECRET-SIG';
    const found = problems(
      channelEnv({
        NOTIFY_CHANNEL_OPS_URL: secretUrl,
        NOTIFY_CHANNEL_CONTOSO_URL: 'http://hooks.example.com/SECRET-HOOK',
        NOTIFY_CHANNEL_CONTOSO_SECRET: 'SECRET-SHORT',
      }),
    ).join('\n');
    expect(found).not.toBe('');
    for (const s of ['SECRET-PATH', 'SECRET-SIG', 'SECRET-HOOK', 'SECRET-SHORT']) expect(found).not.toContain(s);
  });

  it('the local stack may use http and loopback targets (NOTIFY_ALLOW_LOOPBACK), still never a private address', () => {
    const local = {
      NOTIFY_ALLOW_LOOPBACK: 'true',
      NOTIFY_CHANNEL_OPS_URL: 'http://127.0.0.1:7073/teams/ops',
      DASHBOARD_URL: 'http://127.0.0.1:7071/api/dashboard',
    };
    expect(problems(channelEnv(local))).toEqual([]);
    expect(problems(channelEnv({ ...local, NOTIFY_CHANNEL_OPS_URL: 'http://10.0.0.5/teams/ops' })).join()).toMatch(/must be an https URL/);
  });

  it('in Azure (the app named by WEBSITE_HOSTNAME) loopback is refused even when NOTIFY_ALLOW_LOOPBACK is set', () => {
    const inAzure = { WEBSITE_HOSTNAME: 'func-x.azurewebsites.net' };
    const found = problems(
      channelEnv({ ...inAzure, NOTIFY_ALLOW_LOOPBACK: 'true', NOTIFY_CHANNEL_OPS_URL: 'http://127.0.0.1:7073/teams/ops' }),
    );
    expect(found.join('\n')).toMatch(/NOTIFY_ALLOW_LOOPBACK: true is for the local stack only; this app is func-x\.azurewebsites\.net/);
    // The local host names itself 127.0.0.1:<port>: the same settings pass there.
    const local = {
      WEBSITE_HOSTNAME: '127.0.0.1:7071',
      NOTIFY_ALLOW_LOOPBACK: 'true',
      NOTIFY_CHANNEL_OPS_URL: 'http://127.0.0.1:7073/teams/ops',
    };
    expect(problems(channelEnv(local))).toEqual([]);
  });

  it('links to the dashboard the app serves when DASHBOARD_URL is not set (https in Azure, http on the local host)', () => {
    const { DASHBOARD_URL: _unset, ...env } = channelEnv({});
    expect(loadConfig({ ...base, ...env }).notify.dashboardUrl).toBeUndefined();
    expect(loadConfig({ ...base, ...env, WEBSITE_HOSTNAME: 'func-x.azurewebsites.net' }).notify.dashboardUrl).toBe(
      'https://func-x.azurewebsites.net/api/dashboard',
    );
    expect(loadConfig({ ...base, ...env, WEBSITE_HOSTNAME: '127.0.0.1:7071' }).notify.dashboardUrl).toBe(
      'http://127.0.0.1:7071/api/dashboard',
    );
    // DASHBOARD_URL wins (a custom domain in front of the app).
    expect(
      loadConfig({
        ...base,
        ...env,
        WEBSITE_HOSTNAME: 'func-x.azurewebsites.net',
        DASHBOARD_URL: 'https://intake.contoso.com/api/dashboard/',
      }).notify.dashboardUrl,
    ).toBe('https://intake.contoso.com/api/dashboard');
  });

  it('a bad channel is left out and named; the good channels and the rest of the configuration stand', () => {
    const c = loadConfig({ ...base, ...channelEnv({ NOTIFY_CHANNEL_CONTOSO_SECRET: 'short-secret', IMPORT_CHUNK_SIZE: '250' }) });
    expect(c.notify.channels.map((ch) => ch.name)).toEqual(['ops']);
    expect(c.notifyProblems).toEqual(['NOTIFY_CHANNEL_CONTOSO_SECRET: must be at least 32 characters']);
    expect(c.settings.chunkSize).toBe(250);
    // Runs still carry the retry pace: the good channel is notified.
    expect(c.settings.notify).toEqual({ attempts: 4, retrySeconds: 15, backoff: 3 });
  });

  it('a refused DASHBOARD_URL is not put in any link', () => {
    const c = loadConfig({ ...base, ...channelEnv({ DASHBOARD_URL: 'http://func-x.azurewebsites.net/api/dashboard' }) });
    expect(c.notifyProblems.join()).toMatch(/DASHBOARD_URL: must be an https URL/);
    expect(c.notify.dashboardUrl).toBeUndefined();
  });
});
