/**
 * An admin's approval of proposed actions, carried out at once and recorded in the findings:
 *   - delete-and-reimport: the registration is read again (still there, still this serial) and
 *     deleted; the ledger marks the device for re-import, which the next reconciliation does from
 *     the archived hash once the service has removed the old registration (it takes minutes).
 *   - retag-enrolled: the registration is read again and re-tagged only if its tag is still the
 *     one the survey saw.
 * Approving the same action twice does nothing the second time (its result is recorded). Only
 * actions a survey proposed can be approved: the request names them, it cannot invent one.
 */
import { z } from 'zod';
import { deleteAutopilotDevices, readRegistrationsNow, setGroupTags } from '../graph/autopilot-api';
import type { GraphGateway } from '../graph/gateway';
import { serialKey } from '../ledger/entry';
import type { Ledger } from '../ledger/ledger';
import { CONTAINERS, type ObjectStore } from '../storage/object-store';
import type { ActionResult, Finding, ProposedAction } from './model';
import { PROPOSED_KINDS } from './model';
import type { ReconcileStore } from './store';

export const ApproveRequest = z.union([
  z.object({ all: z.literal(true) }).strict(),
  z
    .object({
      actions: z
        .array(
          z
            .object({
              serialNumber: z.string().min(1),
              kind: z.enum(PROPOSED_KINDS as [ProposedAction['kind'], ...ProposedAction['kind'][]]),
            })
            .strict(),
        )
        .min(1),
    })
    .strict(),
]);
export type ApproveRequest = z.infer<typeof ApproveRequest>;

export interface ApprovalLine {
  serialNumber: string;
  kind: ProposedAction['kind'];
  outcome: ActionResult['outcome'] | 'not-proposed';
  detail?: string;
}

export interface ApproveDeps {
  graph: GraphGateway;
  ledger: Ledger;
  objects: ObjectStore;
  store: ReconcileStore;
  log: (message: string) => void;
}

type Target = { finding: Finding; index: number; action: ProposedAction };

async function carryOut(
  deps: ApproveDeps,
  reconcileId: string,
  now: string,
  targets: readonly Target[],
): Promise<Map<Target, ActionResult>> {
  const out = new Map<Target, ActionResult>();
  const ids = targets.map((t) => ('ztdId' in t.action ? t.action.ztdId : undefined)).filter((id): id is string => !!id);
  const current = await readRegistrationsNow(deps.graph, ids);
  const toDelete: Target[] = [];
  const toTag: Target[] = [];
  for (const t of targets) {
    const a = t.action;
    const now = a.ztdId ? current.get(a.ztdId) : 'gone';
    const reg = typeof now === 'object' ? now : undefined;
    // An answer other than 404 says nothing about the registration: decide nothing on it.
    if (now === 'unknown') out.set(t, { outcome: 'failed', detail: `registration ${a.ztdId} could not be read; approve again` });
    else if (a.kind === 'retag-enrolled') {
      if (!reg) out.set(t, { outcome: 'not-needed', detail: 'the registration is gone' });
      else if ((reg.groupTag ?? '') === a.to) out.set(t, { outcome: 'not-needed', detail: `the tag is "${a.to}" already` });
      else if ((reg.groupTag ?? '') !== a.from)
        out.set(t, { outcome: 'skipped', detail: `the tag changed since the survey (now "${reg.groupTag ?? ''}")` });
      else toTag.push(t);
    } else if (reg && serialKey(reg.serialNumber ?? '') !== serialKey(a.serialNumber)) {
      out.set(t, { outcome: 'skipped', detail: `registration ${a.ztdId} now holds another serial` });
    } else if (reg) toDelete.push(t);
    else out.set(t, { outcome: 'done', detail: 'no registration to delete; the device is imported again by the next reconciliation' });
  }
  const tagged = await setGroupTags(
    deps.graph,
    toTag.map((t) => ({
      id: (t.action as Extract<ProposedAction, { kind: 'retag-enrolled' }>).ztdId,
      groupTag: (t.action as Extract<ProposedAction, { kind: 'retag-enrolled' }>).to,
    })),
  );
  for (const t of toTag) {
    const a = t.action as Extract<ProposedAction, { kind: 'retag-enrolled' }>;
    const r = tagged.get(a.ztdId);
    out.set(
      t,
      r?.ok
        ? { outcome: 'done', detail: `"${a.from}" → "${a.to}"` }
        : { outcome: 'failed', detail: r ? `updateDeviceProperties answered ${r.status} ${r.code}` : 'no answer' },
    );
  }
  const deleted = await deleteAutopilotDevices(
    deps.graph,
    toDelete.map((t) => t.action.ztdId!),
  );
  for (const t of toDelete) {
    const r = deleted.get(t.action.ztdId!);
    out.set(
      t,
      r?.ok || r?.status === 404
        ? {
            outcome: 'done',
            detail: `registration ${t.action.ztdId} deleted; the next reconciliation imports the device again once the service has removed it`,
          }
        : { outcome: 'failed', detail: r ? `DELETE answered ${r.status} ${r.code}` : 'no answer' },
    );
  }
  // The ledger marks re-imports only for deletions that were accepted (or had nothing to delete).
  const marks = [];
  for (const t of targets) {
    if (t.action.kind !== 'delete-and-reimport' || out.get(t)?.outcome !== 'done') continue;
    const entry = await deps.ledger.get(t.action.serialNumber);
    if (entry && !entry.pendingReimport) marks.push({ ...entry, pendingReimport: { approvedAt: now, reconcileId } });
  }
  await deps.ledger.upsert(marks);
  return out;
}

