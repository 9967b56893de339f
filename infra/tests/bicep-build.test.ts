// The pieces of `npm run infra:build` that do not need the compiler: reading its diagnostics,
// what fails the build, finding the CLI, the compile-time config for the Graph extension, and
// what it says (and how it exits) when it cannot compile, locally and in CI.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { INFRA_DIR } from '../lib/bicep-ast';
import { BICEP_VERSION, buildInputs, COMPILE_CONFIG_PATH, GRAPH_EXTENSION_PATH, inputsFingerprint } from '../lib/bicep-build-layout';
import { parseVersion, pinnedCliPath, runtimeId, versionAtLeast } from '../lib/bicep-cli';
import { dedupe, failing, parseDiagnostics } from '../lib/bicep-diagnostics';
import { compileConfig, graphTypesSource, vendoredGraphIndex } from '../lib/graph-extension';
import { isCi, notRunReport } from '../scripts/bicep-build';

const OUTPUT = `/repo/infra/main.bicep(154,46) : Warning BCP318: The value of type "module | null" may be null. [https://aka.ms/bicep/core-diagnostics#BCP318]
/repo/infra/modules/graph-permissions.bicep(9,11) : Error BCP192: Unable to restore the artifact with reference "br:mcr.microsoft.com/x". [https://aka.ms/bicep/core-diagnostics#BCP192]
/repo/infra/main.bicep(10,1) : Info no-unused-params: Parameter "x" is declared but never used.
Build succeeded: 1 file(s)`;

describe('infra:build diagnostics', () => {
  it('reads the compiler one-line format with repo-relative paths', () => {
    const d = parseDiagnostics(OUTPUT, '/repo');
    expect(d).toEqual([
      {
        file: 'infra/main.bicep',
        line: 154,
        column: 46,
        level: 'Warning',
        code: 'BCP318',
        message: 'The value of type "module | null" may be null.',
      },
      {
        file: 'infra/modules/graph-permissions.bicep',
        line: 9,
        column: 11,
        level: 'Error',
        code: 'BCP192',
        message: 'Unable to restore the artifact with reference "br:mcr.microsoft.com/x".',
      },
      {
        file: 'infra/main.bicep',
        line: 10,
        column: 1,
        level: 'Info',
        code: 'no-unused-params',
        message: 'Parameter "x" is declared but never used.',
      },
    ]);
  });

  it('fails on errors and warnings, not infos, and counts a finding build and lint both report once', () => {
    const d = parseDiagnostics(OUTPUT, '/repo');
    expect(failing(d).map((x) => x.code)).toEqual(['BCP318', 'BCP192']);
    expect(dedupe([...d, ...d])).toHaveLength(3);
  });
});

