/**
 * Starts the run of one blob version, at most once: the instance id is derived from container,
 * name and ETag, and an instance that already exists (in any state) is never started again.
 */
import type { DurableClient } from 'durable-functions';
import { ORCHESTRATOR, type BlobRef, type IntakeInput, type RunSettings } from '../shared/contracts';
import { runIdFor } from '../shared/run/run-id';

export function isNotFound(error: unknown): boolean {
  return error instanceof Error && /HTTP 404/.test(error.message);
}

async function exists(client: DurableClient, instanceId: string): Promise<boolean> {
  try {
    await client.getStatus(instanceId);
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

export async function startRunIfNew(client: DurableClient, source: BlobRef, settings: RunSettings): Promise<{ runId: string; started: boolean }> {
  const runId = runIdFor(source.container, source.name, source.etag);
  if (await exists(client, runId)) return { runId, started: false };
  const input: IntakeInput = { runId, source, settings };
  try {
    await client.startNew(ORCHESTRATOR, { instanceId: runId, input });
  } catch (error) {
    // Two deliveries of the same version raced: the other one started it.
    if (await exists(client, runId)) return { runId, started: false };
    throw error;
  }
  return { runId, started: true };
}
