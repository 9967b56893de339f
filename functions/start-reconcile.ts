/**
 * Starts a reconciliation, one at a time: the orchestration runs under one fixed instance id, so a
 * start while one runs (or waits to) answers with that one instead of starting another. Each
 * reconciliation still has its own id (`reconcile-{timestamp}`), under which its findings and
 * report are kept; a new start reuses the instance id once the last one has finished.
 */
import type { DurableClient } from 'durable-functions';
import { OrchestrationRuntimeStatus } from 'durable-functions';
import type { ReconcileInput, ReconcileSettings } from '../shared/contracts/reconcile';
import { ReconcileOrchestration } from '../shared/contracts/reconcile-activities';
import { statusOf } from './durable-status';

/** The reconciliation's instance id: one per app, and an app serves one tenant. */
export const RECONCILE_INSTANCE_ID = 'reconcile';

export type ReconcileStarter = Pick<DurableClient, 'getStatus' | 'startNew'>;

const ACTIVE = new Set<string>([
  OrchestrationRuntimeStatus.Running,
  OrchestrationRuntimeStatus.Pending,
  OrchestrationRuntimeStatus.ContinuedAsNew,
  OrchestrationRuntimeStatus.Suspended,
]);

/** `reconcile-20261207T050312123Z`: sortable, and distinct for starts a millisecond apart. */
export function reconcileIdFor(now: Date): string {
  return `reconcile-${now.toISOString().replace(/[-:.]/g, '')}`;
}

export async function runningReconciliation(client: Pick<DurableClient, 'getStatus'>): Promise<string | undefined> {
  const status = await statusOf(client, RECONCILE_INSTANCE_ID);
  if (!status || !ACTIVE.has(status.runtimeStatus)) return undefined;
  const input = ReconcileOrchestration.input.safeParse(status.input);
  return input.success ? input.data.reconcileId : RECONCILE_INSTANCE_ID;
}

export async function startReconcileOnce(
  client: ReconcileStarter,
  request: { trigger: ReconcileInput['trigger']; settings: ReconcileSettings; now: Date },
): Promise<{ reconcileId: string; started: boolean }> {
  const running = await runningReconciliation(client);
  if (running) return { reconcileId: running, started: false };
  const input = ReconcileOrchestration.input.parse({
    reconcileId: reconcileIdFor(request.now),
    trigger: request.trigger,
    settings: request.settings,
  });
  try {
    await client.startNew(ReconcileOrchestration.name, { instanceId: RECONCILE_INSTANCE_ID, input });
  } catch (error) {
    // Another start won the race: answer with its reconciliation.
    const winner = await runningReconciliation(client);
    if (winner) return { reconcileId: winner, started: false };
    throw error;
  }
  return { reconcileId: input.reconcileId, started: true };
}
