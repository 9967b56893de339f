/** Reading an orchestration's status through the durable client, where "no such instance" is an answer. */
import type { DurableClient, DurableOrchestrationStatus } from 'durable-functions';

/**
 * durable-functions 3 answers an unknown instance id by throwing an Error whose message carries the
 * status code of the extension's HTTP API ("… HTTP 404 …"); it exposes no status property.
 */
export function isNotFound(error: unknown): boolean {
  return error instanceof Error && /HTTP 404/.test(error.message);
}

/** The instance's status, or undefined when it does not exist. */
export async function statusOf(
  client: Pick<DurableClient, 'getStatus'>,
  instanceId: string,
): Promise<DurableOrchestrationStatus | undefined> {
  try {
    return await client.getStatus(instanceId);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}
