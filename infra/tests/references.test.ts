// Names resolve: every identifier is declared (or is a Bicep built-in), every function called exists,
// every `resource.properties...` read exists on that resource type, and every `module.outputs.x`
// read is an output of that module. These are the compiler's BCP052/BCP057/BCP082-class errors.
import { join, dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkReadPath, loadArmTypeIndex } from '../lib/arm-types';
import {
  type BicepFile,
  type SyntaxNode,
  descendants,
  listBicepFiles,
  memberChains,
  modules,
  outputNames,
  parameters,
  parseBicepFile,
  parseBicepSource,
  REPO_ROOT,
  resources,
  variables,
} from '../lib/bicep-ast';
import { ARM_TYPES_PATH } from '../scripts/vendor-arm-types';

const index = loadArmTypeIndex(ARM_TYPES_PATH);

/** Bicep's built-in functions used or likely to be used here (sys namespace). Extend when needed. */
const BUILTIN_FUNCTIONS = new Set([
  'any',
  'array',
  'base64',
  'base64ToJson',
  'base64ToString',
  'bool',
  'coalesce',
  'concat',
  'contains',
  'dataUri',
  'dateTimeAdd',
  'dateTimeFromEpoch',
  'dateTimeToEpoch',
  'deployer',
  'deployment',
  'empty',
  'endsWith',
  'environment',
  'extensionResourceId',
  'fail',
  'filter',
  'first',
  'flatten',
  'format',
  'groupBy',
  'guid',
  'indexOf',
  'int',
  'intersection',
  'items',
  'join',
  'json',
  'last',
  'lastIndexOf',
  'length',
  'listKeys',
  'loadFileAsBase64',
  'loadJsonContent',
  'loadTextContent',
  'loadYamlContent',
  'managementGroup',
  'managementGroupResourceId',
  'map',
  'mapValues',
  'max',
  'min',
  'newGuid',
  'objectKeys',
  'padLeft',
  'parseCidr',
  'range',
  'reduce',
  'reference',
  'replace',
  'resourceGroup',
  'resourceId',
  'shallowMerge',
  'skip',
  'sort',
  'split',
  'startsWith',
  'string',
  'subscription',
  'subscriptionResourceId',
  'substring',
  'take',
  'tenant',
  'tenantResourceId',
  'toLower',
  'toObject',
  'toUpper',
  'trim',
  'union',
  'uniqueString',
  'uri',
  'uriComponent',
  'uriComponentToString',
  'utcNow',
  // decorators
  'allowed',
  'description',
  'maxLength',
  'maxValue',
  'metadata',
  'minLength',
  'minValue',
  'secure',
  'batchSize',
  'export',
  'sealed',
  'discriminator',
]);
const BUILTIN_NAMES = new Set(['az', 'sys', 'null', 'true', 'false']);

function declaredNames(file: BicepFile): Set<string> {
  const names = new Set<string>([
    ...parameters(file).keys(),
    ...variables(file).keys(),
    ...resources(file).map((r) => r.symbol),
    ...modules(file).map((m) => m.symbol),
  ]);
  // Loop variables and lambda parameters, file-wide (lenient about scope).
  for (const loop of descendants(file.root, 'for_statement')) {
    const init = loop.childForFieldName('initializer');
    if (init) names.add(init.text);
    for (const v of [...descendants(loop, 'loop_variable'), ...descendants(loop, 'loop_enumerator')]) names.add(v.text);
  }
  for (const lambda of descendants(file.root, 'lambda_expression')) {
    const head = lambda.namedChildren[0];
    if (head?.type === 'identifier') names.add(head.text);
    if (head?.type === 'parenthesized_expression') for (const p of head.namedChildren) if (p.type === 'identifier') names.add(p.text);
  }
  return names;
}

function isDeclarationName(n: SyntaxNode): boolean {
  const p = n.parent;
  return !!p && /_declaration$/.test(p.type) && p.namedChildren[0]?.id === n.id;
}
const isPropertyKey = (n: SyntaxNode): boolean => n.parent?.type === 'object_property' && n.parent.namedChildren[0]?.id === n.id;
const isCalledName = (n: SyntaxNode): boolean =>
  n.parent?.type === 'call_expression' && n.parent.childForFieldName('function')?.id === n.id;

export function unresolvedNames(file: BicepFile): string[] {
  const declared = declaredNames(file);
  const problems: string[] = [];
  for (const id of descendants(file.root, 'identifier')) {
    if (isDeclarationName(id) || isPropertyKey(id)) continue;
    if (id.parent?.type === 'for_statement' && id.parent.childForFieldName('initializer')?.id === id.id) continue;
    if (isCalledName(id)) {
      if (!BUILTIN_FUNCTIONS.has(id.text)) problems.push(`${file.path}:${id.startPosition.row + 1}: unknown function ${id.text}()`);
      continue;
    }
    if (!declared.has(id.text) && !BUILTIN_NAMES.has(id.text))
      problems.push(`${file.path}:${id.startPosition.row + 1}: ${id.text} is not declared`);
  }
  return problems;
}

