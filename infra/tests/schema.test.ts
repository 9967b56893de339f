// Resource bodies checked against the Bicep resource type definitions (vendored subset of
// Azure/bicep-types-az and microsoftgraph/msgraph-bicep-types in arm-types.json): known
// type@apiVersion, property names, required and read-only properties, enum literals.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadArmTypeIndex, SchemaChecker } from '../lib/arm-types';
import { INFRA_DIR, listBicepFiles, parseBicepFile, parseBicepSource, resources } from '../lib/bicep-ast';
import { ARM_TYPES_PATH, usedResourceTypes } from '../scripts/vendor-arm-types';

const index = loadArmTypeIndex(ARM_TYPES_PATH);
const checker = new SchemaChecker(index);
const files = listBicepFiles().map(parseBicepFile);

function problemsAfter(rel: string, from: string, to: string): string[] {
  const file = parseBicepFile(join(INFRA_DIR, rel));
  expect(file.source, `mutation target not found in ${rel}: ${from}`).toContain(from);
  return resources(parseBicepSource(file.source.replace(from, to), file.path)).flatMap((r) => checker.checkResource(r));
}

describe('resource schemas', () => {
  it('vendors exactly the resource types the templates use (else: npx tsx infra/scripts/vendor-arm-types.ts ...)', () => {
    expect(Object.keys(index.resources).sort()).toEqual(usedResourceTypes());
    expect(index.sources.map((s) => s.repo).sort()).toEqual(['Azure/bicep-types-az', 'microsoftgraph/msgraph-bicep-types']);
  });

  it.each(files.map((f) => [f.path, f] as const))('%s fits the resource types', (_path, file) => {
    const decls = resources(file);
    expect(decls.flatMap((r) => checker.checkResource(r))).toEqual([]);
  });

  it.each([
    ['modules/storage.bicep', 'allowSharedKeyAccess: false', 'allowSharedKeyAcess: false', 'allowSharedKeyAcess is not a property'],
    [
      'modules/storage.bicep',
      'allowSharedKeyAccess: false',
      "allowSharedKeyAccess: 'false'",
      'a string where a value of kind bool is expected',
    ],
    ['modules/storage.bicep', 'location: location\n  tags: tags\n  kind', 'tags: tags\n  kind', 'account.location is required'],
    ['modules/function-app.bicep', "name: 'appsettings'", "name: 'appsetting'", "'appsetting' is not one of"],
    [
      'modules/function-app.bicep',
      'instanceMemoryMB: instanceMemoryMB',
      'instanceMemoryMb: instanceMemoryMB',
      'did you mean instanceMemoryMB?',
    ],
    [
      'modules/function-app.bicep',
      "excludedPaths: ['/runtime/webhooks/eventgrid']",
      "excludedPath: ['/runtime/webhooks/eventgrid']",
      'excludedPath is not a property',
    ],
    ['modules/monitoring.bicep', 'DisableLocalAuth: true', 'disableLocalAuth: true', 'did you mean DisableLocalAuth?'],
    ['modules/graph-permissions.bicep', 'appRoleId:', 'appRoleIdx:', 'grants.appRoleId is required'],
    ['eventgrid/blob-subscription.bicep', "endpointType: 'WebHook'", "endpointType: 'Webhook'", "'Webhook' is not one of"],
    ['modules/identity.bicep', '@2023-01-31', '@2023-01-32', 'unknown or unvendored resource type'],
    [
      'modules/identity.bicep',
      'output clientId',
      "resource x 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {\n  name: 'x'\n  location: location\n  properties: { clientId: 'y' }\n}\noutput clientId",
      'x.properties.clientId is read-only',
    ],
  ])('%s: catches %j -> %j', (rel, from, to, message) => {
    expect(problemsAfter(rel, from, to).join('\n')).toContain(message);
  });
});
