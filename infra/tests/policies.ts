/**
 * Security and wiring policies over the Bicep syntax trees. Each returns a list of violations
 * (empty = compliant) so the tests can show both that the real templates comply and that a
 * deliberately broken copy is caught.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  type BicepFile,
  type SyntaxNode,
  descendants,
  getPath,
  literalValue,
  objectProperties,
  REPO_ROOT,
  resources,
  resourcesOfType,
  stringLiteral,
  variables,
} from '../lib/bicep-ast';

type Violations = string[];

function expectLiteral(v: Violations, file: BicepFile, where: string, node: SyntaxNode | undefined, expected: unknown): void {
  const actual = literalValue(node);
  if (actual !== expected) {
    v.push(`${file.path}: ${where} must be ${JSON.stringify(expected)}, found ${node ? node.text : 'nothing'}`);
  }
}

/** Storage: Entra ID only, no anonymous blobs, HTTPS with TLS 1.2. */
export function storagePolicy(file: BicepFile): Violations {
  const v: Violations = [];
  for (const r of resourcesOfType(file, 'Microsoft.Storage/storageAccounts')) {
    const props = getPath(r.body, 'properties');
    const at = (p: string) => `${r.symbol}.properties.${p}`;
    expectLiteral(v, file, at('allowSharedKeyAccess'), getPath(props, 'allowSharedKeyAccess'), false);
    expectLiteral(v, file, at('allowBlobPublicAccess'), getPath(props, 'allowBlobPublicAccess'), false);
    expectLiteral(v, file, at('supportsHttpsTrafficOnly'), getPath(props, 'supportsHttpsTrafficOnly'), true);
    expectLiteral(v, file, at('minimumTlsVersion'), getPath(props, 'minimumTlsVersion'), 'TLS1_2');
  }
  for (const r of resourcesOfType(file, 'Microsoft.Storage/storageAccounts/blobServices/containers')) {
    const access = getPath(r.body, 'properties.publicAccess');
    if (access) expectLiteral(v, file, `${r.symbol}.properties.publicAccess`, access, 'None');
  }
  return v;
}

