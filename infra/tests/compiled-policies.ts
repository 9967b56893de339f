/**
 * Security policies over the ARM JSON the Bicep compiler produced (infra/.bicep/arm/), evaluated
 * for concrete parameter values: what Azure will be sent, not what the source text looks like.
 * Each returns violations (empty = compliant) so tests can also run them on a broken copy.
 */
import { type ArmValue, Opaque } from '../lib/arm-expression';
import { type ArmTemplate, allStrings, instances, resourcesOfType, scopeFor } from '../lib/arm-template';

type Violations = string[];
type Params = Record<string, ArmValue>;

const render = (v: ArmValue | undefined): string => (v instanceof Opaque ? `<${v.text}>` : JSON.stringify(v));
const at = (o: ArmValue | undefined, path: string): ArmValue | undefined =>
  path
    .split('.')
    .reduce<ArmValue | undefined>(
      (cur, k) =>
        cur && typeof cur === 'object' && !Array.isArray(cur) && !(cur instanceof Opaque)
          ? (cur as Record<string, ArmValue>)[k]
          : undefined,
      o,
    );

function expectValue(v: Violations, what: string, actual: ArmValue | undefined, expected: ArmValue): void {
  if (JSON.stringify(actual) !== JSON.stringify(expected))
    v.push(`${what} must be ${JSON.stringify(expected)}, compiles to ${render(actual)}`);
}

/** Storage accounts: Entra ID only (shared keys off), no anonymous blobs, HTTPS with TLS 1.2. */
export function compiledStoragePolicy(t: ArmTemplate, params: Params): Violations {
  const v: Violations = [];
  const scope = scopeFor(t, params);
  const accounts = resourcesOfType(t, 'Microsoft.Storage/storageAccounts').flatMap((r) => instances(r, scope));
  if (accounts.length === 0) v.push('no storage account compiled');
  for (const a of accounts) {
    expectValue(v, 'allowSharedKeyAccess', at(a, 'properties.allowSharedKeyAccess'), false);
    expectValue(v, 'allowBlobPublicAccess', at(a, 'properties.allowBlobPublicAccess'), false);
    expectValue(v, 'supportsHttpsTrafficOnly', at(a, 'properties.supportsHttpsTrafficOnly'), true);
    expectValue(v, 'minimumTlsVersion', at(a, 'properties.minimumTlsVersion'), 'TLS1_2');
    expectValue(v, 'defaultToOAuthAuthentication', at(a, 'properties.defaultToOAuthAuthentication'), true);
    // Event Grid dead-letters into this account as a trusted service: that needs the bypass, and a
    // public endpoint that is not 'Disabled' (which would admit private endpoints only; infra-review B5).
    expectValue(v, 'networkAcls.bypass', at(a, 'properties.networkAcls.bypass'), 'AzureServices');
    expectValue(v, 'publicNetworkAccess', at(a, 'properties.publicNetworkAccess'), 'Enabled');
  }
  for (const c of resourcesOfType(t, 'Microsoft.Storage/storageAccounts/blobServices/containers').flatMap((r) => instances(r, scope))) {
    expectValue(v, `container ${render(c.name)} publicAccess`, at(c, 'properties.publicAccess'), 'None');
  }
  return v;
}

/** The Function App: Flex, HTTPS only, TLS 1.2, no FTP, user-assigned identity, basic publishing off. */
export function compiledSitePolicy(t: ArmTemplate, params: Params): Violations {
  const v: Violations = [];
  const scope = scopeFor(t, params);
  const sites = resourcesOfType(t, 'Microsoft.Web/sites').flatMap((r) => instances(r, scope));
  if (sites.length !== 1) v.push(`expected one site, compiled ${sites.length}`);
  for (const s of sites) {
    expectValue(v, 'kind', s.kind, 'functionapp,linux');
    expectValue(v, 'identity.type', at(s, 'identity.type'), 'UserAssigned');
    expectValue(v, 'httpsOnly', at(s, 'properties.httpsOnly'), true);
    expectValue(v, 'siteConfig.minTlsVersion', at(s, 'properties.siteConfig.minTlsVersion'), '1.2');
    expectValue(v, 'siteConfig.scmMinTlsVersion', at(s, 'properties.siteConfig.scmMinTlsVersion'), '1.2');
    expectValue(v, 'siteConfig.ftpsState', at(s, 'properties.siteConfig.ftpsState'), 'Disabled');
    expectValue(
      v,
      'deployment storage authentication',
      at(s, 'properties.functionAppConfig.deployment.storage.authentication.type'),
      'UserAssignedIdentity',
    );
  }
  for (const p of resourcesOfType(t, 'Microsoft.Web/serverfarms').flatMap((r) => instances(r, scope)))
    expectValue(v, 'plan sku', at(p, 'sku.name'), 'FC1');
  const policies = resourcesOfType(t, 'Microsoft.Web/sites/basicPublishingCredentialsPolicies').flatMap((r) => instances(r, scope));
  for (const name of ['ftp', 'scm']) {
    const p = policies.find((x) => typeof x.name === 'string' && x.name.endsWith(`/${name}`));
    if (!p) v.push(`basic publishing policy ${name} not compiled`);
    else expectValue(v, `basic publishing ${name}.allow`, at(p, 'properties.allow'), false);
  }
  return v;
}

