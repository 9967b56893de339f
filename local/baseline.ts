/**
 * `npm run baseline -- <command>`: the tenant baseline as code (baseline/tenant.json).
 *
 *   init [--force]           write the tutorial default (steps 2–6) to the baseline file
 *   schema                   regenerate docs/schemas/baseline-v1.schema.json from the zod schema
 *   plan [--adopt]           read the tenant, print what apply would change; exit 0 clean, 2 drift
 *   apply [--adopt] [--allow-replace] [--yes]
 *                            make exactly the planned changes (snapshot first), then plan again
 *
 * Options: --file <path> (default baseline/tenant.json); --graph https://graph.microsoft.com for a
 * real tenant, signed in as an administrator through DefaultAzureCredential (`az login`) — never the
 * Function App's managed identity; without --graph, the running `npm start` stack's emulated tenant.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { BASELINE_SCHEMA_FILE, DEFAULT_BASELINE_FILE, initBaseline, renderBaselineSchema } from '../shared/baseline/files';

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      file: { type: 'string' },
      force: { type: 'boolean' },
    },
  });
  const command = positionals[0];
  const file = values.file ?? DEFAULT_BASELINE_FILE;
  switch (command) {
    case 'init':
      initBaseline(file, values.force ?? false);
      process.stdout.write(`wrote ${file} (the tutorial default); review it, then \`npm run baseline -- plan\`\n`);
      return 0;
    case 'schema':
      writeFileSync(BASELINE_SCHEMA_FILE, renderBaselineSchema());
      process.stdout.write(`wrote ${BASELINE_SCHEMA_FILE}\n`);
      return 0;
    default:
      process.stderr.write('usage: npm run baseline -- init|schema|plan|apply [--file baseline/tenant.json] (see local/baseline.ts)\n');
      return 1;
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`baseline: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
