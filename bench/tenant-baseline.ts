/**
 * npx tsx bench/tenant-baseline.ts [--devices 1000,20000]
 *
 * `npm run baseline` on the Graph emulator (time scale 0) with N registered Autopilot devices: the
 * first plan (everything to create, blast radius estimated from the rule), the apply, and the plan
 * right after (nothing to do, blast radius over live membership of the applied group), and the
 * read-only preconditions plan and apply report beside them. Prints wall
 * time and Graph round trips per step; docs/PERFORMANCE.md records the figures.
 */
import { parseArgs } from 'node:util';
import { ADMIN_APPLY_SCOPES, delegatedToken } from '../local/admin-token';
import { startGraphEmulator } from '../local/graph-emulator';
import { applyPlan } from '../shared/baseline/apply';
import { blastRadius } from '../shared/baseline/blast';
import { defaultBaseline } from '../shared/baseline/default';
import { diff } from '../shared/baseline/diff';
import { readFleet } from '../shared/baseline/fleet';
import { readPreconditions } from '../shared/baseline/preconditions';
import { readTenant } from '../shared/baseline/tenant-graph';
import { createClientGateway } from '../shared/graph/client-gateway';

async function measure(devices: number): Promise<void> {
  const emu = await startGraphEmulator({ timeScale: 0, seed: { generatedDevices: { count: devices, serialPrefix: 'TB', groupTag: '' } } });
  try {
    const token = delegatedToken(ADMIN_APPLY_SCOPES);
    const graph = createClientGateway({ endpoint: emu.url, tokens: { getToken: async () => token } });
    const baseline = defaultBaseline();
    let seen = emu.requestLog(0, 1).next;
    const step = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
      const started = performance.now();
      const result = await work();
      const log = emu.requestLog(seen, 1_000_000, false);
      seen = log.next;
      console.log(JSON.stringify({ devices, step: name, ms: Math.round(performance.now() - started), roundTrips: log.entries.length }));
      return result;
    };
    const plan = async () => {
      const read = await readTenant(graph, baseline);
      const p = diff(baseline, read.tenant);
      return { read, plan: p, blast: blastRadius(baseline, p, read.tenant, await readFleet(graph, baseline, read.tenant, p)) };
    };
    const first = await step('plan (empty tenant)', plan);
    await step('apply', () => applyPlan(graph, baseline, first.plan, first.read.tenant));
    const second = await step('plan (after apply)', plan);
    await step('preconditions (read only)', () => readPreconditions(graph));
    console.log(JSON.stringify({ devices, firstBlast: first.blast, secondSteps: second.plan.steps.length, secondBlast: second.blast }));
  } finally {
    await emu.stop();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { devices: { type: 'string', default: '1000,20000' } } });
  for (const n of values.devices.split(',').map(Number)) await measure(n);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
