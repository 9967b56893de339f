/**
 * The vendored Graph schema subset (local/graph-emulator/conformance/graph-schema.vendored.json) is
 * what every other conformance test reads. Whether it is up to date with Microsoft's full
 * descriptions (the reference folder beside the repository, never read by tests) is checked by
 * `npm run graph-schema:vendor -- --check`; here, that the check names what differs, and that the
 * committed file reads back whole.
 */
import { describe, expect, it } from 'vitest';
import { renderVendoredDocument, vendoredDrift } from '../../local/graph-emulator/conformance/vendor';
import { decodeTypes, encodeTypes, VendoredDocument } from '../../local/graph-emulator/conformance/vendored-format';
import { readVendoredDocument } from '../../local/graph-emulator/conformance/vendored-schema';

const VERSIONS = ['v1.0', 'beta'] as const;
const copy = (document: VendoredDocument): VendoredDocument => VendoredDocument.parse(JSON.parse(renderVendoredDocument(document)));

describe('vendored Graph schema subset', () => {
  it('the staleness check names each entry that differs, and nothing for the same document', () => {
    const committed = readVendoredDocument();
    expect(vendoredDrift(committed, copy(committed))).toEqual([]);

    const changed = copy(committed);
    const [first, second] = Object.keys(changed.versions.beta.types);
    delete changed.versions.beta.types[first!];
    changed.versions['v1.0'].paths = {};
    changed.about = ['edited'];
    const types = changed.versions.beta.types as Record<string, unknown>;
    types[second!] = { edited: true };
    types['microsoft.graph.notThere'] = {};
    const found = vendoredDrift(changed, committed);
    expect(found).toContain(`beta types: ${first} is missing`);
    expect(found).toContain(`beta types: ${second} differs`);
    expect(found).toContain('beta types: microsoft.graph.notThere is no longer needed');
    expect(found).toContain('about: the header text changed');
    expect(found.filter((line) => line.startsWith('v1.0 paths: ')).length).toBe(Object.keys(committed.versions['v1.0'].paths).length);
  });

  it('reads back what it writes, and leaves out nothing it keeps', () => {
    const document = readVendoredDocument();
    for (const version of VERSIONS) {
      const schema = decodeTypes(version, document.versions[version]);
      expect(decodeTypes(version, { ...document.versions[version], ...encodeTypes(schema) })).toEqual(schema);
      expect(
        [...schema.leftOut].filter((name) => schema.types.has(name)),
        `${version}: both kept and left out`,
      ).toEqual([]);
      const missingBases = [...schema.types.values()]
        .filter((t) => t.baseType !== undefined && !schema.types.has(t.baseType))
        .map((t) => t.name);
      expect(missingBases, `${version}: types whose base type is not kept`).toEqual([]);
    }
  });
});
