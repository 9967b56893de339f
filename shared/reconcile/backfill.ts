/**
 * The first reconciliation of a deployment that ran intakes before the ledger existed: every
 * intake run's report.json in autopilot-reports is read back into ledger entries, one report at a
 * time and each parsed whole (~250 MB peak for a 10,000-device report; it runs once per deployment;
 * no hash digest: reports never held hashes). A marker keeps it to once.
 */
import { z } from 'zod';
import { sourceKindOf, type LedgerEntry } from '../ledger/entry';
import type { Ledger } from '../ledger/ledger';
import { CONTAINERS, type ObjectStore } from '../storage/object-store';

export const BACKFILL_MARKER = 'backfilled-from-reports';
const LOOKUPS_AT_ONCE = 32;

const Row = z.object({
  line: z.number(),
  status: z.string(),
  serialNumber: z.string().optional(),
  groupTag: z.string().optional(),
  device: z
    .object({
      importStatus: z.string(),
      alreadyRegistered: z.boolean().optional(),
      hashSerialNumber: z.string().optional(),
      hashDigest: z.string().optional(),
      ztdId: z.string().optional(),
      aadDeviceId: z.string().optional(),
      result: z.string().optional(),
      failure: z.object({ code: z.string(), stage: z.string() }).optional(),
      at: z.object({ imported: z.string().optional(), finished: z.string().optional() }).passthrough(),
    })
    .passthrough()
    .optional(),
});
const Report = z
  .object({ runId: z.string(), source: z.object({ name: z.string() }), generatedAt: z.string(), rows: z.array(Row) })
  .passthrough();

export async function backfillFromReports(
  ledger: Ledger,
  objects: ObjectStore,
  expected: LedgerEntry['expected'],
  now: string,
): Promise<number> {
  if (await ledger.getMarker(BACKFILL_MARKER)) return 0;
  let written = 0;
  for await (const name of objects.list(CONTAINERS.reports, 'intake-')) {
    if (!name.endsWith('/report.json')) continue;
    const blob = await objects.get(CONTAINERS.reports, name);
    if (!blob) continue;
    const report = Report.safeParse(JSON.parse(blob.data.toString('utf8')));
    if (!report.success) continue; // not a report this app wrote
    const entries: LedgerEntry[] = [];
    for (const row of report.data.rows) {
      const d = row.device;
      if (!d || !row.serialNumber || (d.importStatus !== 'complete' && !d.alreadyRegistered)) continue;
      entries.push({
        serialNumber: d.hashSerialNumber ?? row.serialNumber,
        ...(d.hashDigest ? { hashDigest: d.hashDigest } : {}),
        runId: report.data.runId,
        sourceKind: sourceKindOf(report.data.source.name),
        ...(row.groupTag ? { groupTag: row.groupTag } : {}),
        // The expectations of a run are not in its report: today's settings stand in for them.
        expected,
        ...(d.ztdId ? { ztdId: d.ztdId } : {}),
        ...(d.aadDeviceId ? { aadDeviceId: d.aadDeviceId } : {}),
        import: {
          outcome: d.importStatus === 'complete' ? 'imported' : 'already-registered',
          ...(d.at.imported ? { at: d.at.imported } : {}),
        },
        confirm: {
          outcome: d.result === 'confirmed' ? 'confirmed' : 'failed',
          ...(d.failure ? { code: d.failure.code, stage: d.failure.stage } : {}),
          ...(d.at.finished ? { at: d.at.finished } : {}),
        },
        recordedAt: now,
      });
    }
    // An entry a later run wrote stays: backfill never replaces what the ledger already holds.
    // Point reads in parallel windows: one at a time, 10,000 of them took 100 s of the first reconciliation.
    const missing: LedgerEntry[] = [];
    for (let i = 0; i < entries.length; i += LOOKUPS_AT_ONCE) {
      const window = entries.slice(i, i + LOOKUPS_AT_ONCE);
      const held = await Promise.all(window.map((e) => ledger.get(e.serialNumber)));
      window.forEach((e, k) => {
        if (!held[k]) missing.push(e);
      });
    }
    await ledger.upsert(missing);
    written += missing.length;
  }
  await ledger.setMarker(BACKFILL_MARKER, now);
  return written;
}
