/**
 * Starts the run of one blob version, at most once: the instance id is derived from container,
 * name and ETag, and an instance that already exists (in any state) is never started again.
 */
import type { DurableClient } from 'durable-functions';
import { IntakeOrchestration } from '../shared/contracts/activities';
import type { BlobRef, IntakeInput, RunSettings } from '../shared/contracts/run';
import { runIdFor } from '../shared/run/run-id';
import { statusOf } from './durable-status';

/** The part of the durable client starting a run needs (tests hand a fake). */
export type RunStarter = Pick<DurableClient, 'getStatus' | 'startNew'>;

export async function startRunIfNew(
  client: RunStarter,
  source: BlobRef,
  settings: RunSettings,
): Promise<{ runId: string; started: boolean }> {
  const runId = runIdFor(source.container, source.name, source.etag);
  if (await statusOf(client, runId)) return { runId, started: false };
  const input: IntakeInput = IntakeOrchestration.input.parse({ runId, source, settings, ledgerStep: true });
  try {
    await client.startNew(IntakeOrchestration.name, { instanceId: runId, input });
  } catch (error) {
    // Two deliveries of the same version raced: the other one started it.
    if (await statusOf(client, runId)) return { runId, started: false };
    throw error;
  }
  return { runId, started: true };
}
