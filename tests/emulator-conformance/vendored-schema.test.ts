/**
 * The vendored Graph schema subset (local/graph-emulator/conformance/graph-schema.vendored.json) is
 * what every other conformance test reads. Where Microsoft's full descriptions are present (the
 * reference folder beside the repository), the first test regenerates the subset and fails when
 * the committed file differs; where they are absent it is skipped, and says so.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { descriptionsPresent, openDescriptions, REFERENCE_DESCRIPTIONS_DIR } from '../../local/graph-emulator/conformance/descriptions';
import { buildVendoredDocument, renderVendoredDocument } from '../../local/graph-emulator/conformance/vendor';
import { decodeTypes, encodeTypes, type VendoredDocument } from '../../local/graph-emulator/conformance/vendored-format';
import { readVendoredDocument, VENDORED_SCHEMA_FILE } from '../../local/graph-emulator/conformance/vendored-schema';

const VERSIONS = ['v1.0', 'beta'] as const;
const present = descriptionsPresent();
const STALE = 'the vendored Graph schema is stale: run `npm run graph-schema:vendor` and commit the file';

if (!present) {
  console.warn(
    `SKIPPED one check: whether ${VENDORED_SCHEMA_FILE} is up to date. Microsoft's full Graph descriptions ` +
      `(the reference folder beside the repository) are not at ${REFERENCE_DESCRIPTIONS_DIR}. The other conformance tests read the vendored file.`,
  );
}

/** Which sections and entries differ, so a failure says what changed rather than printing two 70 kB strings. */
function drift(committed: VendoredDocument, expected: VendoredDocument): string[] {
  const found: string[] = [];
  const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
  if (!same(committed.sources, expected.sources))
    found.push('sources: the description files are not the ones it was generated from (sha256)');
  if (!same(committed.about, expected.about)) found.push('about: the header text changed');
  for (const version of VERSIONS) {
    const c = committed.versions[version];
    const e = expected.versions[version];
    for (const section of ['types', 'enums', 'roots', 'paths'] as const) {
      const have: Record<string, unknown> = c[section];
      const want: Record<string, unknown> = e[section];
      for (const key of new Set([...Object.keys(have), ...Object.keys(want)])) {
        if (!(key in have)) found.push(`${version} ${section}: ${key} is missing`);
        else if (!(key in want)) found.push(`${version} ${section}: ${key} is no longer needed`);
        else if (!same(have[key], want[key])) found.push(`${version} ${section}: ${key} differs`);
      }
    }
    for (const section of ['leftOut', 'operations'] as const) {
      if (!same(c[section], e[section])) found.push(`${version} ${section}: differs`);
    }
  }
  return found;
}

describe('vendored Graph schema subset', () => {
  it.skipIf(!present)(
    present
      ? 'is what npm run graph-schema:vendor makes of the descriptions in the reference folder beside the repository'
      : `SKIPPED (full descriptions absent at ${REFERENCE_DESCRIPTIONS_DIR}): is up to date with them`,
    () => {
      const expected = buildVendoredDocument(openDescriptions());
      expect(drift(readVendoredDocument(), expected), STALE).toEqual([]);
      expect(readFileSync(VENDORED_SCHEMA_FILE, 'utf8') === renderVendoredDocument(expected), `${STALE} (formatting differs)`).toBe(true);
    },
  );

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
