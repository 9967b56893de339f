/**
 * npm run graph-schema:vendor -- --descriptions <graph-openapi dir> [--check]   (or GRAPH_DESCRIPTIONS_DIR)
 *
 * Regenerates local/graph-emulator/conformance/graph-schema.vendored.json from Microsoft's full
 * Graph descriptions (a graph-openapi/ folder, not part of the repository).
 * Run it after changing the emulator's routes or the product's Graph operations, and commit the
 * result. With --check it writes nothing and fails, naming what differs, when the committed file is
 * stale. Tests never read the descriptions (they are not part of a clone), so this is the check.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { openDescriptions } from '../local/graph-emulator/conformance/descriptions';
import { buildVendoredDocument, renderVendoredDocument, vendoredDrift } from '../local/graph-emulator/conformance/vendor';
import { readVendoredDocument, VENDORED_SCHEMA_FILE } from '../local/graph-emulator/conformance/vendored-schema';
import { cliOption, runCli } from './cli';

runCli((argv) => {
  const descriptions = openDescriptions(cliOption(argv, '--descriptions'));
  const expected = buildVendoredDocument(descriptions);
  const text = renderVendoredDocument(expected);
  const file = path.relative(process.cwd(), VENDORED_SCHEMA_FILE);
  if (argv.includes('--check')) {
    const found = vendoredDrift(readVendoredDocument(), expected);
    if (found.length === 0 && readFileSync(VENDORED_SCHEMA_FILE, 'utf8') !== text) found.push('the formatting differs');
    if (found.length > 0) throw new Error(`${file} is stale (run npm run graph-schema:vendor and commit it):\n  ${found.join('\n  ')}`);
    console.log(`${file} is what ${descriptions.dir} gives`);
    return;
  }
  writeFileSync(VENDORED_SCHEMA_FILE, text);
  console.log(`wrote ${file} (${text.length} bytes) from ${descriptions.dir}`);
});
