/**
 * `npm run doctor`: can this deployment work against this tenant? Runs the preflight
 * (shared/preflight) and prints one line per check, ✔ / ! / ✘, with the fix under each problem;
 * exits 1 when something must be fixed before the first drop.
 *
 *   npm run doctor                                        the running `npm start` stack (its emulated tenant)
 *   npm run doctor -- --graph https://graph.microsoft.com a real tenant, signed in with `az login`
 *                                                         (DefaultAzureCredential); expected ids from
 *                                                         EXPECTED_GROUP_IDS / EXPECTED_PROFILE_ID / EXPECTED_ESP_ID
 *                                                         or --group / --profile / --esp
 * Run against a real tenant as yourself, it shows what YOUR token may do; the Function App's own view
 * (its managed identity) is GET /api/health on the deployed app.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { withBaselineExpected } from '../shared/baseline/app-config';
import { ConfigError, loadConfig } from '../shared/config';
import { createClientGateway } from '../shared/graph/client-gateway';
import { tokenSource } from '../shared/graph/token-source';
import { runPreflight } from '../shared/preflight/preflight';
import { renderPreflight } from '../shared/preflight/render';
import { stackAppSettings } from './stack';
import { STACK_FILE } from './stack-file';

const StackFile = z.object({ graphUrl: z.string().url(), connectionString: z.string(), baselineFile: z.string().optional() });

function environment(values: { graph?: string; group?: string; profile?: string; esp?: string }): Record<string, string | undefined> {
  const overrides = {
    ...(values.group ? { EXPECTED_GROUP_IDS: values.group } : {}),
    ...(values.profile ? { EXPECTED_PROFILE_ID: values.profile } : {}),
    ...(values.esp ? { EXPECTED_ESP_ID: values.esp } : {}),
  };
  if (values.graph)
    return { ...process.env, GRAPH_ENDPOINT: values.graph, GRAPH_AUTH: process.env.GRAPH_AUTH ?? 'default-azure-credential', ...overrides };
  if (!existsSync(STACK_FILE))
    throw new Error(
      `no local stack found (${STACK_FILE}): start one with \`npm start\`, or point at a tenant with --graph https://graph.microsoft.com`,
    );
  const stack = StackFile.parse(JSON.parse(readFileSync(STACK_FILE, 'utf8')));
  return {
    ...stackAppSettings(stack.connectionString, stack.graphUrl, Object.keys(overrides).length ? undefined : stack.baselineFile),
    ...overrides,
  };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      graph: { type: 'string' },
      group: { type: 'string' },
      profile: { type: 'string' },
      esp: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  let config;
  try {
    config = loadConfig(environment(values), { storage: false });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stdout.write(`✘ Configuration\n${error.problems.map((p) => `    ${p}`).join('\n')}\n`);
    return 1;
  }
  const tokens = tokenSource(config.graph.auth);
  const graph = createClientGateway({ endpoint: config.graph.endpoint, tokens, intuneBudget: config.graph.intuneBudget });
  try {
    config = await withBaselineExpected(config, graph);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stdout.write(`✘ Configuration\n${error.problems.map((p) => `    ${p}`).join('\n')}\n`);
    return 1;
  }
  const report = await runPreflight(
    { graph, token: () => tokens.getToken() },
    { expected: config.settings.expected, endpoint: config.graph.endpoint, notifyProblems: config.notifyProblems },
  );
  process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : `✔ Configuration is valid\n${renderPreflight(report)}`);
  return report.ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`doctor: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  },
);
