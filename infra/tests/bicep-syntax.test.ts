// Every .bicep file under infra/ parses without ERROR or MISSING nodes (tree-sitter-bicep). This is
// a syntax check only; `az bicep build` / `azd provision --preview` remain the real validation.
import { describe, expect, it } from 'vitest';
import { listBicepFiles, parseBicepFile, parseBicepSource, syntaxProblems } from '../lib/bicep-ast';

const files = listBicepFiles();

describe('Bicep syntax', () => {
  it('finds the templates', () => {
    expect(files.map((f) => f.split('/infra/')[1])).toEqual(
      expect.arrayContaining([
        'main.bicep',
        'modules/function-app.bicep',
        'modules/storage.bicep',
        'modules/graph-permissions.bicep',
        'eventgrid/blob-subscription.bicep',
      ]),
    );
  });

  it.each(files.map((f) => [f.split('/infra/')[1] ?? f, f]))('%s parses cleanly', (_name, path) => {
    expect(syntaxProblems(parseBicepFile(path))).toEqual([]);
  });

  it('reports a missing brace and a dangling member access', () => {
    const valid = "resource a 'Microsoft.Storage/storageAccounts@2023-05-01' = {\n  name: 'x'\n  properties: {\n    kind: a.b\n  }\n}\n";
    expect(syntaxProblems(parseBicepSource(valid))).toEqual([]);
    expect(syntaxProblems(parseBicepSource(valid.replace('  }\n}\n', '  }\n'))).length).toBeGreaterThan(0);
    expect(syntaxProblems(parseBicepSource(valid.replace('a.b', 'a.'))).length).toBeGreaterThan(0);
  });

  it('accepts the extension statement the grammar predates, and only that', () => {
    expect(syntaxProblems(parseBicepSource('extension microsoftGraphV1\nparam p string\n'))).toEqual([]);
    expect(syntaxProblems(parseBicepSource('extensionz microsoftGraphV1\nparam p string\n')).length).toBeGreaterThan(0);
  });
});
