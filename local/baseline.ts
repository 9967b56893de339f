/**
 * `npm run baseline -- <command>`: the tenant baseline as code (baseline/tenant.json).
 *
 *   init [--force]               write the tutorial default (steps 2–6) to the baseline file
 *   schema                       regenerate docs/schemas/baseline-v1.schema.json from the zod schema
 *   plan [--adopt] [--json]      read the tenant, print what apply would change;
 *                                exit 0 = no drift, 2 = drift (changes or conflicts), 1 = error
 *   apply [--adopt] [--allow-replace]
 *                                snapshot every object the plan touches, make exactly the planned
 *                                changes, plan again; exit 0 = converged, 2 = drift left, 1 = refused/error
 *
 * Options: --file <path> (default baseline/tenant.json); --snapshot-dir <dir> (default
 * baseline/snapshots, git-ignored). --graph https://graph.microsoft.com for a real tenant, signed in
 * as an administrator through DefaultAzureCredential (`az login`, or device code) — never the
 * Function App's managed identity. Without --graph: the running `npm start` stack's emulated
 * tenant; --graph http://127.0.0.1:<port> names an emulator directly. Locally the calls carry a
 * delegated admin token (local/admin-token.ts), so the emulator enforces delegated permissions.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { applyPlan, refusal, snapshotOf } from '../shared/baseline/apply';
import { blastRadius, renderBlastRadius } from '../shared/baseline/blast';
import { readFleet } from '../shared/baseline/fleet';
import { diff } from '../shared/baseline/diff';
import { BASELINE_SCHEMA_FILE, DEFAULT_BASELINE_FILE, initBaseline, readBaseline, renderBaselineSchema } from '../shared/baseline/files';
import { hasDrift } from '../shared/baseline/plan';
import { preconditionRefusal, readPreconditions, renderPreconditions } from '../shared/baseline/preconditions';
import { renderPlan } from '../shared/baseline/render';
import { readTenant } from '../shared/baseline/tenant-graph';
import { createClientGateway } from '../shared/graph/client-gateway';
import { GraphPermanentError } from '../shared/graph/errors';
import type { GraphGateway } from '../shared/graph/gateway';
import { tokenSource } from '../shared/graph/token-source';
import { ADMIN_APPLY_SCOPES, delegatedToken } from './admin-token';
import { REPO_ROOT } from './stack';
import { STACK_FILE } from './stack-file';

const StackFile = z.object({ graphUrl: z.string().url() });

function isLoopback(url: string): boolean {
  const host = new URL(url).hostname;
  return host === '127.0.0.1' || host === 'localhost' || host === '[::1]';
}

/** The admin's gateway: DefaultAzureCredential for a real tenant, a delegated local token for the emulator. */
export function adminGateway(graph: string | undefined): { graph: GraphGateway; where: string } {
  let endpoint = graph;
  if (!endpoint) {
    if (!existsSync(STACK_FILE))
      throw new Error(
        `no local stack found (${STACK_FILE}): start one with \`npm start\`, or point at a tenant with --graph https://graph.microsoft.com`,
      );
    endpoint = StackFile.parse(JSON.parse(readFileSync(STACK_FILE, 'utf8'))).graphUrl;
  }
  const local = isLoopback(endpoint);
  const token = delegatedToken(ADMIN_APPLY_SCOPES);
  const tokens = local ? { getToken: async () => token } : tokenSource({ kind: 'default-azure-credential', clientId: undefined });
  return {
    graph: createClientGateway({ endpoint, tokens }),
    where: local ? `the emulated tenant at ${endpoint}` : `${endpoint}, signed in as you (DefaultAzureCredential)`,
  };
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      file: { type: 'string' },
      force: { type: 'boolean' },
      graph: { type: 'string' },
      adopt: { type: 'boolean' },
      'allow-replace': { type: 'boolean' },
      'snapshot-dir': { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const command = positionals[0];
  const file = values.file ?? DEFAULT_BASELINE_FILE;
  const out = (text: string) => process.stdout.write(text);
  switch (command) {
    case 'init':
      initBaseline(file, values.force ?? false);
      out(`wrote ${file} (the tutorial default); review it, then \`npm run baseline -- plan\`\n`);
      return 0;
    case 'schema':
      writeFileSync(BASELINE_SCHEMA_FILE, renderBaselineSchema());
      out(`wrote ${BASELINE_SCHEMA_FILE}\n`);
      return 0;
    case 'plan':
    case 'apply': {
      const baseline = readBaseline(file);
      const { graph, where } = adminGateway(values.graph);
      const options = { adopt: values.adopt ?? false };
      const read = await readTenant(graph, baseline);
      const plan = diff(baseline, read.tenant, options);
      const blast =
        plan.steps.length > 0 ? blastRadius(baseline, plan, read.tenant, await readFleet(graph, baseline, read.tenant, plan)) : undefined;
      const preconditions = await readPreconditions(graph);
      if (command === 'plan') {
        out(
          values.json
            ? `${JSON.stringify({ ...plan, ...(blast ? { blastRadius: blast } : {}), preconditions }, null, 2)}\n`
            : `Plan for ${where}:\n${renderPlan(plan)}${blast ? renderBlastRadius(blast) : ''}${renderPreconditions(preconditions)}`,
        );
        return hasDrift(plan) ? 2 : 0;
      }
      out(`Plan for ${where}:\n${renderPlan(plan)}${blast ? renderBlastRadius(blast) : ''}${renderPreconditions(preconditions)}`);
      if (plan.steps.length === 0 && plan.conflicts.length === 0) return 0;
      const why = refusal(plan, values['allow-replace'] ?? false) ?? preconditionRefusal(preconditions, plan);
      if (why) {
        out(`✘ Not applied: ${why}\n`);
        return 1;
      }
      const dir = values['snapshot-dir'] ?? join(REPO_ROOT, 'baseline', 'snapshots');
      mkdirSync(dir, { recursive: true });
      const at = new Date();
      const snapshot = join(dir, `${at.toISOString().replace(/[:.]/g, '-')}.json`);
      writeFileSync(snapshot, `${JSON.stringify(snapshotOf(plan, read.raw, at), null, 2)}\n`);
      out(`Snapshot of the objects it touches: ${snapshot}\n`);
      await applyPlan(graph, baseline, plan, read.tenant, {
        allowReplace: values['allow-replace'] ?? false,
        onStep: (s) => out(`  ✔ ${s.kind} ${s.key}\n`),
      });
      const after = diff(baseline, (await readTenant(graph, baseline)).tenant, options);
      if (hasDrift(after)) {
        out(`Applied, but the tenant still differs:\n${renderPlan(after)}`);
        return 2;
      }
      out('Applied: the tenant matches the baseline.\n');
      return 0;
    }
    default:
      process.stderr.write(
        'usage: npm run baseline -- init|schema|plan|apply [--file baseline/tenant.json] [--graph <url>] (see local/baseline.ts)\n',
      );
      return 1;
  }
}

if (require.main === module)
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      if (error instanceof GraphPermanentError) process.stderr.write(`baseline: ${error.message}\n  fix: ${error.failure.fix}\n`);
      else process.stderr.write(`baseline: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
