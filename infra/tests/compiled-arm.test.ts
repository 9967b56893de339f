// The policies, read off the ARM JSON the Bicep compiler produced (npm run infra:build) and
// evaluated for concrete parameters: shared keys off, TLS, identity-only storage and settings, who
// gets which role on what, the review's fixes (instance floor, always-ready, IP rules, inbound
// restrictions, lost-event alerts) and what azd will send. Each policy also runs on a broken copy.
// Without the compiled JSON these are skipped under a NOT RUN title locally, and fail in CI.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { ArmFail, type ArmValue, evaluate } from '../lib/arm-expression';
import { type ArmTemplate, instances, loadCompiled, resourcesOfType, scopeFor } from '../lib/arm-template';
import { INFRA_DIR } from '../lib/bicep-ast';
import { describeCompiled } from './compiled-gate';
import { MALLOC_SETTINGS } from '../../local/host-child';
import {
  broadRoleGuids,
  compiledAppSettings,
  compiledAppSettingsPolicy,
  compiledGrants,
  compiledListCallsPolicy,
  compiledOutputsPolicy,
  compiledSitePolicy,
  compiledStoragePolicy,
} from './compiled-policies';

const SOURCES = [
  'main',
  'eventgrid/blob-subscription',
  ...[
    'event-grid-topic',
    'function-app',
    'graph-permissions',
    'identity',
    'key-vault',
    'monitoring',
    'network',
    'role-assignments',
    'storage-private-endpoints',
    'storage',
  ].map((m) => `modules/${m}`),
];
const clone = (t: ArmTemplate): ArmTemplate => JSON.parse(JSON.stringify(t)) as ArmTemplate;
const ROLE = {
  blobOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
  blobContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe',
  queueContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88',
  tableContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
  metricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb',
};

