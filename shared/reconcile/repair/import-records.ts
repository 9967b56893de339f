/**
 * Deletes the pipeline's own settled import records the survey found left behind. Checked against
 * the tenant's list right before acting (one walk for the part): a record gone since is not needed,
 * one whose state or importId changed is skipped. A DELETE's answer proves nothing for this entity
 * (autopilot-api.ts), so a record counts as deleted once a second walk no longer lists it.
 */
import { deleteImportRecords, importRecordsStillThere, type ImportRecord } from '../../graph/autopilot-api';
import type { GraphGateway } from '../../graph/gateway';
import { done, failed, notNeeded, skipped, type Pending } from './pending';

export async function deleteLeftoverRecords(
  graph: GraphGateway,
  listed: ReadonlyMap<string, ImportRecord>,
  pending: readonly Pending<'delete-import-record'>[],
): Promise<number> {
  const toDelete: Pending<'delete-import-record'>[] = [];
  for (const p of pending) {
    const now = listed.get(p.action.recordId);
    const status = now?.state?.deviceImportStatus ?? 'unknown';
    if (!now) p.settle(notNeeded('no longer listed'));
    else if (now.importId !== p.action.importId) p.settle(skipped(`the record now belongs to import ${now.importId ?? 'none'}`));
    else if (status !== 'complete' && status !== 'error') p.settle(skipped(`the record is ${status} now`));
    else toDelete.push(p);
  }
  if (toDelete.length === 0) return 0;
  const { asked, failures } = await deleteImportRecords(
    graph,
    toDelete.map((p) => p.action.recordId),
  );
  const refused = new Map(failures.map((f) => [f.id, f]));
  const stillThere = await importRecordsStillThere(graph, new Set(asked));
  for (const p of toDelete) {
    const f = refused.get(p.action.recordId);
    if (f) p.settle(failed(`DELETE answered ${f.status} ${f.code}`));
    else if (stillThere.has(p.action.recordId))
      p.settle(failed('still listed after the DELETE was accepted; the next reconciliation tries again'));
    else p.settle(done());
  }
  return toDelete.length;
}