/** Flex Consumption plan, Node 22, user-assigned identity everywhere, HTTPS, no basic auth. */
export function functionAppPolicy(file: BicepFile): Violations {
  const v: Violations = [];
  const sites = resourcesOfType(file, 'Microsoft.Web/sites');
  if (sites.length === 0) return v;
  const plans = resourcesOfType(file, 'Microsoft.Web/serverfarms');
  if (plans.length !== 1) v.push(`${file.path}: expected exactly one App Service plan next to the Function App, found ${plans.length}`);
  for (const plan of plans) {
    expectLiteral(v, file, `${plan.symbol}.sku.name`, getPath(plan.body, 'sku.name'), 'FC1');
    expectLiteral(v, file, `${plan.symbol}.sku.tier`, getPath(plan.body, 'sku.tier'), 'FlexConsumption');
    expectLiteral(v, file, `${plan.symbol}.properties.reserved`, getPath(plan.body, 'properties.reserved'), true);
  }
  for (const site of sites) {
    const s = site.symbol;
    expectLiteral(v, file, `${s}.kind`, getPath(site.body, 'kind'), 'functionapp,linux');
    expectLiteral(v, file, `${s}.identity.type`, getPath(site.body, 'identity.type'), 'UserAssigned');
    const serverFarm = getPath(site.body, 'properties.serverFarmId')?.text;
    if (!plans.some((p) => serverFarm === `${p.symbol}.id`))
      v.push(`${file.path}: ${s}.properties.serverFarmId must be the Flex plan's id, found ${serverFarm}`);
    expectLiteral(v, file, `${s}.properties.httpsOnly`, getPath(site.body, 'properties.httpsOnly'), true);
    expectLiteral(v, file, `${s}.properties.siteConfig.minTlsVersion`, getPath(site.body, 'properties.siteConfig.minTlsVersion'), '1.2');
    expectLiteral(v, file, `${s}.properties.siteConfig.ftpsState`, getPath(site.body, 'properties.siteConfig.ftpsState'), 'Disabled');
    const cfg = getPath(site.body, 'properties.functionAppConfig');
    expectLiteral(v, file, `${s}.functionAppConfig.runtime.name`, getPath(cfg, 'runtime.name'), 'node');
    expectLiteral(v, file, `${s}.functionAppConfig.runtime.version`, getPath(cfg, 'runtime.version'), '22');
    expectLiteral(
      v,
      file,
      `${s}.functionAppConfig.deployment.storage.authentication.type`,
      getPath(cfg, 'deployment.storage.authentication.type'),
      'UserAssignedIdentity',
    );
    // The identity the site runs as is the one it deploys with and the one the app settings name.
    const assigned = getPath(site.body, 'identity.userAssignedIdentities');
    const assignedKeys =
      assigned?.type === 'object'
        ? assigned.namedChildren.filter((c) => c.type === 'object_property').map((c) => c.namedChildren[0]?.text ?? '')
        : [];
    const deployIdentity = getPath(cfg, 'deployment.storage.authentication.userAssignedIdentityResourceId')?.text;
    if (assignedKeys.length !== 1 || assignedKeys[0] !== `'\${${deployIdentity}}'`) {
      v.push(
        `${file.path}: ${s} must run as exactly one user-assigned identity, the one it deploys with (${deployIdentity}); found ${assignedKeys.join(', ') || 'none'}`,
      );
    }
  }
  const basicAuth = resourcesOfType(file, 'Microsoft.Web/sites/basicPublishingCredentialsPolicies');
  for (const name of ['ftp', 'scm']) {
    const policy = basicAuth.find((r) => literalValue(getPath(r.body, 'name')) === name);
    if (!policy) v.push(`${file.path}: basic publishing credentials policy '${name}' must be declared (and off)`);
    else expectLiteral(v, file, `${policy.symbol}.properties.allow`, getPath(policy.body, 'properties.allow'), false);
  }
  return v;
}

/** App Insights takes Entra-authenticated telemetry only. */
export function monitoringPolicy(file: BicepFile): Violations {
  const v: Violations = [];
  for (const r of resourcesOfType(file, 'Microsoft.Insights/components')) {
    expectLiteral(v, file, `${r.symbol}.properties.DisableLocalAuth`, getPath(r.body, 'properties.DisableLocalAuth'), true);
  }
  for (const r of resourcesOfType(file, 'Microsoft.OperationalInsights/workspaces')) {
    expectLiteral(
      v,
      file,
      `${r.symbol}.properties.features.disableLocalAuth`,
      getPath(r.body, 'properties.features.disableLocalAuth'),
      true,
    );
  }
  return v;
}

export interface AppSetting {
  name: string;
  value: SyntaxNode;
}

/**
 * The app settings of the `Microsoft.Web/sites/config` 'appsettings' resource, resolving
 * `union(a, b, ...)` over variables and object literals. Parts that are not object literals
 * (computed objects) are returned in `computed` for the caller to vet.
 */
export function appSettings(file: BicepFile): { settings: AppSetting[]; computed: SyntaxNode[] } | undefined {
  const config = resourcesOfType(file, 'Microsoft.Web/sites/config').find((r) => literalValue(getPath(r.body, 'name')) === 'appsettings');
  if (!config) return undefined;
  const vars = variables(file);
  const settings: AppSetting[] = [];
  const computed: SyntaxNode[] = [];
  const collect = (node: SyntaxNode | undefined): void => {
    if (!node) return;
    if (node.type === 'object') {
      for (const [name, value] of objectProperties(node)) settings.push({ name, value });
    } else if (node.type === 'identifier' && vars.has(node.text)) {
      collect(vars.get(node.text));
    } else if (node.type === 'call_expression' && node.childForFieldName('function')?.text === 'union') {
      for (const arg of node.childForFieldName('arguments')?.namedChildren ?? []) collect(arg);
    } else if (node.type === 'ternary_expression') {
      // `cond ? { ... } : {}`: every setting either branch may set is vetted like the others.
      collect(node.childForFieldName('consequence') ?? undefined);
      collect(node.childForFieldName('alternative') ?? undefined);
    } else {
      computed.push(node);
    }
  };
  collect(getPath(config.body, 'properties'));
  return { settings, computed };
}

