/**
 * Imports again, from the archived file, the devices an admin approved re-importing once their old
 * registration is gone. The hash is read from the archive (never from the ledger, which holds only
 * a digest) through the same CSV reader the intake uses, and sent with the importId
 * `{reconcileId}-r`, so the records are recognisably this reconciliation's. Before sending, the
 * tenant's import list (walked once for the part) is checked for this importId: a device already
 * sent by an earlier attempt of the step is not sent again. The ledger then records the device as
 * this reconciliation's, pending until a later survey finds it in order.
 */
import { importDevices, type DeviceToImport, type ImportRecord } from '../../graph/autopilot-api';
import type { GraphGateway } from '../../graph/gateway';
import { readIntakeCsv } from '../../intake';
import { serialKey } from '../../ledger/entry';
import type { Ledger } from '../../ledger/ledger';
import type { ObjectStore } from '../../storage/object-store';
import { done, failed, notNeeded, type Pending } from './pending';

/** Devices per import call (the pipeline's chunks are larger; re-imports are few). */
const PER_CALL = 100;

export const reimportIdOf = (reconcileId: string) => `${reconcileId}-r`;

/**
 * The valid rows at `lines`, each with the serials it answers to: the row's and the one inside its
 * hash. The ledger holds the serial Autopilot registers (the hash's, ledger/record-run.ts), which a
 * row may misspell (the intake imports it with a warning); the import carries the row's, as the
 * intake sent it, so its record holds that one. Matching on the row's serial alone failed such a
 * device for ever, and missed its record on a re-run.
 */
async function rowsAt(
  objects: ObjectStore,
  archivedPath: string,
  lines: ReadonlySet<number>,
): Promise<Map<number, { device: DeviceToImport; serials: Set<string> }>> {
  const slash = archivedPath.indexOf('/');
  const stream = await objects.openRead(archivedPath.slice(0, slash), archivedPath.slice(slash + 1));
  const found = new Map<number, { device: DeviceToImport; serials: Set<string> }>();
  if (!stream) return found;
  for await (const event of readIntakeCsv(stream)) {
    if (event.kind !== 'row' || event.row.status !== 'valid' || !lines.has(event.row.line)) continue;
    const r = event.row;
    const device = {
      serialNumber: r.serialNumber,
      hardwareHash: r.hardwareHash,
      ...(r.productKey ? { productKey: r.productKey } : {}),
      ...(r.groupTag ? { groupTag: r.groupTag } : {}),
      ...(r.assignedUser ? { assignedUser: r.assignedUser } : {}),
    };
    found.set(r.line, { device, serials: new Set([serialKey(r.serialNumber), serialKey(r.hashSerialNumber)]) });
  }
  return found;
}

export async function reimportApproved(
  deps: { graph: GraphGateway; ledger: Ledger; objects: ObjectStore },
  reconcileId: string,
  now: string,
  listed: ReadonlyMap<string, ImportRecord>,
  pending: readonly Pending<'reimport'>[],
): Promise<number> {
  const importId = reimportIdOf(reconcileId);
  const sentBefore = new Set([...listed.values()].filter((r) => r.importId === importId).map((r) => serialKey(r.serialNumber ?? '')));
  const byFile = new Map<string, Pending<'reimport'>[]>();
  for (const p of pending) {
    const entry = await deps.ledger.get(p.action.serialNumber);
    if (!entry?.pendingReimport) p.settle(notNeeded('no re-import is pending for the device'));
    else byFile.set(p.action.archivedPath, [...(byFile.get(p.action.archivedPath) ?? []), p]);
  }
  let writes = 0;
  const sent: Pending<'reimport'>[] = [];
  for (const [path, group] of byFile) {
    const rows = await rowsAt(deps.objects, path, new Set(group.map((p) => p.action.line)));
    const toSend: { p: Pending<'reimport'>; device: DeviceToImport }[] = [];
    for (const p of group) {
      const row = rows.get(p.action.line);
      const holds = row?.serials.has(serialKey(p.action.serialNumber)) ?? false;
      if (sentBefore.has(serialKey(p.action.serialNumber)) || (holds && [...row!.serials].some((s) => sentBefore.has(s)))) sent.push(p);
      else if (!row || !holds) p.settle(failed(`line ${p.action.line} of ${path} no longer holds the device's valid row`));
      else toSend.push({ p, device: row.device });
    }
    for (let i = 0; i < toSend.length; i += PER_CALL) {
      const slice = toSend.slice(i, i + PER_CALL);
      const answer = await importDevices(
        deps.graph,
        importId,
        slice.map((s) => s.device),
      );
      writes++;
      if (answer.ok) sent.push(...slice.map((s) => s.p));
      else for (const s of slice) s.p.settle(failed(`import answered ${answer.status} ${answer.code}`));
    }
  }
  const updates = [];
  for (const p of sent) {
    const entry = await deps.ledger.get(p.action.serialNumber);
    if (!entry) continue;
    // The old registration's ids are stale now; the next survey reads the new ones from the tenant.
    const { pendingReimport: _approved, lateSuccessAt: _late, ztdId: _ztd, aadDeviceId: _aad, ...rest } = entry;
    updates.push({
      ...rest,
      runId: reconcileId,
      sourceKind: 'reconciliation' as const,
      import: { outcome: 'imported' as const, at: now },
      confirm: { outcome: 'pending' as const },
      recordedAt: now,
    });
    p.settle(done(`imported again with importId ${importId}`));
  }
  await deps.ledger.upsert(updates);
  return writes;
}
