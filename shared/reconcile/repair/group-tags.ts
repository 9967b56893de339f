/**
 * Puts the ledger's group tag back on the pipeline's own registrations not yet enrolled. Each
 * registration is read again right before the write: gone, enrolled since, already right, or
 * re-tagged to something else since the survey — each of those is not written.
 */
import { readRegistrationsNow, setGroupTags } from '../../graph/autopilot-api';
import type { GraphGateway } from '../../graph/gateway';
import { done, failed, notNeeded, skipped, type Pending } from './pending';

export async function restoreGroupTags(graph: GraphGateway, pending: readonly Pending<'restore-group-tag'>[]): Promise<number> {
  if (pending.length === 0) return 0;
  const current = await readRegistrationsNow(
    graph,
    pending.map((p) => p.action.ztdId),
  );
  const toWrite: Pending<'restore-group-tag'>[] = [];
  for (const p of pending) {
    const now = current.get(p.action.ztdId);
    const reg = typeof now === 'object' ? now : undefined;
    const tag = reg?.groupTag ?? '';
    const state = reg?.enrollmentState ?? '';
    if (now === 'gone') p.settle(notNeeded('the registration is gone'));
    else if (!reg) p.settle(failed('the registration could not be read; tried again next time'));
    else if (tag === p.action.to) p.settle(notNeeded(`the tag is "${tag}" already`));
    else if (state !== '' && state !== 'notContacted')
      p.settle(skipped(`the device is ${state} since the survey: changing its tag needs an admin's approval`));
    else if (tag !== p.action.from) p.settle(skipped(`the tag changed again since the survey (now "${tag}"): left alone`));
    else toWrite.push(p);
  }
  const answers = await setGroupTags(
    graph,
    toWrite.map((p) => ({ id: p.action.ztdId, groupTag: p.action.to })),
  );
  for (const p of toWrite) {
    const a = answers.get(p.action.ztdId);
    p.settle(
      a?.ok
        ? done(`"${p.action.from}" → "${p.action.to}"`)
        : failed(a ? `updateDeviceProperties answered ${a.status} ${a.code}` : 'no answer'),
    );
  }
  return toWrite.length;
}