const SECRET_NAME = /secret|password|passwd|token|apikey|api_key|_key$|accountkey|sas/i;
const SECRET_VALUE = /AccountKey=|SharedAccessKey|SharedAccessSignature|[?&]sig=|DefaultEndpointsProtocol=|[?&]code=/i;
/** Functions that return keys, secrets or SAS tokens (listKeys, listSecrets, listAccountSas, ...). */
const SECRET_FUNCTION = /^list[A-Z]/;

/** The called function's name: `listKeys(...)` and `account.listKeys()` both give `listKeys`. */
export function calledName(call: SyntaxNode): string {
  const fn = call.childForFieldName('function');
  if (!fn) return '';
  return fn.type === 'member_expression' ? (fn.childForFieldName('property')?.text ?? '') : fn.text;
}

/**
 * Settings the Functions platform (host, worker launcher) or what runs beneath it (glibc's allocator:
 * MALLOC_*), not the app, consumes; exempt from the app-reads-it check.
 */
export const PLATFORM_SETTING = /^(AzureWebJobsStorage__|APPLICATIONINSIGHTS_|languageWorkers__|AzureFunctionsJobHost__|MALLOC_)/;

export const REQUIRED_SETTINGS: Record<string, string | null> = {
  // Identity-based host storage (Functions host, Durable Azure Storage provider, blob trigger).
  AzureWebJobsStorage__accountName: null,
  AzureWebJobsStorage__credential: 'managedidentity',
  AzureWebJobsStorage__clientId: null,
  AzureWebJobsStorage__blobServiceUri: null,
  AzureWebJobsStorage__queueServiceUri: null,
  AzureWebJobsStorage__tableServiceUri: null,
  APPLICATIONINSIGHTS_CONNECTION_STRING: null,
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: null,
  // The app's own configuration (shared/config.ts).
  GRAPH_ENDPOINT: null,
  GRAPH_AUTH: 'managed-identity',
  AZURE_CLIENT_ID: null,
  EXPECTED_GROUP_IDS: null,
  EXPECTED_PROFILE_ID: null,
  EXPECTED_ESP_ID: null,
  IMPORT_CHUNK_SIZE: null,
  TASKHUB_NAME: null,
  STORAGE_ACCOUNT_NAME: null,
  RECONCILE_MODE: null,
  RECONCILE_SCHEDULE: null,
  RECONCILE_ENABLED: null,
  // Learn's Durable-on-Flex advice: poll the Durable queues at most every 10 s (host.json override).
  AzureFunctionsJobHost__extensions__durableTask__storageProvider__maxQueuePollingInterval: '00:00:10',
};

/** Never set in Azure: a key-bearing connection string, the local-only token, settings Flex rejects. */
export const FORBIDDEN_SETTINGS = [
  'AzureWebJobsStorage',
  'GRAPH_STATIC_TOKEN',
  // Loopback notification targets are for the local stack's receiver (shared/notify/channels-config.ts).
  'NOTIFY_ALLOW_LOOPBACK',
  'FUNCTIONS_WORKER_RUNTIME',
  'FUNCTIONS_EXTENSION_VERSION',
  'WEBSITE_RUN_FROM_PACKAGE',
  'WEBSITE_NODE_DEFAULT_VERSION',
];