export function unresolvedReads(file: BicepFile): string[] {
  const problems: string[] = [];
  const res = new Map(resources(file).map((r) => [r.symbol, r]));
  const mods = new Map(modules(file).map((m) => [m.symbol, m]));
  for (const chain of memberChains(file)) {
    const r = res.get(chain.base);
    const where = `${file.path}:${chain.node.startPosition.row + 1}: ${chain.base}`;
    if (r) {
      const path = r.loop && chain.path[0] === '[]' ? chain.path.slice(1) : chain.path;
      const problem = checkReadPath(index, r.typeWithVersion, path);
      if (problem) problems.push(`${where}${problem}`);
      continue;
    }
    const m = mods.get(chain.base);
    if (m && chain.path[0] === 'outputs') {
      const outputs = outputNames(parseBicepFile(join(REPO_ROOT, dirname(file.path), m.path)));
      const name = chain.path[1] ?? '';
      if (!outputs.includes(name)) problems.push(`${where}.outputs.${name} is not an output of ${m.path}`);
    }
  }
  return problems;
}

/** Parameters, variables and `existing` resources nobody reads (Bicep's no-unused-* linter rules). */
export function unusedDeclarations(file: BicepFile): string[] {
  const used = new Set(
    descendants(file.root, 'identifier')
      .filter((id) => !isDeclarationName(id) && !isPropertyKey(id))
      .map((id) => id.text),
  );
  const declared = [
    ...parameters(file).keys(),
    ...variables(file).keys(),
    ...resources(file)
      .filter((r) => r.existing)
      .map((r) => r.symbol),
  ];
  return declared.filter((n) => !used.has(n)).map((n) => `${file.path}: ${n} is declared but never used`);
}

const files = listBicepFiles().map(parseBicepFile);

describe('name resolution', () => {
  it.each(files.map((f) => [f.path, f] as const))('%s: every name is declared and every function exists', (_p, file) => {
    expect(unresolvedNames(file)).toEqual([]);
  });

  it.each(files.map((f) => [f.path, f] as const))('%s: every resource property and module output read exists', (_p, file) => {
    expect(unresolvedReads(file)).toEqual([]);
  });

  it.each(files.map((f) => [f.path, f] as const))('%s: declares nothing it does not use', (_p, file) => {
    expect(unusedDeclarations(file)).toEqual([]);
  });

  it('finds something to check (the chains and names are really being read)', () => {
    const all = files.flatMap((f) => memberChains(f).map((c) => `${c.base}.${c.path.join('.')}`));
    expect(all).toEqual(
      expect.arrayContaining([
        'account.properties.primaryEndpoints.blob',
        'applicationInsights.properties.ConnectionString',
        'identity.outputs.principalId',
        'zones.[].id',
      ]),
    );
  });

  describe('catches', () => {
    const mutated = (rel: string, from: string, to: string): BicepFile => {
      const f = files.find((x) => x.path === `infra/${rel}`);
      expect(f?.source).toContain(from);
      return parseBicepSource((f?.source ?? '').replace(from, to), f?.path);
    };

    it('a misspelled parameter', () => {
      expect(
        unresolvedNames(
          mutated('modules/function-app.bicep', 'AZURE_CLIENT_ID: identityClientId', 'AZURE_CLIENT_ID: identityClientID'),
        ).join(),
      ).toContain('identityClientID is not declared');
    });

    it('a misspelled function', () => {
      expect(unresolvedNames(mutated('main.bicep', 'toLower(uniqueString(', 'toLower(uniquestring(')).join()).toContain(
        'unknown function uniquestring()',
      );
    });

    it('a resource property that does not exist', () => {
      expect(
        unresolvedReads(
          mutated(
            'modules/function-app.bicep',
            'applicationInsights.properties.ConnectionString',
            'applicationInsights.properties.connectionString',
          ),
        ).join(),
      ).toContain('did you mean ConnectionString?');
    });

    it('an unused parameter (a property key of the same name does not count as a use)', () => {
      const file = mutated('modules/identity.bicep', 'param tags object = {}', 'param tags object = {}\nparam location2 string');
      expect(unusedDeclarations(parseBicepSource(`${file.source}\nvar v = { location2: 1 }\noutput o object = v\n`, file.path))).toEqual([
        'infra/modules/identity.bicep: location2 is declared but never used',
      ]);
    });

    it('a module output that does not exist', () => {
      expect(unresolvedReads(mutated('main.bicep', 'identity.outputs.clientId', 'identity.outputs.clientID')).join()).toContain(
        'outputs.clientID is not an output of modules/identity.bicep',
      );
    });
  });
});
