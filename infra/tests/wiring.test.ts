// The pieces fit together: module paths and parameters, azd's parameter file and outputs, the
// azure.yaml service and hooks, and what .funcignore leaves in the deployed package. These are the
// mistakes `az bicep build` would catch online; here we catch the ones a syntax tree can show.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  getPath,
  INFRA_DIR,
  listBicepFiles,
  modules,
  objectProperties,
  outputNames,
  parameters,
  parseBicepFile,
  REPO_ROOT,
  stringLiteral,
  variables,
} from '../lib/bicep-ast';

const main = parseBicepFile(join(INFRA_DIR, 'main.bicep'));
const azureYaml = readFileSync(join(REPO_ROOT, 'azure.yaml'), 'utf8');

/** `key: value` lines of azure.yaml under a path of parent keys (by indentation); enough for this flat file. */
function yamlValue(path: string[]): string | undefined {
  let depth = 0;
  let indent = -1;
  for (const raw of azureYaml.split('\n')) {
    const line = raw.replace(/\s+#.*$/, '');
    if (!line.trim() || line.trim().startsWith('#')) continue;
    const lineIndent = line.length - line.trimStart().length;
    const m = line.trim().match(/^([\w.-]+):\s*(.*)$/);
    if (!m) continue;
    if (lineIndent <= indent) return undefined;
    if (m[1] === path[depth]) {
      if (depth === path.length - 1) return m[2];
      depth += 1;
      indent = lineIndent;
    }
  }
  return undefined;
}

describe('module wiring', () => {
  const files = listBicepFiles().map(parseBicepFile);
  const calls = files.flatMap((file) => modules(file).map((m) => ({ file, m })));

  it('finds the module calls', () => {
    expect(calls.length).toBeGreaterThanOrEqual(9);
  });

  it.each(calls.map(({ file, m }) => [`${file.path} -> ${m.path}`, file, m] as const))(
    '%s passes only declared params, all required ones, literals of the right type',
    (_n, file, m) => {
      const target = join(REPO_ROOT, dirname(file.path), m.path);
      expect(existsSync(target), `${m.path} exists`).toBe(true);
      const declared = parameters(parseBicepFile(target));
      const passedNode = getPath(m.body, 'params');
      const passed = passedNode ? [...objectProperties(passedNode).keys()] : [];
      expect(passed.filter((p) => !declared.has(p))).toEqual([]);
      const required = [...declared.values()].filter((p) => !p.defaultValue && !p.type.endsWith('?')).map((p) => p.name);
      expect(required.filter((p) => !passed.includes(p))).toEqual([]);
      // A literal passed to a typed parameter must be of that type.
      const kindOf: Record<string, string> = { string: 'string', number: 'int', boolean: 'bool', array: 'array', object: 'object' };
      for (const [name, value] of passedNode ? objectProperties(passedNode) : []) {
        const kind = kindOf[value.type];
        const type = declared.get(name)?.type;
        if (kind && type && ['string', 'int', 'bool', 'array', 'object'].includes(type))
          expect(`${name}: ${kind}`).toBe(`${name}: ${type}`);
      }
    },
  );
});

describe('azd parameters and outputs', () => {
  const paramsJson = JSON.parse(readFileSync(join(INFRA_DIR, 'main.parameters.json'), 'utf8')) as {
    parameters: Record<string, { value: unknown }>;
  };
  const declared = parameters(main);

  it('main.parameters.json sets only parameters main.bicep declares, and every required one', () => {
    const keys = Object.keys(paramsJson.parameters);
    expect(keys.filter((k) => !declared.has(k))).toEqual([]);
    const required = [...declared.values()].filter((p) => !p.defaultValue).map((p) => p.name);
    expect(required.sort()).toEqual(['environmentName', 'location']);
    for (const r of required) expect(keys).toContain(r);
  });

  it('every value comes from the azd environment', () => {
    for (const [name, { value }] of Object.entries(paramsJson.parameters)) {
      expect(value, name).toMatch(/^\$\{[A-Z0-9_]+(=[^}]*)?\}$/);
    }
  });

  it('outputs every value the postdeploy hooks read', () => {
    const outputs = outputNames(main);
    const sh = readFileSync(join(INFRA_DIR, 'hooks/postdeploy.sh'), 'utf8');
    const shVars =
      sh
        .match(/for name in ([^;]+); do/)?.[1]
        ?.replace(/\\\n/g, ' ')
        .trim()
        .split(/\s+/) ?? [];
    const ps1 = readFileSync(join(INFRA_DIR, 'hooks/postdeploy.ps1'), 'utf8');
    const psVars = [...(ps1.match(/\$required = ([^\n]+\n[^\n]+)/)?.[1] ?? '').matchAll(/'([A-Z_]+)'/g)].map((m) => m[1]);
    expect(shVars.length).toBeGreaterThan(5);
    expect(psVars.sort()).toEqual([...shVars].sort());
    expect(shVars.filter((v) => !outputs.includes(v))).toEqual([]);
  });

  it('the hooks pass the phase-2 template exactly its parameters', () => {
    const sub = parameters(parseBicepFile(join(INFRA_DIR, 'eventgrid/blob-subscription.bicep')));
    const required = [...sub.values()].filter((p) => !p.defaultValue).map((p) => p.name);
    for (const hook of ['postdeploy.sh', 'postdeploy.ps1']) {
      const text = readFileSync(join(INFRA_DIR, 'hooks', hook), 'utf8');
      expect(text).toMatch(/eventgrid['/ ,]+blob-subscription\.bicep/);
      const block = text.slice(text.indexOf('--parameters'), text.indexOf('--output none'));
      const passed = [...block.matchAll(/^\s+(\w+)=["$]/gm)].map((m) => m[1] ?? '');
      expect(passed.length, hook).toBeGreaterThan(3);
      expect(
        passed.filter((p) => !sub.has(p)),
        hook,
      ).toEqual([]);
      expect(
        required.filter((p) => !passed.includes(p)),
        hook,
      ).toEqual([]);
    }
  });
});

describe('azure.yaml', () => {
  it('deploys this repository as the Function App tagged in main.bicep', () => {
    expect(yamlValue(['services', 'api', 'project'])).toBe('.');
    expect(yamlValue(['services', 'api', 'host'])).toBe('function');
    expect(yamlValue(['services', 'api', 'language'])).toBe('ts');
    expect(stringLiteral(variables(main).get('serviceName'))).toBe('api');
    expect(main.source).toContain("union(tags, { 'azd-service-name': serviceName })");
    for (const f of ['host.json', 'package.json', 'package-lock.json']) expect(existsSync(join(REPO_ROOT, f)), f).toBe(true);
  });

  it('provisions infra/main.bicep with Bicep', () => {
    expect(yamlValue(['infra', 'provider'])).toBe('bicep');
    expect(yamlValue(['infra', 'path'])).toBe('infra');
    expect(yamlValue(['infra', 'module'])).toBe('main');
  });

  it('runs the postdeploy hook scripts that exist', () => {
    const posix = yamlValue(['hooks', 'postdeploy', 'posix', 'run']);
    const windows = yamlValue(['hooks', 'postdeploy', 'windows', 'run']);
    expect(posix).toBe('./infra/hooks/postdeploy.sh');
    expect(windows).toBe('./infra/hooks/postdeploy.ps1');
    expect(existsSync(join(REPO_ROOT, posix ?? ''))).toBe(true);
    expect(existsSync(join(REPO_ROOT, windows ?? ''))).toBe(true);
  });
});

describe('.funcignore', () => {
  const patterns = readFileSync(join(REPO_ROOT, '.funcignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const excludes = (top: string) => patterns.some((p) => [top, `/${top}`, `/${top}/`, `${top}/`].includes(p));

  it('keeps what the host loads and what a remote build needs', () => {
    const main = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { main: string }).main;
    const mainTop = main.split('/')[0] ?? '';
    for (const keep of [
      'host.json',
      'package.json',
      'package-lock.json',
      'tsconfig.json',
      'tsconfig.build.json',
      mainTop,
      'functions',
      'orchestrations',
      'shared',
      'dashboard',
    ]) {
      expect(excludes(keep), keep).toBe(false);
    }
    expect(patterns.filter((p) => ['*', '*.json', '*.ts', '*.js', 'dist', '/dist/'].includes(p))).toEqual([]);
  });

  /** gitignore-style match for the pattern forms used here: `/anchored/`, `dir/`, `name`, `*` globs. */
  const ignored = (path: string): boolean =>
    patterns.some((raw) => {
      const anchored = raw.startsWith('/');
      const dirOnly = raw.endsWith('/');
      const body = raw.replace(/^\//, '').replace(/\/$/, '');
      const re = new RegExp(`^${body.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`);
      const segments = path.split('/');
      const candidates = segments.map((_s, i) => segments.slice(0, i + 1).join('/'));
      return candidates.some((c, i) => {
        const isDir = i < segments.length - 1;
        if (dirOnly && !isDir) return false;
        return anchored ? re.test(c) : re.test(segments[i] ?? '');
      });
    });

  it('ships every source file the build compiles and none of the tests or tooling (git-tracked files)', () => {
    const tracked = execFileSync('git', ['ls-files'], { cwd: REPO_ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);
    const buildRoots = ['functions/', 'orchestrations/', 'shared/', 'dashboard/'];
    const compiled = tracked.filter((f) => buildRoots.some((r) => f.startsWith(r)) && f.endsWith('.ts'));
    expect(compiled.length).toBeGreaterThan(10);
    expect(compiled.filter(ignored)).toEqual([]);
    for (const f of ['host.json', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'])
      expect(ignored(f), f).toBe(false);
    const shipped = tracked.filter((f) => !ignored(f));
    expect(shipped.filter((f) => /^(tests|local|infra|bench|docs|samples|scripts)\//.test(f) || f.endsWith('.test.ts'))).toEqual([]);
    // Outside the compiled folders, only what the host and the remote build read.
    // baseline/tenant.json: read by the app at start when BASELINE_FILE names it (shared/baseline/app-config.ts).
    const runtime = ['host.json', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'baseline/tenant.json'];
    expect(
      shipped.filter((f) => !buildRoots.some((r) => f.startsWith(r)) && !runtime.includes(f)),
      'a new top-level file would ship in the Function App package: add it to .funcignore (or to `runtime` here if the host needs it)',
    ).toEqual([]);
    expect(ignored('dist/functions/intake-blob-created.js')).toBe(false);
    expect(ignored('dist/dashboard-assets/app.js')).toBe(false);
    expect(ignored('node_modules/zod/package.json')).toBe(true);
  });

  it('leaves out tests, local tooling, infra, local settings and node_modules (the remote build reinstalls it)', () => {
    for (const drop of ['tests', 'local', 'bench', 'infra', 'docs', 'samples', 'node_modules', '.azurite'])
      expect(excludes(drop), drop).toBe(true);
    expect(patterns).toContain('local.settings.json');
    expect(yamlValue(['services', 'api', 'remoteBuild'])).toBe('true');
  });
});

describe('resource providers (docs/DEPLOY.md)', () => {
  it('registers every namespace the templates deploy, and Microsoft.App for the VNet delegation', () => {
    const deploy = readFileSync(join(REPO_ROOT, 'docs', 'DEPLOY.md'), 'utf8');
    const loop = /for ns in ([^;]+); do/.exec(deploy)?.[1]?.replace(/\\\n/g, ' ').trim().split(/\s+/) ?? [];
    const used = new Set(
      listBicepFiles()
        .map(parseBicepFile)
        .flatMap((f) => [...f.source.matchAll(/'(Microsoft\.\w+)\/[\w/]+@[\w-]+'/g)].map((m) => m[1] ?? '')),
    );
    // Resource groups, role assignments and Graph objects need no registration of their own.
    for (const always of ['Microsoft.Resources', 'Microsoft.Authorization', 'Microsoft.Graph']) used.delete(always);
    // A subnet delegated to Microsoft.App/environments needs Microsoft.App registered (Learn, Flex considerations).
    if (/serviceName: 'Microsoft\.App\/environments'/.test(readFileSync(join(INFRA_DIR, 'modules', 'network.bicep'), 'utf8')))
      used.add('Microsoft.App');
    expect(used.size).toBeGreaterThan(5);
    expect([...used].filter((ns) => !loop.includes(ns)).sort()).toEqual([]);
  });
});
