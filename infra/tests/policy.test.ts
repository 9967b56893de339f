// Security and least-privilege policies over the Bicep syntax trees. Every policy is also run on a
// deliberately broken copy of the real template, so a test that silently stopped checking (e.g. a
// property renamed out from under it) fails here instead of passing vacuously.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONTAINERS } from '../../shared/storage/object-store';
import {
  type BicepFile,
  getPath,
  INFRA_DIR,
  listBicepFiles,
  literalValue,
  modules,
  objectProperties,
  parseBicepFile,
  parseBicepSource,
  parameters,
  REPO_ROOT,
  resourcesOfType,
  stringLiteral,
  variables,
} from '../lib/bicep-ast';
import {
  appSettings,
  appSettingsPolicy,
  broadRolesPolicy,
  functionAppPolicy,
  listKeysPolicy,
  monitoringPolicy,
  outputsPolicy,
  PLATFORM_SETTING,
  roleIdsAssignedTo,
  storagePolicy,
} from './policies';

const load = (rel: string): BicepFile => parseBicepFile(join(INFRA_DIR, rel));
const all = listBicepFiles().map(parseBicepFile);
const main = load('main.bicep');
const storage = load('modules/storage.bicep');
const functionApp = load('modules/function-app.bicep');
const monitoring = load('modules/monitoring.bicep');
const roles = load('modules/role-assignments.bicep');
const subscription = load('eventgrid/blob-subscription.bicep');
const keyVault = load('modules/key-vault.bicep');

/** The same file with one exact edit; fails if the text to change is not there (so mutations stay real). */
function mutate(file: BicepFile, from: string, to: string): BicepFile {
  expect(file.source, `mutation target not found in ${file.path}: ${from}`).toContain(from);
  return parseBicepSource(file.source.replace(from, to), file.path);
}

const ROLE = {
  blobOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
  queueContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88',
  tableContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
  metricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb',
  blobContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe',
};

/** main.bicep's `containers` variable and the storage module's appContainerNames, resolved to names. */
function provisionedContainers(): { byKey: Map<string, string>; provisioned: string[] } {
  const vars = variables(main);
  const containersVar = vars.get('containers');
  if (containersVar?.type !== 'object') throw new Error('main.bicep: var containers must be an object literal');
  const byKey = new Map([...objectProperties(containersVar)].map(([k, v]) => [k, stringLiteral(v) ?? '']));
  const storageModule = modules(main).find((m) => m.path === 'modules/storage.bicep');
  const list = getPath(storageModule?.body, 'params.appContainerNames');
  const provisioned = (list?.namedChildren ?? []).map((item) => {
    const lit = stringLiteral(item);
    if (lit !== undefined) return lit;
    if (item.type === 'member_expression' && item.childForFieldName('object')?.text === 'containers') {
      return byKey.get(item.childForFieldName('property')?.text ?? '') ?? '';
    }
    if (item.type === 'identifier') return stringLiteral(vars.get(item.text)) ?? '';
    return '';
  });
  return { byKey, provisioned };
}

function sourceFiles(dir: string): string[] {
  let out: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const e of entries) {
    const full = join(dir, e);
    if (statSync(full).isDirectory()) out = out.concat(sourceFiles(full));
    else if (e.endsWith('.ts') && !e.endsWith('.test.ts')) out.push(full);
  }
  return out;
}

