/**
 * npm run graph-schema:vendor [-- --descriptions <dir>]
 *
 * Regenerates local/graph-emulator/conformance/graph-schema.vendored.json from Microsoft's full
 * Graph descriptions (default: graph-openapi/ in the reference folder beside the repository).
 * Run it after changing the emulator's routes or the product's Graph operations, and commit the
 * result; tests/emulator-conformance/vendored-schema.test.ts fails until you do.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { openDescriptions } from '../local/graph-emulator/conformance/descriptions';
import { buildVendoredDocument, renderVendoredDocument } from '../local/graph-emulator/conformance/vendor';
import { VENDORED_SCHEMA_FILE } from '../local/graph-emulator/conformance/vendored-schema';
import { cliOption, runCli } from './cli';

runCli((argv) => {
  const descriptions = openDescriptions(cliOption(argv, '--descriptions'));
  const text = renderVendoredDocument(buildVendoredDocument(descriptions));
  writeFileSync(VENDORED_SCHEMA_FILE, text);
  console.log(`wrote ${path.relative(process.cwd(), VENDORED_SCHEMA_FILE)} (${text.length} bytes) from ${descriptions.dir}`);
});
