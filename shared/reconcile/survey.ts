/**
 * The survey step of a reconciliation: read the tenant in bulk (tenant-view.ts), then classify every
 * ledger device and every registration the ledger does not hold (classify.ts), and the tenant's
 * import records the pipeline left; the findings go to blobs in parts. Reads only — nothing in the
 * tenant changes here.
 */
import type { RunSettings } from '../contracts/run';
import type { ReconcileStepInput, SurveyResult } from '../contracts/reconcile';
import type { GraphGateway } from '../graph/gateway';
import { serialKey } from '../ledger/entry';
import type { Ledger } from '../ledger/ledger';
import type { RunStore } from '../run/run-store';
import type { ObjectStore } from '../storage/object-store';
import { backfillFromReports } from './backfill';
import { classify, foreign, leftoverRecord, ownerOf } from './classify';
import type { Finding } from './model';
import { FINDINGS_PER_PART, ReconcileStore } from './store';
import { readTenant } from './tenant-view';

export interface SurveyDeps {
  graph: GraphGateway;
  ledger: Ledger;
  objects: ObjectStore;
  runs: RunStore;
  store: ReconcileStore;
  /** What today's intake expects (stands in for the expectations of runs backfilled from reports). */
  expected: RunSettings['expected'];
  log: (message: string) => void;
}

export async function runReconcileSurvey(deps: SurveyDeps, input: ReconcileStepInput): Promise<SurveyResult> {
  const { reconcileId, now } = input;
  const backfilled = await backfillFromReports(deps.ledger, deps.objects, deps.expected, now);
  if (backfilled > 0) deps.log(`reconciliation ${reconcileId}: ${backfilled} ledger entries backfilled from earlier reports`);

  // Pass 1 over the ledger: which groups and profiles the devices were meant to get.
  const groupIds = new Set<string>();
  const profileIds = new Set<string>();
  const ledgerSerials = new Set<string>();
  for await (const e of deps.ledger.entries()) {
    for (const g of e.expected.groupIds) groupIds.add(g);
    if (e.expected.profileId) profileIds.add(e.expected.profileId);
    ledgerSerials.add(serialKey(e.serialNumber));
  }
  const byClass: Record<string, number> = {};
  let part: Finding[] = [];
  let parts = 0;
  let findings = 0;
  let autoActions = 0;
  let proposedActions = 0;
  let needsSync = false;
  const add = async (f: Finding) => {
    byClass[f.class] = (byClass[f.class] ?? 0) + 1;
    autoActions += f.auto.length;
    if (f.auto.some((a) => a.kind === 'request-sync')) needsSync = true;
    proposedActions += f.proposed.length;
    findings++;
    part.push(f);
    if (part.length >= FINDINGS_PER_PART) {
      await deps.store.writePart(reconcileId, parts++, part);
      part = [];
    }
  };
  // The tenant, the registrations the ledger does not hold classified as the walk meets them; then
  // pass 2 over the ledger, then the import records.
  const tenant = await readTenant(deps.graph, {
    groupIds,
    profileIds,
    now,
    stuckMinutes: input.settings.stuckMinutes,
    ours: ledgerSerials,
    foreign: (reg) => add(foreign(reg)),
  });
  for await (const e of deps.ledger.entries()) await add(classify(e, tenant));
  const runsSeen = new Map<string, boolean>();
  for (const record of tenant.importRecords) {
    const owner = ownerOf(record.importId);
    if (owner && !runsSeen.has(owner))
      runsSeen.set(
        owner,
        owner.startsWith('reconcile-') ? await deps.store.exists(owner) : (await deps.runs.readManifest(owner)) !== undefined,
      );
    const f = leftoverRecord(record, (runId) => runsSeen.get(runId) === true);
    if (f) await add(f);
  }
  await deps.store.writePart(reconcileId, parts++, part);
  // A retried survey (the tenant changed in between) may end with fewer parts than the attempt before it.
  await deps.store.dropPartsFrom(reconcileId, parts);
  deps.log(
    `reconciliation ${reconcileId}: ${findings} findings (${Object.entries(byClass)
      .map(([c, n]) => `${n} ${c}`)
      .join(', ')}) from ${tenant.pages} pages of reads`,
  );
  return { reconcileId, parts, findings, byClass, autoActions, proposedActions, pages: tenant.pages, backfilled, needsSync };
}