describe('storage account', () => {
  it('exists and complies: shared keys off, no public blobs, HTTPS only, TLS 1.2', () => {
    expect(resourcesOfType(storage, 'Microsoft.Storage/storageAccounts')).toHaveLength(1);
    expect(all.flatMap(storagePolicy)).toEqual([]);
  });

  it.each([
    ['allowSharedKeyAccess: false', 'allowSharedKeyAccess: true', 'allowSharedKeyAccess'],
    ['allowBlobPublicAccess: false', 'allowBlobPublicAccess: true', 'allowBlobPublicAccess'],
    ['supportsHttpsTrafficOnly: true', 'supportsHttpsTrafficOnly: false', 'supportsHttpsTrafficOnly'],
    ["minimumTlsVersion: 'TLS1_2'", "minimumTlsVersion: 'TLS1_0'", 'minimumTlsVersion'],
    ['allowSharedKeyAccess: false\n', '\n', 'allowSharedKeyAccess'],
    ["properties: { publicAccess: 'None' }\n}]", "properties: { publicAccess: 'Blob' }\n}]", 'publicAccess'],
  ])('catches %j changed to %j', (from, to, property) => {
    const violations = storagePolicy(mutate(storage, from, to));
    expect(violations.join('\n')).toContain(property);
  });

  it('provisions every container the app uses (CONTAINERS in shared/storage/object-store.ts)', () => {
    const { provisioned } = provisionedContainers();
    for (const name of Object.values(CONTAINERS)) expect(provisioned).toContain(name);
    // The storage module creates one container per name it is given.
    const loop = resourcesOfType(storage, 'Microsoft.Storage/storageAccounts/blobServices/containers').find((r) => r.loop);
    expect(loop?.node.text).toMatch(/\[for \w+ in appContainerNames:/);
    expect(getPath(loop?.body, 'name')?.text).toBe(loop?.node.text.match(/\[for (\w+) in/)?.[1]);
  });

  it('keeps the names main.bicep hands to the app, the hook and Event Grid in step', () => {
    const { byKey, provisioned } = provisionedContainers();
    expect(byKey.get('intake')).toBe(CONTAINERS.intake);
    expect(byKey.get('archive')).toBe(CONTAINERS.archive);
    const subParams = parameters(subscription);
    expect(literalValue(subParams.get('containerName')?.defaultValue)).toBe(CONTAINERS.intake);
    const deadLetter = literalValue(subParams.get('deadLetterContainerName')?.defaultValue);
    expect(provisioned).toContain(deadLetter);
    expect(stringLiteral(variables(main).get('deadLetterContainerName'))).toBe(deadLetter);
  });

  it('applies a lifecycle rule to the archive container only', () => {
    const policy = resourcesOfType(storage, 'Microsoft.Storage/storageAccounts/managementPolicies')[0];
    const rule = getPath(policy?.body, 'properties.policy.rules')?.namedChildren[0];
    expect(getPath(rule, 'definition.filters.prefixMatch')?.text).toBe("['${archiveContainerName}/']");
    expect(getPath(rule, 'definition.actions.baseBlob.delete.daysAfterModificationGreaterThan')?.text).toBe('archiveRetentionDays');
    const storageModule = modules(main).find((m) => m.path === 'modules/storage.bicep');
    expect(getPath(storageModule?.body, 'params.archiveContainerName')?.text).toBe('containers.archive');
  });
});

describe('Function App', () => {
  it('is Flex Consumption on Node 22 with the user-assigned identity, HTTPS only, no basic auth', () => {
    expect(all.flatMap((f) => resourcesOfType(f, 'Microsoft.Web/sites').map(() => f.path))).toEqual(['infra/modules/function-app.bicep']);
    expect(all.flatMap(functionAppPolicy)).toEqual([]);
  });

  it('gets its identity from the identity module, the same one the Graph roles go to', () => {
    const fa = modules(main).find((m) => m.path === 'modules/function-app.bicep');
    expect(getPath(fa?.body, 'params.identityResourceId')?.text).toBe('identity.outputs.resourceId');
    expect(getPath(fa?.body, 'params.identityClientId')?.text).toBe('identity.outputs.clientId');
    const rbac = modules(main).find((m) => m.path === 'modules/role-assignments.bicep');
    expect(getPath(rbac?.body, 'params.identityPrincipalId')?.text).toBe('identity.outputs.principalId');
  });

  it.each([
    ["version: '22'", "version: '20'", 'runtime.version'],
    ["name: 'FC1'", "name: 'Y1'", 'sku.name'],
    ["tier: 'FlexConsumption'", "tier: 'Dynamic'", 'sku.tier'],
    ["type: 'UserAssigned'\n", "type: 'SystemAssigned'\n", 'identity.type'],
    ["type: 'UserAssignedIdentity'", "type: 'StorageAccountConnectionString'", 'authentication.type'],
    ['httpsOnly: true', 'httpsOnly: false', 'httpsOnly'],
    ["name: 'scm'\n  properties: { allow: false }", "name: 'scm'\n  properties: { allow: true }", 'allow'],
    ["minTlsVersion: '1.2'", "minTlsVersion: '1.0'", 'minTlsVersion'],
  ])('catches %j changed to %j', (from, to, property) => {
    expect(functionAppPolicy(mutate(functionApp, from, to)).join('\n')).toContain(property);
  });
});

describe('Entra ID authentication for the HTTP endpoints (optional)', () => {
  const auth = resourcesOfType(functionApp, 'Microsoft.Web/sites/config').find(
    (r) => literalValue(getPath(r.body, 'name')) === 'authsettingsV2',
  );

  it('is configured only when a client id is given, sends browsers to sign in (dashboard) or answers 401, and lets Event Grid through', () => {
    expect(auth?.condition).toBe(true);
    expect(auth?.node.text).toMatch(/= if \(!empty\(httpAuthClientId\)\) \{/);
    // With dashboard sign-in the app decides per route (pages redirect, data and machine calls 401): the compiled test below.
    expect(getPath(auth?.body, 'properties.globalValidation.requireAuthentication')?.text).toBe('!dashboardSignIn');
    expect(getPath(auth?.body, 'properties.globalValidation.unauthenticatedClientAction')?.text).toBe(
      "dashboardSignIn ? 'AllowAnonymous' : 'Return401'",
    );
    expect(literalValue(getPath(auth?.body, 'properties.globalValidation.redirectToProvider'))).toBe('azureactivedirectory');
    expect(getPath(auth?.body, 'properties.globalValidation.excludedPaths')?.text).toBe("['/runtime/webhooks/eventgrid']");
    expect(literalValue(getPath(auth?.body, 'properties.identityProviders.azureActiveDirectory.enabled'))).toBe(true);
    expect(getPath(auth?.body, 'properties.identityProviders.azureActiveDirectory.registration.clientId')?.text).toBe('httpAuthClientId');
    // No client secret setting is referenced (the sign-in takes the ID token by the implicit flow).
    expect(getPath(auth?.body, 'properties.identityProviders.azureActiveDirectory.registration.clientSecretSettingName')).toBeUndefined();
  });

  it('leaves the machine HTTP functions on function keys', () => {
    // The v4 model defaults to anonymous, so a registration without authLevel counts as anonymous.
    // The dashboard's functions are for people (Easy Auth and app roles): the next test.
    const machineFiles = sourceFiles(join(REPO_ROOT, 'functions')).filter((f) => !f.endsWith('dashboard-routes.ts'));
    const http = machineFiles.flatMap((f) =>
      [...readFileSync(f, 'utf8').matchAll(/(app\.http|machineHttp)\(\s*'([^']+)'\s*,\s*\{([\s\S]*?)\}\s*\);/g)].map(
        (m) => `${m[2]}:${/authLevel: '(\w+)'/.exec(m[3] ?? '')?.[1] ?? 'anonymous'}:${m[1]}`,
      ),
    );
    expect(http.length).toBeGreaterThanOrEqual(3);
    // Each on a function key, and registered through machineHttp: behind App Service authentication
    // with dashboard sign-in (AllowAnonymous at the platform), the app itself refuses a caller without a token.
    for (const h of http) expect(h).toMatch(/:(function|admin):machineHttp$/);
    const index = readFileSync(join(REPO_ROOT, 'functions', 'index.ts'), 'utf8');
    expect(index).toMatch(/const machineHttp = [^;]*handler: signedIn\(/s);
  });

  it("puts the dashboard's functions (for people, anonymous at the function level) behind the app-role check", () => {
    const routes = readFileSync(join(REPO_ROOT, 'functions', 'dashboard-routes.ts'), 'utf8');
    const calls = [...routes.matchAll(/app\.http\(([^;]*?)\);/gs)].map((m) => m[1] ?? '');
    expect(calls.length).toBeGreaterThanOrEqual(3);
    for (const call of calls) {
      expect(call).toContain("authLevel: 'anonymous'");
      expect(call).toMatch(/handler: (guarded\(mode, '(Reader|Operator)', |operatorAction\(\s*mode,)/);
    }
  });

  it('the app roles the functions check are the ones the app registration declares (infra/dashboard-app-roles.json)', () => {
    const roles = JSON.parse(readFileSync(join(REPO_ROOT, 'infra', 'dashboard-app-roles.json'), 'utf8')) as {
      value: string;
      id: string;
      allowedMemberTypes: string[];
      isEnabled: boolean;
    }[];
    expect(roles.map((r) => r.value).sort()).toEqual(['Operator', 'Reader']);
    expect(new Set(roles.map((r) => r.id)).size).toBe(roles.length);
    for (const r of roles) {
      expect(r.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(r.allowedMemberTypes).toEqual(['User']);
      expect(r.isEnabled).toBe(true);
    }
    const auth = readFileSync(join(REPO_ROOT, 'functions', 'dashboard-auth.ts'), 'utf8');
    expect(/export type DashboardRole = ([^;]+);/.exec(auth)?.[1]).toBe("'Reader' | 'Operator'");
  });
});

describe('app settings', () => {
  it('are identity-based with no secrets, and pin Graph to the managed identity', () => {
    expect(appSettingsPolicy(functionApp)).toEqual([]);
  });

  it.each([
    [
      'a key-bearing AzureWebJobsStorage connection string',
      'TASKHUB_NAME: taskHubName',
      "TASKHUB_NAME: taskHubName\n  AzureWebJobsStorage: 'DefaultEndpointsProtocol=https;AccountName=${account.name};AccountKey=${account.listKeys().keys[0].value}'",
      'AzureWebJobsStorage must not be set',
    ],
    ['listKeys hidden behind a variable', 'STORAGE_ACCOUNT_NAME: account.name', 'STORAGE_ACCOUNT_NAME: sneaky', ''],
    [
      'the local-only static Graph token',
      "GRAPH_AUTH: 'managed-identity'",
      "GRAPH_AUTH: 'static-token'\n  GRAPH_STATIC_TOKEN: 'x'",
      'GRAPH_STATIC_TOKEN must not be set',
    ],
    [
      'a missing identity credential',
      "AzureWebJobsStorage__credential: 'managedidentity'\n",
      '',
      'AzureWebJobsStorage__credential is missing',
    ],
    [
      'a second identity for storage',
      'AzureWebJobsStorage__clientId: identityClientId',
      "AzureWebJobsStorage__clientId: 'other'",
      'same identity',
    ],
    [
      'App Insights without Entra auth',
      "APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'",
      "APPLICATIONINSIGHTS_AUTHENTICATION_STRING: ''",
      'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
    ],
    [
      'FUNCTIONS_WORKER_RUNTIME on Flex',
      'TASKHUB_NAME: taskHubName',
      "TASKHUB_NAME: taskHubName\n  FUNCTIONS_WORKER_RUNTIME: 'node'",
      'FUNCTIONS_WORKER_RUNTIME must not be set',
    ],
    [
      'a secret-named setting',
      'TASKHUB_NAME: taskHubName',
      'TASKHUB_NAME: taskHubName\n  CLIENT_SECRET: clientSecret',
      'looks like a secret',
    ],
    [
      "a channel's URL as a value instead of a Key Vault reference",
      "p => '${p.key}_URL', p => '@Microsoft.KeyVault(SecretUri=${vaultSecretsUri}/${p.slug}-url)'",
      "p => '${p.key}_URL', p => p.c.url",
      "a channel's _URL must be a Key Vault reference",
    ],
    [
      "a webhook's signing secret as a value",
      "p => '${p.key}_SECRET', p => '@Microsoft.KeyVault(SecretUri=${vaultSecretsUri}/${p.slug}-secret)'",
      "p => '${p.key}_SECRET', p => p.c.secret",
      "a channel's _SECRET must be a Key Vault reference",
    ],
    [
      'loopback notification targets (the local stack only)',
      'TASKHUB_NAME: taskHubName',
      "TASKHUB_NAME: taskHubName\n  NOTIFY_ALLOW_LOOPBACK: 'true'",
      'NOTIFY_ALLOW_LOOPBACK must not be set',
    ],
  ])('catches %s', (_what, from, to, message) => {
    let file = mutate(functionApp, from, to);
    if (to.includes('sneaky')) file = parseBicepSource(`${file.source}\nvar sneaky = account.listKeys().keys[0].value\n`, file.path);
    const violations = appSettingsPolicy(file).join('\n');
    expect(violations).not.toBe('');
    expect(violations).toContain(message || 'listKeys');
  });

  it('only sets app settings that the app (or the Functions platform) reads', () => {
    // host.json counts: it reads TASKHUB_NAME as %TASKHUB_NAME%.
    const code = [...sourceFiles(join(REPO_ROOT, 'shared')), ...sourceFiles(join(REPO_ROOT, 'functions')), join(REPO_ROOT, 'host.json')]
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    const found = appSettings(functionApp);
    const names = (found?.settings ?? []).map((s) => s.name).filter((n) => !PLATFORM_SETTING.test(n));
    // STORAGE_ACCOUNT_NAME is set for the app's own storage client by request of the app's owners;
    // shared/config.ts currently derives the account from AzureWebJobsStorage__* instead.
    const unread = names.filter((n) => n !== 'STORAGE_ACCOUNT_NAME' && !code.includes(n));
    expect(unread).toEqual([]);
    // The deadline knobs main.bicep passes through deadlineMinutes are read by the app too.
    const fa = modules(main).find((m) => m.path === 'modules/function-app.bicep');
    const deadlines = getPath(fa?.body, 'params.deadlineMinutes');
    const keys = [...objectProperties(deadlines!).keys()];
    expect(keys.length).toBeGreaterThan(0);
    for (const k of keys) {
      expect(k).toMatch(/^[A-Z_]+_DEADLINE_MINUTES$/);
      expect(code).toContain(k);
    }
  });
});

describe('monitoring', () => {
  it('App Insights and Log Analytics accept Entra-authenticated data only', () => {
    expect(resourcesOfType(monitoring, 'Microsoft.Insights/components')).toHaveLength(1);
    expect(all.flatMap(monitoringPolicy)).toEqual([]);
  });

  it('catches local auth turned back on', () => {
    expect(monitoringPolicy(mutate(monitoring, 'DisableLocalAuth: true', 'DisableLocalAuth: false')).join()).toContain('DisableLocalAuth');
  });
});

describe('Azure RBAC', () => {
  it('gives the identity exactly the data-plane roles the host, Durable and telemetry need', () => {
    expect(roleIdsAssignedTo(roles, 'identityPrincipalId')).toEqual(
      [ROLE.blobOwner, ROLE.queueContributor, ROLE.tableContributor, ROLE.metricsPublisher].sort(),
    );
    expect(roleIdsAssignedTo(roles, 'deployerPrincipalId')).toEqual([ROLE.blobContributor]);
  });

  it("the notification channels' vault: Azure RBAC (no access policies), and the identity reads its secrets, nothing more", () => {
    const vaults = resourcesOfType(keyVault, 'Microsoft.KeyVault/vaults');
    expect(vaults).toHaveLength(1);
    expect(literalValue(getPath(vaults[0]!.body, 'properties.enableRbacAuthorization'))).toBe(true);
    expect(getPath(vaults[0]!.body, 'properties.accessPolicies')).toBeUndefined();
    // Key Vault Secrets User: read secret contents (what App Service's reference resolver needs).
    expect(roleIdsAssignedTo(keyVault, 'identityPrincipalId')).toEqual(['4633458b-17de-408a-b874-0445c86b69e6']);
    const widened = mutate(
      keyVault,
      "keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'",
      "keyVaultSecretsUser: '00482a5a-887f-4fb3-b363-3b7fe8e74483'",
    );
    expect(roleIdsAssignedTo(widened, 'identityPrincipalId')).toEqual(['00482a5a-887f-4fb3-b363-3b7fe8e74483']);
  });

  it('hands out no Owner, Contributor, User Access Administrator or Storage Account Contributor', () => {
    expect(all.flatMap(broadRolesPolicy)).toEqual([]);
    const widened = mutate(
      roles,
      '  roleIds.storageTableDataContributor\n]',
      "  roleIds.storageTableDataContributor\n  'b24988ac-6180-42a0-ab88-20f7382dd24c'\n]",
    );
    expect(broadRolesPolicy(widened).join()).toContain('Contributor');
    expect(roleIdsAssignedTo(widened, 'identityPrincipalId')).toContain('b24988ac-6180-42a0-ab88-20f7382dd24c');
  });
});

describe('keys and secrets', () => {
  it('reads no key except the Functions host eventgrid_extension key for the Event Grid webhook', () => {
    expect(all.flatMap(listKeysPolicy)).toEqual([]);
    expect(subscription.source).toContain('listKeys(');
  });

  it.each([
    [
      'a storage listKeys() method',
      'output name string = account.name',
      'output name string = account.name\nvar k = account.listKeys().keys[0].value',
    ],
    [
      'a storage listKeys function',
      'output name string = account.name',
      "output name string = account.name\nvar k = listKeys(account.id, '2023-05-01').keys[0].value",
    ],
    [
      'an account SAS',
      'output name string = account.name',
      "output name string = account.name\nvar k = account.listAccountSas('2023-05-01', {}).accountSasToken",
    ],
  ])('catches %s', (_what, from, to) => {
    expect(listKeysPolicy(mutate(storage, from, to))).toHaveLength(1);
  });

  it('catches the host key being used for anything but eventgrid_extension', () => {
    const misuse = mutate(subscription, '.systemKeys.eventgrid_extension', '.masterKey');
    expect(listKeysPolicy(misuse)).toHaveLength(1);
  });

  it('outputs nothing secret', () => {
    expect(all.flatMap(outputsPolicy)).toEqual([]);
    expect(
      outputsPolicy(
        mutate(
          storage,
          'output name string = account.name',
          'output name string = account.name\noutput key string = account.listKeys().keys[0].value',
        ),
      ),
    ).toHaveLength(2);
  });
});

describe('Event Grid blob source', () => {
  const sub = resourcesOfType(subscription, 'Microsoft.EventGrid/systemTopics/eventSubscriptions')[0];

  it('delivers BlobCreated of the intake container to the Event Grid trigger webhook', () => {
    expect(getPath(sub?.body, 'properties.filter.includedEventTypes')?.text).toBe("['Microsoft.Storage.BlobCreated']");
    expect(getPath(sub?.body, 'properties.filter.subjectBeginsWith')?.text).toBe("'/blobServices/default/containers/${containerName}/'");
    expect(getPath(sub?.body, 'properties.destination.endpointType')?.text).toBe("'WebHook'");
    expect(getPath(sub?.body, 'properties.destination.properties.endpointUrl')?.text).toMatch(
      /^'https:\/\/\$\{site\.properties\.defaultHostName\}\/runtime\/webhooks\/eventgrid\?functionName=\$\{functionName\}&code=\$\{eventGridExtensionKey\}'$/,
    );
    expect(literalValue(parameters(subscription).get('functionName')?.defaultValue)).toBe(
      stringLiteral(variables(main).get('intakeFunctionName')),
    );
  });

  it('dead-letters undeliverable events with the topic identity, not a key', () => {
    expect(getPath(sub?.body, 'properties.deadLetterWithResourceIdentity.identity.type')?.text).toBe("'SystemAssigned'");
    const topicFile = load('modules/event-grid-topic.bicep');
    const topic = resourcesOfType(topicFile, 'Microsoft.EventGrid/systemTopics')[0];
    expect(getPath(topic?.body, 'properties.topicType')?.text).toBe("'Microsoft.Storage.StorageAccounts'");
    expect(getPath(topic?.body, 'identity.type')?.text).toBe("'SystemAssigned'");
    expect(topicFile.source).toContain(ROLE.blobContributor);
  });

  it('targets the Event Grid trigger the app registers (same name), and the app has no blob trigger (no content binding)', () => {
    const registrations = (kind: string) =>
      sourceFiles(join(REPO_ROOT, 'functions')).flatMap((f) => {
        const text = readFileSync(f, 'utf8');
        return [...text.matchAll(new RegExp(`app\\.${kind}\\(\\s*['"]([^'"]+)['"]`, 'g'))].map((m) => m[1]);
      });
    expect(registrations('eventGrid')).toEqual([stringLiteral(variables(main).get('intakeFunctionName'))]);
    // A blob trigger hands the function the whole file; the run streams it from storage instead.
    expect(registrations('storageBlob')).toEqual([]);
  });
});

describe('Durable Functions task hub', () => {
  it('uses the Azure Storage backend on the identity-based host connection, hub name from TASKHUB_NAME', () => {
    const host = JSON.parse(readFileSync(join(REPO_ROOT, 'host.json'), 'utf8')) as {
      extensions?: { durableTask?: { hubName?: string; storageProvider?: Record<string, string> } };
    };
    const durable = host.extensions?.durableTask;
    expect(durable?.hubName).toBe('%TASKHUB_NAME%');
    expect(durable?.storageProvider?.type).toBe('AzureStorage');
    // No other connection: the default (AzureWebJobsStorage) is the identity-based one.
    expect(durable?.storageProvider?.connectionName ?? 'AzureWebJobsStorage').toBe('AzureWebJobsStorage');
    expect(durable?.storageProvider?.connectionStringName).toBeUndefined();
  });

  it('defaults to a valid Azure Storage task hub name', () => {
    const hub = literalValue(parameters(main).get('taskHubName')?.defaultValue);
    expect(hub).toMatch(/^[A-Za-z][A-Za-z0-9]{2,44}$/);
  });
});

describe('private networking (vnetEnabled)', () => {
  it('adds the VNet and blob/queue/table private endpoints only when enabled', () => {
    for (const path of ['modules/network.bicep', 'modules/storage-private-endpoints.bicep']) {
      const mod = main.root.namedChildren.find((n) => n.type === 'module_declaration' && n.text.includes(`'${path}'`));
      expect(mod?.text).toMatch(/= if \(vnetEnabled\) \{/);
    }
    const pe = load('modules/storage-private-endpoints.bicep');
    expect(variables(pe).get('services')?.text).toBe("['blob', 'queue', 'table']");
    expect(resourcesOfType(pe, 'Microsoft.Network/privateEndpoints')).toHaveLength(1);
    const account = resourcesOfType(storage, 'Microsoft.Storage/storageAccounts')[0];
    expect(getPath(account?.body, 'properties.networkAcls.defaultAction')?.text).toBe("privateNetworking ? 'Deny' : 'Allow'");
    const fa = modules(main).find((m) => m.path === 'modules/function-app.bicep');
    expect(getPath(fa?.body, 'params.virtualNetworkSubnetId')?.text).toBe("vnetEnabled ? network!.outputs.appSubnetId : ''");
  });

  it('delegates the app subnet to Microsoft.App/environments (Flex VNet integration)', () => {
    expect(load('modules/network.bicep').source).toMatch(/serviceName: 'Microsoft\.App\/environments'/);
  });
});