/** The app settings the site will get, evaluated (reference()/resourceId() values stay opaque). */
export function compiledAppSettings(t: ArmTemplate, params: Params): Record<string, ArmValue> {
  const scope = scopeFor(t, params);
  const config = resourcesOfType(t, 'Microsoft.Web/sites/config')
    .flatMap((r) => instances(r, scope))
    .find((c) => typeof c.name === 'string' && c.name.endsWith('/appsettings'));
  const props = config?.properties;
  if (!props || typeof props !== 'object' || Array.isArray(props) || props instanceof Opaque)
    throw new Error(`app settings compile to ${render(props)}, not an object`);
  return props as Record<string, ArmValue>;
}

/** No storage connection string or key in the settings; storage and App Insights by identity. */
export function compiledAppSettingsPolicy(settings: Record<string, ArmValue>): Violations {
  const v: Violations = [];
  if ('AzureWebJobsStorage' in settings) v.push('AzureWebJobsStorage (a connection string) must not be set');
  expectValue(v, 'AzureWebJobsStorage__credential', settings.AzureWebJobsStorage__credential, 'managedidentity');
  expectValue(v, 'GRAPH_AUTH', settings.GRAPH_AUTH, 'managed-identity');
  if (!/^ClientId=.+;Authorization=AAD$/.test(String(settings.APPLICATIONINSIGHTS_AUTHENTICATION_STRING)))
    v.push('APPLICATIONINSIGHTS_AUTHENTICATION_STRING must use Entra ID (Authorization=AAD)');
  for (const [name, value] of Object.entries(settings)) {
    const text = render(value);
    if (/\blist\w*\(|AccountKey=|SharedAccessSignature|[?&]sig=/i.test(text))
      v.push(`app setting ${name} carries a key or a key-returning call: ${text.slice(0, 100)}`);
  }
  return v;
}

/** Key-returning functions: only listKeys of the Functions host, for its eventgrid_extension system key. */
export function compiledListCallsPolicy(templates: Record<string, ArmTemplate>): Violations {
  const v: Violations = [];
  const allowed =
    /^listKeys\(format\('\{0\}\/host\/default', resourceId\('Microsoft\.Web\/sites', parameters\('\w+'\)\)\), '[\d-]+'\)\.systemKeys\.eventgrid_extension\b/;
  for (const [file, t] of Object.entries(templates)) {
    for (const s of allStrings(t)) {
      for (const m of s.matchAll(/\blist\w*\(/g)) {
        const call = s.slice(m.index ?? 0);
        if (!allowed.test(call))
          v.push(`${file}: ${call.slice(0, 100)} is not allowed (only listKeys of the Functions host's eventgrid_extension key)`);
      }
    }
  }
  return v;
}

/** Outputs land in azd's .env and the deployment history: none secure-typed or computed from a list*() call. */
export function compiledOutputsPolicy(templates: Record<string, ArmTemplate>): Violations {
  const v: Violations = [];
  for (const [file, t] of Object.entries(templates)) {
    for (const [name, out] of Object.entries(t.outputs ?? {})) {
      if (/^secure/i.test(out.type)) v.push(`${file}: output ${name} is ${out.type}`);
      if (allStrings(out.value).some((s) => /\blist\w*\(/.test(s))) v.push(`${file}: output ${name} uses a list*() function`);
    }
  }
  return v;
}

export const BROAD_ROLES: Record<string, string> = {
  '8e3af657-a8ff-443c-a75c-2fe8c4bcb635': 'Owner',
  'b24988ac-6180-42a0-ab88-20f7382dd24c': 'Contributor',
  '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9': 'User Access Administrator',
  '17d1049b-9a84-46fb-8f53-869881c3d3ab': 'Storage Account Contributor',
};

export interface Grant {
  principal: string;
  role: string;
  scope: string;
}

/** Every role assignment a template makes for these parameters: who, which role (GUID), on what. */
export function compiledGrants(t: ArmTemplate, params: Params): Grant[] {
  const scope = scopeFor(t, params);
  return resourcesOfType(t, 'Microsoft.Authorization/roleAssignments')
    .flatMap((r) => instances(r, scope))
    .map((a) => {
      const roleDef = render(at(a, 'properties.roleDefinitionId'));
      return {
        principal: render(at(a, 'properties.principalId')).replace(/^"|"$/g, ''),
        role: /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/.exec(roleDef)?.[1] ?? roleDef,
        scope: render(a.scope),
      };
    });
}

export function broadRoleGuids(templates: Record<string, ArmTemplate>): Violations {
  return Object.entries(templates).flatMap(([file, t]) =>
    Object.entries(BROAD_ROLES)
      .filter(([guid]) => allStrings(t).some((s) => s.toLowerCase().includes(guid)))
      .map(([guid, name]) => `${file}: assigns ${name} (${guid})`),
  );
}