/** `approvedBy`: who approved (an object id or "local"; never a user principal name, which stays out of logs and blobs). */
export async function approveProposals(
  deps: ApproveDeps,
  reconcileId: string,
  request: ApproveRequest,
  now: string,
  approvedBy: string,
): Promise<ApprovalLine[]> {
  const parts = await deps.store.partCount(reconcileId);
  const wanted = 'all' in request ? undefined : new Set(request.actions.map((a) => `${serialKey(a.serialNumber)}/${a.kind}`));
  const matched = new Set<string>();
  const lines: ApprovalLine[] = [];
  for (let part = 0; part < parts; part++) {
    const findings = await deps.store.readPart(reconcileId, part);
    const targets: Target[] = [];
    for (const finding of findings) {
      finding.proposed.forEach((action, index) => {
        const key = `${serialKey(action.serialNumber)}/${action.kind}`;
        if (wanted && !wanted.has(key)) return;
        matched.add(key);
        const earlier = finding.approvals?.[index];
        if (earlier && earlier.outcome !== 'failed')
          lines.push({
            serialNumber: action.serialNumber,
            kind: action.kind,
            outcome: 'not-needed',
            detail: `approved before (${earlier.at}): ${earlier.outcome}`,
          });
        else targets.push({ finding, index, action });
      });
    }
    if (targets.length === 0) continue;
    const results = await carryOut(deps, reconcileId, now, targets);
    for (const t of targets) {
      const r = results.get(t)!;
      const approvals = t.finding.proposed.map((_, i) => t.finding.approvals?.[i] ?? null);
      approvals[t.index] = { ...r, at: now, by: approvedBy };
      t.finding.approvals = approvals;
      lines.push({ serialNumber: t.action.serialNumber, kind: t.action.kind, ...r });
    }
    await deps.store.writePart(reconcileId, part, findings);
  }
  for (const key of wanted ?? []) {
    if (matched.has(key)) continue;
    const [serialNumber, kind] = key.split('/') as [string, ProposedAction['kind']];
    lines.push({ serialNumber, kind, outcome: 'not-proposed', detail: `${reconcileId} proposed no ${kind} for this serial` });
  }
  const audit = lines.map((l) => JSON.stringify({ at: now, by: approvedBy, ...l })).join('\n');
  if (audit) await appendAudit(deps.objects, reconcileId, audit);
  deps.log(`reconciliation ${reconcileId}: ${lines.length} approvals (${lines.filter((l) => l.outcome === 'done').length} done)`);
  return lines;
}

/** Who approved what, when, and what came of it: autopilot-reports/{reconcileId}/approvals.ndjson. */
async function appendAudit(objects: ObjectStore, reconcileId: string, text: string): Promise<void> {
  const path = `${reconcileId}/approvals.ndjson`;
  for (;;) {
    const existing = await objects.get(CONTAINERS.reports, path);
    const body = existing ? `${existing.data.toString('utf8')}\n${text}` : text;
    if (await objects.putIf(CONTAINERS.reports, path, body, existing ? existing.etag : null)) return;
  }
}