export function appSettingsPolicy(file: BicepFile): Violations {
  const v: Violations = [];
  const found = appSettings(file);
  if (!found) return [`${file.path}: no 'appsettings' config resource found`];
  const byName = new Map(found.settings.map((s) => [s.name, s.value]));

  for (const [name, expected] of Object.entries(REQUIRED_SETTINGS)) {
    const value = byName.get(name);
    if (!value) v.push(`${file.path}: app setting ${name} is missing`);
    else if (expected !== null) expectLiteral(v, file, `app setting ${name}`, value, expected);
  }
  for (const name of FORBIDDEN_SETTINGS) if (byName.has(name)) v.push(`${file.path}: app setting ${name} must not be set`);

  // Every client id setting names the same (user-assigned) identity.
  const clientIdExpr = byName.get('AZURE_CLIENT_ID')?.text;
  if (byName.get('AzureWebJobsStorage__clientId')?.text !== clientIdExpr)
    v.push(`${file.path}: AzureWebJobsStorage__clientId and AZURE_CLIENT_ID must be the same identity`);
  const aiAuth = byName.get('APPLICATIONINSIGHTS_AUTHENTICATION_STRING')?.text ?? '';
  if (aiAuth !== `'ClientId=\${${clientIdExpr}};Authorization=AAD'`)
    v.push(
      `${file.path}: APPLICATIONINSIGHTS_AUTHENTICATION_STRING must be 'ClientId=\${${clientIdExpr}};Authorization=AAD', found ${aiAuth}`,
    );

  for (const { name, value } of found.settings) {
    if (SECRET_NAME.test(name)) v.push(`${file.path}: app setting name ${name} looks like a secret`);
    v.push(...secretLookingExpressions(file, value, `app setting ${name}`));
  }
  for (const node of found.computed) {
    // A computed part may only build numeric deadline settings from a parameter object, or the
    // notification channels' settings (below).
    const channel = notifyChannelSetting(node);
    if (channel) v.push(...channel.map((p) => `${file.path}: ${p}`));
    else if (!/^toObject\(filter\(items\(\w+\)/.test(node.text))
      v.push(`${file.path}: unvetted computed app settings: ${node.text.slice(0, 80)}`);
    v.push(...secretLookingExpressions(file, node, 'computed app settings'));
  }
  return v;
}

/**
 * A notification channel's settings, one per channel: `toObject([filter(]channelPrefix…, p =>
 * '${p.key}_<SUFFIX>', p => <value>)`. Undefined when the node is not one; else its problems: a
 * channel's credentials (_URL, _SECRET) may only be Key Vault references, never a value.
 */
export function notifyChannelSetting(node: SyntaxNode): Violations | undefined {
  const m = /^toObject\((?:filter\()?channelPrefix\b[\s\S]*?, p => '\$\{p\.key\}_([A-Z]+)', p => ([\s\S]*)\)$/.exec(node.text);
  if (!m) return undefined;
  const [, suffix, value] = m;
  if (!['TYPE', 'URL', 'SECRET', 'EVENTS', 'SOURCES'].includes(suffix ?? '')) return [`unknown channel setting _${suffix}`];
  if ((suffix === 'URL' || suffix === 'SECRET') && !/^'@Microsoft\.KeyVault\(SecretUri=\$\{vaultSecretsUri\}\/[^']*\)'$/.test(value ?? ''))
    return [`a channel's _${suffix} must be a Key Vault reference (@Microsoft.KeyVault(SecretUri=…)), found ${value?.slice(0, 60)}`];
  return [];
}

/** Key-returning calls or key-looking strings inside an expression, following variables. */
function secretLookingExpressions(file: BicepFile, node: SyntaxNode, where: string, seen = new Set<string>()): Violations {
  const v: Violations = [];
  const vars = variables(file);
  for (const call of [node, ...descendants(node, 'call_expression')].filter((n) => n.type === 'call_expression')) {
    const fn = calledName(call);
    if (SECRET_FUNCTION.test(fn)) v.push(`${file.path}: ${where} uses ${fn}(): no keys or secrets in app settings`);
  }
  for (const s of [node, ...descendants(node, 'string')].filter((n) => n.type === 'string')) {
    if (SECRET_VALUE.test(s.text)) v.push(`${file.path}: ${where} contains a key-looking string ${s.text.slice(0, 60)}`);
  }
  for (const id of [node, ...descendants(node, 'identifier')].filter((n) => n.type === 'identifier')) {
    const ref = vars.get(id.text);
    if (ref && !seen.has(id.text)) {
      seen.add(id.text);
      v.push(...secretLookingExpressions(file, ref, `${where} (via var ${id.text})`, seen));
    }
  }
  return v;
}

/**
 * Key-returning functions may appear only where they read the Functions host's eventgrid_extension
 * system key for the Event Grid webhook, never on the storage account or anything else.
 */
export function listKeysPolicy(file: BicepFile): Violations {
  const v: Violations = [];
  for (const call of descendants(file.root, 'call_expression')) {
    const fn = calledName(call);
    if (!SECRET_FUNCTION.test(fn)) continue;
    const target = call.childForFieldName('arguments')?.namedChildren[0]?.text ?? '';
    const use = call.parent?.type === 'member_expression' ? (call.parent.parent?.text ?? '') : '';
    const allowed =
      call.childForFieldName('function')?.text === 'listKeys' &&
      target === "'${site.id}/host/default'" &&
      /\.systemKeys\.eventgrid_extension$/.test(use);
    if (!allowed)
      v.push(
        `${file.path}:${call.startPosition.row + 1}: ${call.text.slice(0, 80)} is not allowed (only listKeys of the Functions host's eventgrid_extension key)`,
      );
  }
  return v;
}

/** Outputs end up in azd's .env file and deployment history: nothing secret may be output. */
export function outputsPolicy(file: BicepFile): Violations {
  const v: Violations = [];
  for (const out of file.root.namedChildren.filter((n) => n.type === 'output_declaration')) {
    const name = out.namedChildren[0]?.text ?? '';
    if (/key|secret|password|token|connection/i.test(name)) v.push(`${file.path}: output ${name} looks like a secret`);
    for (const call of descendants(out, 'call_expression')) {
      const fn = calledName(call);
      if (SECRET_FUNCTION.test(fn)) v.push(`${file.path}: output ${name} uses ${fn}()`);
    }
  }
  return v;
}

const BROAD_ROLES: Record<string, string> = {
  '8e3af657-a8ff-443c-a75c-2fe8c4bcb635': 'Owner',
  'b24988ac-6180-42a0-ab88-20f7382dd24c': 'Contributor',
  '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9': 'User Access Administrator',
  '17d1049b-9a84-46fb-8f53-869881c3d3ab': 'Storage Account Contributor',
};

/** No control-plane or account-wide admin roles are handed out. */
export function broadRolesPolicy(file: BicepFile): Violations {
  const v: Violations = [];
  for (const [id, name] of Object.entries(BROAD_ROLES)) {
    if (file.source.toLowerCase().includes(id)) v.push(`${file.path}: grants the broad role ${name} (${id})`);
  }
  return v;
}

/** The role GUIDs an identity gets from `roleAssignments` resources in a file, resolving `roleIds.x` and loops. */
export function roleIdsAssignedTo(file: BicepFile, principalParam: string): string[] {
  const vars = variables(file);
  const resolve = (node: SyntaxNode | undefined): string[] => {
    if (!node) return [];
    const lit = stringLiteral(node);
    if (lit !== undefined) return [lit];
    if (node.type === 'identifier') return resolve(vars.get(node.text));
    if (node.type === 'array') return node.namedChildren.flatMap(resolve);
    if (node.type === 'member_expression') {
      const obj = node.childForFieldName('object');
      const prop = node.childForFieldName('property')?.text ?? '';
      const base = obj?.type === 'identifier' ? vars.get(obj.text) : undefined;
      return base?.type === 'object' ? resolve(objectProperties(base).get(prop)) : [];
    }
    return [];
  };
  const ids: string[] = [];
  for (const r of resourcesOfType(file, 'Microsoft.Authorization/roleAssignments')) {
    if (getPath(r.body, 'properties.principalId')?.text !== principalParam) continue;
    const roleDef = getPath(r.body, 'properties.roleDefinitionId');
    const arg = roleDef?.childForFieldName('arguments')?.namedChildren[1];
    if (!arg) continue;
    if (r.loop) {
      const loop = r.node.namedChildren.find((c) => c.type === 'for_statement');
      const [loopVar, iterable] = loop?.namedChildren ?? [];
      if (arg.text === loopVar?.text) ids.push(...resolve(iterable));
      else ids.push(...resolve(arg));
    } else ids.push(...resolve(arg));
  }
  return ids.sort();
}

/**
 * The Graph app roles granted by a file's `Microsoft.Graph/appRoleAssignedTo` resources: the loop's
 * iterable resolved through variables to a literal array or a `loadJsonContent(path).appRoles`.
 */
export function grantedGraphAppRoles(file: BicepFile): { roles: string[]; problems: Violations } {
  const problems: Violations = [];
  const roles: string[] = [];
  const vars = variables(file);
  const resolveArray = (node: SyntaxNode | undefined): string[] | undefined => {
    if (!node) return undefined;
    if (node.type === 'identifier') return resolveArray(vars.get(node.text));
    if (node.type === 'array') {
      const items = node.namedChildren.map((c) => stringLiteral(c));
      return items.every((i): i is string => i !== undefined) ? items : undefined;
    }
    if (node.type === 'member_expression') {
      const call = node.childForFieldName('object');
      const prop = node.childForFieldName('property')?.text;
      if (call?.type === 'call_expression' && call.childForFieldName('function')?.text === 'loadJsonContent' && prop) {
        const rel = stringLiteral(call.childForFieldName('arguments')?.namedChildren[0]);
        if (!rel) return undefined;
        const json: unknown = JSON.parse(readFileSync(join(REPO_ROOT, dirname(file.path), rel), 'utf8'));
        const value = (json as Record<string, unknown>)[prop];
        return Array.isArray(value) && value.every((x) => typeof x === 'string') ? value : undefined;
      }
    }
    return undefined;
  };
  for (const r of resources(file).filter((x) => x.type === 'Microsoft.Graph/appRoleAssignedTo' && !x.existing)) {
    const appRoleId = getPath(r.body, 'appRoleId')?.text ?? '';
    if (!r.loop) {
      problems.push(
        `${file.path}: ${r.symbol} must loop over the generated role list (a single hard-coded appRoleId cannot be checked against the code)`,
      );
      continue;
    }
    const loop = r.node.namedChildren.find((c) => c.type === 'for_statement');
    const [loopVar, iterable] = loop?.namedChildren ?? [];
    const list = resolveArray(iterable);
    if (!list) problems.push(`${file.path}: cannot resolve the role list of ${r.symbol} (${iterable?.text})`);
    else roles.push(...list);
    // The role id must be looked up by the role's name in Microsoft Graph's own service principal.
    if (!new RegExp(`^filter\\((\\w+)\\.appRoles, (\\w+) => \\2\\.value == ${loopVar?.text}\\)\\[0\\]\\.id$`).test(appRoleId)) {
      problems.push(`${file.path}: ${r.symbol}.appRoleId must be looked up by name, found ${appRoleId}`);
    }
    const sp = getPath(r.body, 'resourceId')?.text.replace(/\.id$/, '');
    const graphSp = resources(file).find((x) => x.symbol === sp && x.type === 'Microsoft.Graph/servicePrincipals');
    const appIdExpr = getPath(graphSp?.body, 'appId');
    const appId = literalValue(appIdExpr) ?? (appIdExpr?.type === 'identifier' ? literalValue(vars.get(appIdExpr.text)) : undefined);
    if (appId !== '00000003-0000-0000-c000-000000000000')
      problems.push(`${file.path}: ${r.symbol}.resourceId must be Microsoft Graph's service principal; ${sp} has appId ${String(appId)}`);
  }
  return { roles: roles.sort(), problems };
}
