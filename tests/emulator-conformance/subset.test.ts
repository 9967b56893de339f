import { describe, expect, it } from 'vitest';
import type { GraphSchema, PropertyShape, StructuredType } from '../../local/graph-emulator/conformance/schema-model';
import { schemaSubset } from '../../local/graph-emulator/conformance/subset';

const G = 'microsoft.graph.';
const value = (type: string, collection = false): PropertyShape => ({ type: `${G}${type}`, collection, navigation: false });
const nav = (type: string, collection = false): PropertyShape => ({ type: `${G}${type}`, collection, navigation: true });

function type(
  name: string,
  kind: 'entity' | 'complex',
  baseType: string | undefined,
  properties: Record<string, PropertyShape>,
): StructuredType {
  return {
    name: `${G}${name}`,
    kind,
    baseType: baseType && `${G}${baseType}`,
    baseTypeSource: baseType ? 'csdl' : 'none',
    properties: new Map(Object.entries(properties)),
  };
}

// A miniature Graph: the root names are those resolve-target knows (deviceManagement, devices).
const full: GraphSchema = {
  version: 'v1.0',
  types: new Map(
    [
      type('entity', 'entity', undefined, { id: { type: 'Edm.String', collection: false, navigation: false } }),
      type('directoryObject', 'entity', 'entity', {}),
      type('device', 'entity', 'directoryObject', {
        alternativeId: value('alternativeId'),
        memberOf: nav('directoryObject', true),
        owner: nav('user'),
      }),
      type('user', 'entity', 'directoryObject', {}),
      type('group', 'entity', 'directoryObject', {}),
      type('alternativeId', 'complex', undefined, {}),
      type('deviceManagement', 'entity', 'entity', { settings: value('settings'), things: nav('thing', true), others: nav('other', true) }),
      type('settings', 'complex', undefined, {}),
      type('thing', 'entity', 'entity', { colour: value('colour'), target: value('target') }),
      type('target', 'complex', undefined, {}),
      type('groupTarget', 'complex', 'target', {}),
      type('other', 'entity', 'entity', {}),
    ].map((t) => [t.name, t]),
  ),
  enums: new Map([[`${G}colour`, new Set(['red'])]]),
  leftOut: new Set(),
};

describe('schemaSubset', () => {
  const subset = schemaSubset(full, [
    { method: 'GET', path: '/deviceManagement/things' },
    { method: 'GET', path: '/devices/{id}' },
    { method: 'GET', path: '/devices/{id}/memberOf' },
  ]);

  it('keeps returned types whole, with bases, structural property types, enums and derived complex types', () => {
    expect([...subset.types.keys()].map((n) => n.slice(G.length))).toEqual([
      'alternativeId',
      'device',
      'deviceManagement',
      'directoryObject',
      'entity',
      'groupTarget',
      'target',
      'thing',
    ]);
    expect([...subset.enums.keys()]).toEqual([`${G}colour`]);
    expect(subset.types.get(`${G}device`)?.properties).toEqual(full.types.get(`${G}device`)?.properties);
  });

  it('keeps a type a path only walks through as a path step with just the properties taken', () => {
    const step = subset.types.get(`${G}deviceManagement`);
    expect(step?.pathStepOnly).toBe(true);
    expect([...(step?.properties.keys() ?? [])]).toEqual(['things']);
  });

  it('lists navigation targets and directory objects it does not keep as left out', () => {
    expect([...subset.leftOut]).toEqual([`${G}group`, `${G}user`]);
  });
});