describeCompiled('compiled ARM JSON (Bicep compiler output)', () => {
  const templates = Object.fromEntries(SOURCES.map((s) => [`infra/${s}.bicep`, loadCompiled(`infra/${s}.bicep`)]));
  const t = (s: string): ArmTemplate => templates[`infra/${s}.bicep`] as ArmTemplate;

  const storageParams = {
    name: 'stx',
    location: 'westeurope',
    deploymentContainerName: 'app-package',
    appContainerNames: ['autopilot-intake'],
    archiveContainerName: 'a',
    archiveRetentionDays: 365,
  };
  const siteParams: Record<string, ArmValue> = {
    name: 'func-x',
    planName: 'plan-x',
    location: 'westeurope',
    identityResourceId: '/id',
    identityClientId: 'client-id',
    storageAccountName: 'stx',
    deploymentContainerName: 'app-package',
    applicationInsightsName: 'appi-x',
    graphEndpoint: 'https://graph.microsoft.com',
    expectedGroupIds: '',
    expectedProfileId: '',
    expectedEspId: '',
    importChunkSize: 100,
    taskHubName: 'hub',
  };

  it('compiled every source file', () => {
    expect(Object.keys(templates)).toHaveLength(SOURCES.length);
  });

  it('storage: shared keys off, no public blobs, HTTPS + TLS 1.2, OAuth by default (public and private networking)', () => {
    expect(compiledStoragePolicy(t('modules/storage'), storageParams)).toEqual([]);
    expect(
      compiledStoragePolicy(t('modules/storage'), { ...storageParams, privateNetworking: true, allowedIpRanges: ['203.0.113.10'] }),
    ).toEqual([]);
    const broken = clone(t('modules/storage'));
    const account = resourcesOfType(broken, 'Microsoft.Storage/storageAccounts')[0];
    (account?.properties as Record<string, unknown>).allowSharedKeyAccess = true;
    (account?.properties as Record<string, unknown>).minimumTlsVersion = 'TLS1_0';
    expect(compiledStoragePolicy(broken, storageParams).join('\n')).toMatch(/allowSharedKeyAccess[\s\S]*minimumTlsVersion/);
  });

  it('storage in VNet mode without allowed ranges (B5): denied by default, yet Event Grid can still dead-letter (not Disabled)', () => {
    const vnetOnly = { ...storageParams, privateNetworking: true, allowedIpRanges: [] };
    expect(compiledStoragePolicy(t('modules/storage'), vnetOnly)).toEqual([]);
    const account = instances(
      resourcesOfType(t('modules/storage'), 'Microsoft.Storage/storageAccounts')[0]!,
      scopeFor(t('modules/storage'), vnetOnly),
    )[0];
    expect((account?.properties as Record<string, Record<string, ArmValue>>).networkAcls?.defaultAction).toBe('Deny');
    // The expression infra had before: public access Disabled when no range is allowed.
    const broken = clone(t('modules/storage'));
    (resourcesOfType(broken, 'Microsoft.Storage/storageAccounts')[0]?.properties as Record<string, unknown>).publicNetworkAccess =
      "[if(and(parameters('privateNetworking'), empty(parameters('allowedIpRanges'))), 'Disabled', 'Enabled')]";
    expect(compiledStoragePolicy(broken, storageParams)).toEqual([]);
    expect(compiledStoragePolicy(broken, vnetOnly)).toEqual(['publicNetworkAccess must be "Enabled", compiles to "Disabled"']);
  });

  it('storage IP rules (A4): /32 becomes the bare address, ranges are normalised, /31 and RFC 1918 fail the deployment', () => {
    const rules = (ips: string[]) => {
      const scope = scopeFor(t('modules/storage'), { ...storageParams, privateNetworking: true, allowedIpRanges: ips });
      const account = instances(resourcesOfType(t('modules/storage'), 'Microsoft.Storage/storageAccounts')[0]!, scope)[0];
      return JSON.stringify((account?.properties as Record<string, Record<string, ArmValue>>).networkAcls?.ipRules);
    };
    expect(rules(['203.0.113.10/32', '198.51.100.7/24', '192.0.2.1'])).toBe(
      JSON.stringify([
        { value: '203.0.113.10', action: 'Allow' },
        { value: '198.51.100.0/24', action: 'Allow' },
        { value: '192.0.2.1', action: 'Allow' },
      ]),
    );
    for (const [ip, why] of [
      ['203.0.113.0/31', '/31'],
      ['10.1.2.3', 'RFC 1918'],
      ['172.20.0.0/16', 'RFC 1918'],
      ['192.168.1.1/32', 'RFC 1918'],
    ] as const) {
      expect(() => rules([ip]), ip).toThrow(ArmFail);
      expect(() => rules([ip]), ip).toThrow(why);
    }
    expect(rules(['172.32.0.1'])).toContain('172.32.0.1');
  });

  it('Function App: Flex, HTTPS only, TLS 1.2, FTP off, user-assigned identity, basic publishing off', () => {
    expect(compiledSitePolicy(t('modules/function-app'), siteParams)).toEqual([]);
    const broken = clone(t('modules/function-app'));
    const site = resourcesOfType(broken, 'Microsoft.Web/sites')[0];
    (site?.properties as Record<string, unknown>).httpsOnly = false;
    expect(compiledSitePolicy(broken, siteParams).join()).toContain('httpsOnly');
  });

  it('app settings: identity-based, no connection string, no key; Durable polls every 10 s (B1); no worker arguments by default (B2)', () => {
    const settings = compiledAppSettings(t('modules/function-app'), siteParams);
    expect(compiledAppSettingsPolicy(settings)).toEqual([]);
    expect(settings.AzureFunctionsJobHost__extensions__durableTask__storageProvider__maxQueuePollingInterval).toBe('00:00:10');
    expect(settings).not.toHaveProperty('languageWorkers__node__arguments');
    expect(settings).not.toHaveProperty('MALLOC_ARENA_MAX');
    // With a heap limit, the allocator settings the local stack runs with (local/host-child.ts).
    expect(compiledAppSettings(t('modules/function-app'), { ...siteParams, nodeMaxOldSpaceMb: 256 })).toMatchObject({
      languageWorkers__node__arguments: '--max-old-space-size=256',
      ...MALLOC_SETTINGS,
    });
    expect(
      compiledAppSettings(t('modules/function-app'), {
        ...siteParams,
        deadlineMinutes: { IMPORT_DEADLINE_MINUTES: 30, ESP_DEADLINE_MINUTES: 0 },
      }),
    ).toMatchObject({ IMPORT_DEADLINE_MINUTES: '30' });
    expect(compiledAppSettingsPolicy({ ...settings, AzureWebJobsStorage: 'DefaultEndpointsProtocol=https;AccountKey=abc' }).join()).toMatch(
      /AzureWebJobsStorage[\s\S]*key/,
    );
  });

  it('notification channels: names, types and filters as settings; URL and signing secret only as Key Vault references', () => {
    const channels: ArmValue = [
      { name: 'ops', type: 'teams', events: 'run.needsAttention,reconcile.drift' },
      { name: 'oem_contoso', type: 'webhook', sources: ['contoso/', 'contoso-2/'] },
    ];
    const settings = compiledAppSettings(t('modules/function-app'), { ...siteParams, notifyChannels: channels, keyVaultName: 'kv-x' });
    const vault = (secret: string) => `@Microsoft.KeyVault(SecretUri=https://kv-x<environment().suffixes.keyvaultDns>/secrets/${secret})`;
    const notify = Object.fromEntries(Object.entries(settings).filter(([k]) => k.startsWith('NOTIFY_') || k === 'DASHBOARD_URL'));
    expect(Object.fromEntries(Object.entries(notify).map(([k, v]) => [k, String(v)]))).toEqual({
      NOTIFY_CHANNELS: 'ops,oem_contoso',
      NOTIFY_CHANNEL_OPS_TYPE: 'teams',
      NOTIFY_CHANNEL_OPS_URL: vault('notify-ops-url'),
      NOTIFY_CHANNEL_OPS_EVENTS: 'run.needsAttention,reconcile.drift',
      NOTIFY_CHANNEL_OEM_CONTOSO_TYPE: 'webhook',
      NOTIFY_CHANNEL_OEM_CONTOSO_URL: vault('notify-oem-contoso-url'),
      NOTIFY_CHANNEL_OEM_CONTOSO_SECRET: vault('notify-oem-contoso-secret'),
      NOTIFY_CHANNEL_OEM_CONTOSO_SOURCES: 'contoso/,contoso-2/',
    });
    // No channels: no notification settings (and no vault); the links default to the app's own host.
    expect(Object.keys(compiledAppSettings(t('modules/function-app'), siteParams)).filter((k) => k.startsWith('NOTIFY_'))).toEqual([]);
    expect(
      compiledAppSettings(t('modules/function-app'), { ...siteParams, dashboardUrl: 'https://intake.contoso.com/api/dashboard' })
        .DASHBOARD_URL,
    ).toBe('https://intake.contoso.com/api/dashboard');
    // The references resolve with the app's one identity.
    const scope = scopeFor(t('modules/function-app'), siteParams);
    const site = instances(resourcesOfType(t('modules/function-app'), 'Microsoft.Web/sites')[0]!, scope)[0];
    expect((site?.properties as Record<string, ArmValue>).keyVaultReferenceIdentity).toBe('/id');
  });

  it('Entra ID in front: with dashboard sign-in the platform lets requests through and the app answers per route; without it, 401 for all', () => {
    const globalValidation = (dashboardSignIn: boolean) => {
      const scope = scopeFor(t('modules/function-app'), { ...siteParams, httpAuthClientId: 'app-id', dashboardSignIn });
      const auth = resourcesOfType(t('modules/function-app'), 'Microsoft.Web/sites/config')
        .flatMap((r) => instances(r, scope))
        .find((r) => String(r.name).endsWith('authsettingsV2'));
      return (auth?.properties as Record<string, Record<string, ArmValue>> | undefined)?.globalValidation;
    };
    // One unauthenticated action per site: a redirect would answer machines and data routes with a login page.
    expect(globalValidation(true)).toMatchObject({ requireAuthentication: false, unauthenticatedClientAction: 'AllowAnonymous' });
    expect(globalValidation(false)).toMatchObject({ requireAuthentication: true, unauthenticatedClientAction: 'Return401' });
    for (const on of [true, false]) expect(globalValidation(on)?.excludedPaths).toEqual(['/runtime/webhooks/eventgrid']);
    // No client id, no authentication settings at all.
    const none = scopeFor(t('modules/function-app'), siteParams);
    expect(
      resourcesOfType(t('modules/function-app'), 'Microsoft.Web/sites/config')
        .flatMap((r) => instances(r, none))
        .filter((r) => String(r.name).endsWith('authsettingsV2')),
    ).toEqual([]);
  });

  it("the channels' vault: one secret per URL and per signing secret; an http URL or a short secret fails the deployment, naming the channel only", () => {
    const channels = [
      { name: 'ops', type: 'teams' },
      { name: 'oem_contoso', type: 'webhook' },
    ];
    const secret = 'a'.repeat(64);
    const deploy = (credentials: Record<string, ArmValue>) => {
      const params = {
        name: 'kv-x',
        location: 'westeurope',
        identityPrincipalId: 'pid',
        channels,
        credentials: JSON.stringify(credentials),
      };
      const scope = scopeFor(t('modules/key-vault'), params);
      return resourcesOfType(t('modules/key-vault'), 'Microsoft.KeyVault/vaults/secrets').flatMap((r) => instances(r, scope));
    };
    const ok = {
      ops: { url: 'https://prod.logic.azure.com/workflows/1?sig=S1' },
      oem_contoso: { url: 'https://hooks.contoso.com/x', secret },
    };
    expect(deploy(ok).map((s) => [s.name, (s.properties as Record<string, ArmValue>).value])).toEqual([
      ['kv-x/notify-ops-url', 'https://prod.logic.azure.com/workflows/1?sig=S1'],
      ['kv-x/notify-oem-contoso-url', 'https://hooks.contoso.com/x'],
      ['kv-x/notify-oem-contoso-secret', secret],
    ]);
    const failure = (credentials: Record<string, ArmValue>) => {
      try {
        deploy(credentials);
        return '';
      } catch (error) {
        if (!(error instanceof ArmFail)) throw error;
        return error.message;
      }
    };
    expect(failure({ ...ok, ops: { url: 'http://prod.logic.azure.com/workflows/1?sig=S1' } })).toMatch(
      /channel ops needs "url", an https URL/,
    );
    expect(failure({ oem_contoso: ok.oem_contoso })).toMatch(/channel ops needs "url"/);
    expect(failure({ ...ok, oem_contoso: { url: 'https://hooks.contoso.com/x', secret: 'short' } })).toMatch(
      /webhook channel oem_contoso needs "secret", at least 32 characters/,
    );
    expect(failure({ ...ok, ops: { url: 'http://127.0.0.1:7073/teams/ops' } })).not.toContain('127.0.0.1');
  });

  it('scale (A1, B1): 40 instances per scale group by default, one always-ready durable instance', () => {
    const scope = scopeFor(t('modules/function-app'), siteParams);
    const site = instances(resourcesOfType(t('modules/function-app'), 'Microsoft.Web/sites')[0]!, scope)[0];
    const scale = (site?.properties as Record<string, Record<string, Record<string, ArmValue>>>).functionAppConfig?.scaleAndConcurrency;
    expect(scale?.maximumInstanceCount).toBe(40);
    expect(scale?.alwaysReady).toEqual([{ name: 'durable', instanceCount: 1 }]);
    const main = t('main');
    expect(main.parameters?.maximumInstanceCount).toMatchObject({ defaultValue: 40, minValue: 40 });
    // What main passes the module: the floor, or the explicit below-40 override.
    const passed = (given: Record<string, ArmValue>) => {
      const scope = scopeFor(main, { environmentName: 'e', location: 'westeurope', ...given });
      const fa = resourcesOfType(main, 'Microsoft.Resources/deployments').find((r) => r.name === 'functionApp');
      return evaluate((fa?.properties?.parameters as Record<string, unknown>).maximumInstanceCount, scope);
    };
    expect(passed({})).toEqual({ value: 40 });
    expect(passed({ maximumInstanceCountBelow40: 20 })).toEqual({ value: 20 });
  });

  it('inbound restrictions (B7): none by default; with caller ranges, deny the rest but keep Event Grid', () => {
    const restrictions = (ranges: string[]) => {
      const scope = scopeFor(t('modules/function-app'), { ...siteParams, httpAllowedIpRanges: ranges });
      const site = instances(resourcesOfType(t('modules/function-app'), 'Microsoft.Web/sites')[0]!, scope)[0];
      return (site?.properties as Record<string, Record<string, ArmValue>>).siteConfig;
    };
    expect(restrictions([])).toMatchObject({ ipSecurityRestrictionsDefaultAction: 'Allow', ipSecurityRestrictions: [] });
    const set = restrictions(['203.0.113.10', '198.51.100.0/24']);
    expect(set?.ipSecurityRestrictionsDefaultAction).toBe('Deny');
    expect(set?.ipSecurityRestrictions).toEqual([
      expect.objectContaining({ tag: 'ServiceTag', ipAddress: 'AzureEventGrid', action: 'Allow' }),
      expect.objectContaining({ ipAddress: '203.0.113.10/32', action: 'Allow' }),
      expect.objectContaining({ ipAddress: '198.51.100.0/24', action: 'Allow' }),
    ]);
    expect(set?.scmIpSecurityRestrictionsUseMain).toBe(false);
  });

  it('roles: the identity gets exactly the data-plane roles; the deployer and the dead-letter writer only on their containers (B4)', () => {
    const roles = compiledGrants(t('modules/role-assignments'), {
      storageAccountName: 'stx',
      applicationInsightsName: 'appi-x',
      identityPrincipalId: 'mi',
      deployerPrincipalId: 'me',
      deployerContainerNames: ['autopilot-intake', 'autopilot-reports'],
    });
    const account = "<resourceId('Microsoft.Storage/storageAccounts', 'stx')>";
    const container = (c: string) => `<resourceId('Microsoft.Storage/storageAccounts/blobServices/containers', 'stx', 'default', '${c}')>`;
    expect(
      roles
        .filter((g) => g.principal === 'mi')
        .map((g) => `${g.role} ${g.scope}`)
        .sort(),
    ).toEqual(
      [
        `${ROLE.blobOwner} ${account}`,
        `${ROLE.queueContributor} ${account}`,
        `${ROLE.tableContributor} ${account}`,
        `${ROLE.metricsPublisher} <resourceId('Microsoft.Insights/components', 'appi-x')>`,
      ].sort(),
    );
    expect(roles.filter((g) => g.principal === 'me')).toEqual([
      { principal: 'me', role: ROLE.blobContributor, scope: container('autopilot-intake') },
      { principal: 'me', role: ROLE.blobContributor, scope: container('autopilot-reports') },
    ]);
    expect(
      compiledGrants(t('modules/role-assignments'), {
        storageAccountName: 'stx',
        applicationInsightsName: 'appi-x',
        identityPrincipalId: 'mi',
        deployerPrincipalId: '',
      }).filter((g) => g.principal !== 'mi'),
    ).toEqual([]);
    const topic = compiledGrants(t('modules/event-grid-topic'), {
      name: 'evgt',
      location: 'westeurope',
      storageAccountName: 'stx',
      deadLetterContainerName: 'autopilot-eventgrid-deadletter',
    });
    expect(topic).toEqual([expect.objectContaining({ role: ROLE.blobContributor, scope: container('autopilot-eventgrid-deadletter') })]);
    expect(broadRoleGuids(templates)).toEqual([]);
    const widened = clone(t('modules/role-assignments'));
    (widened.variables?.roleIds as Record<string, string>).storageQueueDataContributor = 'b24988ac-6180-42a0-ab88-20f7382dd24c';
    expect(broadRoleGuids({ widened })).toEqual(['widened: assigns Contributor (b24988ac-6180-42a0-ab88-20f7382dd24c)']);
  });

  it('keys: the only list*() anywhere is listKeys of the Functions host for eventgrid_extension; no output is secret', () => {
    expect(compiledListCallsPolicy(templates)).toEqual([]);
    expect(compiledOutputsPolicy(templates)).toEqual([]);
    const leaky = clone(t('modules/storage'));
    leaky.outputs = {
      ...leaky.outputs,
      key: {
        type: 'string',
        value: "[listKeys(resourceId('Microsoft.Storage/storageAccounts', parameters('name')), '2023-05-01').keys[0].value]",
      },
    };
    expect(compiledListCallsPolicy({ leaky })).toHaveLength(1);
    expect(compiledOutputsPolicy({ leaky })).toHaveLength(1);
  });

  it('lost blob events (B8): alerts on dead-lettered and dropped events of the system topic, emailed when asked', () => {
    const alerts = (email: string) => {
      const scope = scopeFor(t('modules/event-grid-topic'), {
        name: 'evgt',
        location: 'westeurope',
        storageAccountName: 'stx',
        deadLetterContainerName: 'dl',
        alertEmail: email,
      });
      return {
        rules: resourcesOfType(t('modules/event-grid-topic'), 'Microsoft.Insights/metricAlerts').flatMap((r) => instances(r, scope)),
        groups: resourcesOfType(t('modules/event-grid-topic'), 'Microsoft.Insights/actionGroups').flatMap((r) => instances(r, scope)),
      };
    };
    const quiet = alerts('');
    expect(quiet.rules.map((r) => JSON.stringify(r)).map((s) => /"metricName":"(\w+)"/.exec(s)?.[1])).toEqual([
      'DeadLetteredCount',
      'DroppedEventCount',
    ]);
    for (const r of quiet.rules)
      expect(JSON.stringify(r)).toContain('"scopes":["<resourceId(\'Microsoft.EventGrid/systemTopics\', \'evgt\')>"]');
    expect(quiet.groups).toEqual([]);
    const told = alerts('ops@example.com');
    expect(told.groups).toHaveLength(1);
    for (const r of told.rules) expect(JSON.stringify(r)).toContain('actionGroupId');
  });

  it('azd provision: main.parameters.json, with its defaults, fits the compiled parameters (types, ranges, allowed values)', () => {
    const main = t('main');
    const file = JSON.parse(readFileSync(join(INFRA_DIR, 'main.parameters.json'), 'utf8')) as {
      parameters: Record<string, { value: string }>;
    };
    const problems: string[] = [];
    for (const [name, { value }] of Object.entries(file.parameters)) {
      const p = main.parameters?.[name];
      if (!p) {
        problems.push(`${name}: not a parameter of the compiled main.json`);
        continue;
      }
      // azd substitutes ${VAR=default} (unset variables use the default, or become empty) and converts to the parameter's type.
      const text = value.replace(/^\$\{[A-Z0-9_]+(?:=([^}]*))?\}$/, (_m, d: string | undefined) => d ?? '');
      if (text === '' && p.type !== 'string' && p.type !== 'securestring') {
        problems.push(`${name}: an unset variable would send '' to a ${p.type} parameter`);
        continue;
      }
      const v = p.type === 'int' ? Number(text) : p.type === 'bool' ? text : text;
      if (p.type === 'int' && !Number.isInteger(v)) problems.push(`${name}: '${text}' is not an int`);
      if (p.type === 'bool' && !['true', 'false'].includes(text)) problems.push(`${name}: '${text}' is not a bool`);
      if (typeof v === 'number' && p.minValue !== undefined && v < p.minValue)
        problems.push(`${name}: default ${v} < minValue ${p.minValue}`);
      if (typeof v === 'number' && p.maxValue !== undefined && v > p.maxValue)
        problems.push(`${name}: default ${v} > maxValue ${p.maxValue}`);
      if (p.allowedValues && !p.allowedValues.map(String).includes(String(v))) problems.push(`${name}: '${text}' is not an allowed value`);
    }
    const required = Object.entries(main.parameters ?? {})
      .filter(([, p]) => p.defaultValue === undefined)
      .map(([n]) => n);
    problems.push(
      ...required.filter((n) => !(n in file.parameters)).map((n) => `${n}: required by main.json, not in main.parameters.json`),
    );
    expect(problems).toEqual([]);
  });
});
