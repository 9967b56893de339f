/**
 * The repair step of a reconciliation, one findings part per call: every auto action without a
 * result (or whose last attempt failed) is checked against the tenant as it is now and carried out
 * by its handler; the results are written back into the part. A step re-run after a crash finds the
 * results of the first attempt only if it finished — so every handler is check-then-act and a
 * repeated action finds itself not needed. Proposed actions are never carried out here.
 */
import type { RepairInput, RepairResult } from '../../contracts/reconcile';
import { findImportRecords, type ImportRecord } from '../../graph/autopilot-api';
import type { GraphGateway } from '../../graph/gateway';
import type { Ledger } from '../../ledger/ledger';
import type { ObjectStore } from '../../storage/object-store';
import { ownerOf } from '../classify';
import type { ActionResult, AutoAction } from '../model';
import type { ReconcileStore } from '../store';
import { restoreGroupTags } from './group-tags';
import { deleteLeftoverRecords } from './import-records';
import { markLateSuccesses } from './late-success';
import { done, failed, notNeeded, type Pending } from './pending';
import { reimportApproved } from './reimport';

export interface RepairDeps {
  graph: GraphGateway;
  ledger: Ledger;
  objects: ObjectStore;
  store: ReconcileStore;
  log: (message: string) => void;
}

type ByKind = { [K in AutoAction['kind']]: Pending<K>[] };

export async function runReconcileRepair(deps: RepairDeps, input: RepairInput): Promise<RepairResult> {
  const { reconcileId, part, now } = input;
  const findings = await deps.store.readPart(reconcileId, part);
  const byKind: ByKind = { 'delete-import-record': [], 'request-sync': [], 'restore-group-tag': [], 'mark-late-success': [], reimport: [] };
  for (const finding of findings) {
    const results: (ActionResult | null)[] = finding.auto.map((_, i) => finding.results?.[i] ?? null);
    finding.results = results;
    finding.auto.forEach((action, i) => {
      if (results[i] && results[i]!.outcome !== 'failed') return;
      const settle = (result: ActionResult) => void (results[i] = result);
      (byKind[action.kind] as Pending[]).push({ action, finding, settle } as Pending);
    });
  }

  for (const p of byKind['request-sync']) {
    const s = input.sync;
    // `waiting`: a sync ran or was asked for minutes ago (the gate's window) — these devices get it too.
    p.settle(
      !s
        ? failed('no sync was requested')
        : s.status === 'refused'
          ? failed(s.note)
          : s.status === 'waiting'
            ? notNeeded(`no new sync: ${s.note}`)
            : done(s.note),
    );
  }
  // The import list is walked once for the part, and only when a handler needs it.
  let listed: Map<string, ImportRecord> | undefined;
  if (byKind['delete-import-record'].length + byKind.reimport.length > 0) {
    // The records the part means to delete are kept whatever their importId is now: one that changed
    // hands since the survey must be seen and skipped, not taken for gone ("not needed").
    const wanted = new Set(byKind['delete-import-record'].map((p) => p.action.recordId));
    listed = new Map(
      (
        await findImportRecords(deps.graph, (importId, r) => ownerOf(importId) !== undefined || wanted.has(r.id), { withoutHashes: true })
      ).map((r) => [r.id, r]),
    );
  }
  let writes = 0;
  writes += await deleteLeftoverRecords(deps.graph, listed ?? new Map(), byKind['delete-import-record']);
  writes += await restoreGroupTags(deps.graph, byKind['restore-group-tag']);
  writes += await markLateSuccesses(deps, reconcileId, now, byKind['mark-late-success']);
  writes += await reimportApproved(deps, reconcileId, now, listed ?? new Map(), byKind.reimport);
  await deps.store.writePart(reconcileId, part, findings);

  for (const kind of Object.keys(byKind) as AutoAction['kind'][]) {
    for (const p of byKind[kind] as Pending[]) {
      if (!p.finding.results?.[p.finding.auto.indexOf(p.action)])
        throw new Error(`reconciliation ${reconcileId}: a ${kind} action was left without a result`);
    }
  }
  // The tally is the part's (every result written into it), not only this attempt's: a retry of the
  // step after a crash that lost its first answer but not its results must not report zero.
  const tally: RepairResult = { done: 0, notNeeded: 0, skipped: 0, failed: 0, writes, reimported: 0 };
  for (const f of findings) {
    for (const [i, r] of (f.results ?? []).entries()) {
      if (!r) continue;
      if (r.outcome === 'done' && f.auto[i]?.kind === 'reimport') tally.reimported!++;
      if (r.outcome === 'done') tally.done++;
      else if (r.outcome === 'not-needed') tally.notNeeded++;
      else if (r.outcome === 'skipped') tally.skipped++;
      else tally.failed++;
    }
  }
  deps.log(
    `reconciliation ${reconcileId} part ${part}: ${tally.done} done, ${tally.notNeeded} not needed, ${tally.skipped} skipped, ${tally.failed} failed; ${writes} writes`,
  );
  return tally;
}
