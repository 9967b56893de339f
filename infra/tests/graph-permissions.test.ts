// The Microsoft Graph app roles granted in Bicep are exactly requiredGraphPermissions(), the set
// derived from the code's Graph catalog (shared/graph/operations.ts): neither more nor fewer.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requiredGraphPermissions } from '../../shared/graph/operations';
import { GRAPH_APP_ROLES_PATH, renderGraphAppRoles } from '../scripts/graph-app-roles';
import { getPath, INFRA_DIR, listBicepFiles, modules, parseBicepFile, parseBicepSource, resourcesOfType } from '../lib/bicep-ast';
import { grantedGraphAppRoles } from './policies';

const graphModule = parseBicepFile(join(INFRA_DIR, 'modules/graph-permissions.bicep'));
const main = parseBicepFile(join(INFRA_DIR, 'main.bicep'));

describe('Microsoft Graph permissions', () => {
  it('grants exactly the permissions the code needs', () => {
    const { roles, problems } = grantedGraphAppRoles(graphModule);
    expect(problems).toEqual([]);
    expect(roles).toEqual([...requiredGraphPermissions()].sort());
    expect(new Set(roles).size).toBe(roles.length);
  });

  it('has the generated role list up to date (npx tsx infra/scripts/graph-app-roles.ts)', () => {
    expect(readFileSync(GRAPH_APP_ROLES_PATH, 'utf8')).toBe(renderGraphAppRoles());
  });

  it('grants Graph roles in that one module only', () => {
    const granting = listBicepFiles()
      .map(parseBicepFile)
      .flatMap((f) => resourcesOfType(f, 'Microsoft.Graph/appRoleAssignedTo').map((r) => `${f.path}#${r.symbol}`));
    expect(granting).toEqual(['infra/modules/graph-permissions.bicep#grants']);
  });

  it('grants them to the Function App identity, unless the admin opts to grant separately', () => {
    const mod = modules(main).find((m) => m.path === 'modules/graph-permissions.bicep');
    expect(getPath(mod?.body, 'params.principalId')?.text).toBe('identity.outputs.principalId');
    const decl = main.root.namedChildren.find(
      (n) => n.type === 'module_declaration' && n.text.includes("'modules/graph-permissions.bicep'"),
    );
    expect(decl?.text).toMatch(/= if \(grantGraphPermissions\) \{/);
  });

  it('uses the GA Microsoft Graph Bicep extension (not the retired built-in one)', () => {
    expect(graphModule.source).toMatch(/^extension microsoftGraphV1$/m);
    const config = JSON.parse(readFileSync(join(INFRA_DIR, 'bicepconfig.json'), 'utf8')) as { extensions?: Record<string, string> };
    expect(config.extensions?.microsoftGraphV1).toBe('br:mcr.microsoft.com/bicep/extensions/microsoftgraph/v1.0:1.0.0');
  });

  describe('catches drift', () => {
    const literal = (roles: string[]) =>
      parseBicepSource(
        graphModule.source.replace("loadJsonContent('../graph-app-roles.json').appRoles", `[${roles.map((r) => `'${r}'`).join(', ')}]`),
        graphModule.path,
      );

    it('one role too many', () => {
      const { roles } = grantedGraphAppRoles(literal([...requiredGraphPermissions(), 'Directory.ReadWrite.All']));
      expect(roles).not.toEqual([...requiredGraphPermissions()].sort());
      expect(roles).toContain('Directory.ReadWrite.All');
    });

    it('one role too few', () => {
      const { roles } = grantedGraphAppRoles(literal(requiredGraphPermissions().slice(1)));
      expect(roles).toHaveLength(requiredGraphPermissions().length - 1);
    });

    it('a hard-coded role id instead of the by-name lookup', () => {
      const src = graphModule.source.replace(
        'filter(graph.appRoles, r => r.value == role)[0].id',
        "'19dbc75e-c2e2-444c-a770-ec69d8559fc7'",
      );
      expect(src).not.toBe(graphModule.source);
      expect(grantedGraphAppRoles(parseBicepSource(src, graphModule.path)).problems.join()).toContain('looked up by name');
    });

    it('roles of a service principal other than Microsoft Graph', () => {
      const src = graphModule.source.replace(
        "var graphAppId = '00000003-0000-0000-c000-000000000000'",
        "var graphAppId = '00000002-0000-0000-c000-000000000000'",
      );
      expect(src).not.toBe(graphModule.source);
      expect(grantedGraphAppRoles(parseBicepSource(src, graphModule.path)).problems.join()).toContain(
        "Microsoft Graph's service principal",
      );
    });

    it('a single grant outside the loop', () => {
      const src = `${graphModule.source}\nresource extra 'Microsoft.Graph/appRoleAssignedTo@v1.0' = {\n  principalId: principalId\n  resourceId: graph.id\n  appRoleId: 'x'\n}\n`;
      expect(grantedGraphAppRoles(parseBicepSource(src, graphModule.path)).problems.join()).toContain('must loop');
    });
  });
});