describe('finding the Bicep CLI', () => {
  it('pins a version NuGet serves, per runtime id, into the ignored infra/.bicep', () => {
    expect(BICEP_VERSION).toMatch(/^\d+\.\d+\.\d+$/);
    expect(runtimeId('linux', 'x64')).toBe('linux-x64');
    expect(runtimeId('darwin', 'arm64')).toBe('osx-arm64');
    expect(runtimeId('aix', 'ppc64')).toBeUndefined();
    expect(pinnedCliPath('linux-x64')).toBe(
      join(INFRA_DIR, '.bicep', 'cli', 'packages', 'azure.bicep.commandline.linux-x64', BICEP_VERSION, 'tools', 'bicep'),
    );
    expect(readFileSync(join(INFRA_DIR, '..', '.gitignore'), 'utf8')).toMatch(/^infra\/\.bicep\/$/m);
  });

  it('accepts a bicep on PATH only if new enough for the Graph extension', () => {
    expect(parseVersion('Bicep CLI version 0.49.2 (b34271ac51)')).toBe('0.49.2');
    expect(versionAtLeast('0.36.1', '0.36.1')).toBe(true);
    expect(versionAtLeast('0.40.0', '0.36.1')).toBe(true);
    expect(versionAtLeast('0.36.0', '0.36.1')).toBe(false);
    expect(versionAtLeast('1.0.0', '0.36.1')).toBe(true);
  });

  it('says loudly that it did not run, and why; passes locally, fails in CI', () => {
    const local = notRunReport(['the .NET SDK (dotnet) is not on PATH'], false);
    expect(local.exitCode).toBe(0);
    expect(local.lines.join('\n')).toMatch(/NOT RUN[\s\S]*dotnet[\s\S]*SKIPPED/);
    const ci = notRunReport(['dotnet restore failed (exit 1):\nerror NU1101: Unable to find package'], true);
    expect(ci.exitCode).toBe(1);
    expect(ci.lines.join('\n')).toMatch(/NOT RUN, and CI requires it[\s\S]*NU1101[\s\S]*FAILED/);
    expect(isCi({ CI: 'true' })).toBe(true);
    expect(isCi({ CI: '1' })).toBe(true);
    expect(isCi({ CI: 'false' })).toBe(false);
    expect(isCi({})).toBe(false);
  });

  it('fingerprints every input the compile reads', () => {
    const inputs = buildInputs();
    for (const f of [
      'infra/main.bicep',
      'infra/modules/storage.bicep',
      'infra/bicepconfig.json',
      'infra/graph-app-roles.json',
      'infra/vendor/msgraph-bicep-types/v1.0/1.0.0/types.json',
    ])
      expect(inputs).toContain(f);
    expect(inputs.filter((f) => f.startsWith('infra/.bicep/'))).toEqual([]);
    expect(inputsFingerprint()).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('the Microsoft Graph extension at compile time', () => {
  const config = JSON.parse(readFileSync(join(INFRA_DIR, 'bicepconfig.json'), 'utf8')) as { extensions: Record<string, string> };

  it('is packed from the vendored types, unchanged since they were copied, matching the version bicepconfig.json asks for', () => {
    const source = graphTypesSource();
    expect(source.registryReference).toBe(config.extensions.microsoftGraphV1);
    expect(vendoredGraphIndex(source)).toBe(join(INFRA_DIR, 'vendor', 'msgraph-bicep-types', 'v1.0', '1.0.0', 'index.json'));
    // The same commit as the subset the schema test uses.
    const armTypes = JSON.parse(readFileSync(join(INFRA_DIR, 'tests', 'arm-types.json'), 'utf8')) as {
      sources: { repo: string; commit: string }[];
    };
    expect(armTypes.sources.find((s) => s.repo === source.repo)?.commit).toBe(source.commit);
    expect(() => vendoredGraphIndex({ ...source, sha256: { ...source.sha256, 'v1.0/1.0.0/types.json': '0'.repeat(64) } })).toThrow(
      /differs from the copy recorded/,
    );
  });

  it('compiles with the real config (same linter rules), only the extension source and the cache folder changed', () => {
    const source = graphTypesSource();
    const compiled = compileConfig(config, COMPILE_CONFIG_PATH, GRAPH_EXTENSION_PATH, source);
    expect(compiled.extensions?.microsoftGraphV1).toBe('./extensions/microsoftgraph-v1.0-1.0.0.tgz');
    expect(compiled.cacheRootDirectory).toBe(join(INFRA_DIR, '.bicep', 'cache'));
    expect({ ...compiled, extensions: undefined, cacheRootDirectory: undefined }).toEqual({
      ...config,
      extensions: undefined,
      cacheRootDirectory: undefined,
    });
    expect(() =>
      compileConfig(
        { ...config, extensions: { microsoftGraphV1: 'br:mcr.microsoft.com/bicep/extensions/microsoftgraph/v1.0:1.1.0-preview' } },
        COMPILE_CONFIG_PATH,
        GRAPH_EXTENSION_PATH,
        source,
      ),
    ).toThrow(/vendor the matching version/);
  });
});

describe('linter rules (infra/bicepconfig.json)', () => {
  const rules = (
    JSON.parse(readFileSync(join(INFRA_DIR, 'bicepconfig.json'), 'utf8')) as {
      analyzers: { core: { enabled: boolean; rules: Record<string, { level: string }> } };
    }
  ).analyzers.core;

  it('are on, with the security rules as errors (so azd provision refuses them too)', () => {
    expect(rules.enabled).toBe(true);
    for (const rule of [
      'outputs-should-not-contain-secrets',
      'secure-secrets-in-params',
      'secure-parameter-default',
      'secure-params-in-nested-deploy',
      'use-secure-value-for-secure-inputs',
      'no-hardcoded-env-urls',
      'use-resource-symbol-reference',
      'use-recognized-resource-type',
    ]) {
      expect(rules.rules[rule]?.level, rule).toBe('error');
    }
  });
});
