/**
 * A device its run reported failed (by a deadline) that is in order now: the ledger records when
 * it was found so, and the run gets a follow-up note next to its report — the report itself stays
 * as the run wrote it. A device re-imported by a reconciliation and now in order is confirmed.
 * Both are checked against the ledger first, so a re-run changes nothing twice.
 */
import type { LedgerEntry } from '../../ledger/entry';
import type { Ledger } from '../../ledger/ledger';
import { CONTAINERS, type ObjectStore } from '../../storage/object-store';
import { done, notNeeded, type Pending } from './pending';

export function followUpPath(runId: string): string {
  return `${runId}/follow-up.md`;
}

const HEADING = (runId: string) =>
  `# Follow-up for ${runId}\n\nDevices this run reported failed that a later reconciliation found in order.\n\n| Serial number | Reported | In order since | Found by |\n| --- | --- | --- | --- |\n`;

/** Appends rows for serials not yet in the note (ETag-conditional, so two writers never lose a row). */
async function appendFollowUp(objects: ObjectStore, runId: string, rows: readonly { serial: string; line: string }[]): Promise<void> {
  for (;;) {
    const existing = await objects.get(CONTAINERS.reports, followUpPath(runId));
    const text = existing ? existing.data.toString('utf8') : HEADING(runId);
    const missing = rows.filter((r) => !text.includes(`| ${r.serial} |`));
    if (missing.length === 0) return;
    if (
      await objects.putIf(
        CONTAINERS.reports,
        followUpPath(runId),
        text + missing.map((r) => r.line).join(''),
        existing ? existing.etag : null,
      )
    )
      return;
  }
}

export async function markLateSuccesses(
  deps: { ledger: Ledger; objects: ObjectStore },
  reconcileId: string,
  now: string,
  pending: readonly Pending<'mark-late-success'>[],
): Promise<number> {
  const updates: LedgerEntry[] = [];
  const notes = new Map<string, { serial: string; line: string }[]>();
  for (const p of pending) {
    const entry = await deps.ledger.get(p.action.serialNumber);
    if (!entry || entry.runId !== p.action.runId) {
      p.settle(notNeeded('a later run handled the device since'));
    } else if (entry.confirm.outcome === 'pending') {
      updates.push({ ...entry, confirm: { outcome: 'confirmed', at: now } });
      p.settle(done('re-imported device confirmed'));
    } else if (entry.confirm.outcome === 'confirmed' || entry.lateSuccessAt) {
      p.settle(notNeeded('already recorded'));
    } else {
      updates.push({ ...entry, lateSuccessAt: now });
      const reported = `${entry.confirm.code ?? 'failed'}${entry.confirm.stage ? ` at ${entry.confirm.stage}` : ''}`;
      const rows = notes.get(entry.runId) ?? [];
      rows.push({ serial: entry.serialNumber, line: `| ${entry.serialNumber} | ${reported} | ${now} | ${reconcileId} |\n` });
      notes.set(entry.runId, rows);
      p.settle(done(`recorded; follow-up in ${CONTAINERS.reports}/${followUpPath(entry.runId)}`));
    }
  }
  // The notes first: a crash after them and before the ledger write repeats nothing visible.
  for (const [runId, rows] of notes) await appendFollowUp(deps.objects, runId, rows);
  await deps.ledger.upsert(updates);
  return 0;
}
