import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Invoker } from '../core/invoker';
import { EventType, historyEvent } from './history';
import type { EntityOpDelivery, EntityState, JournalRecord, Message } from './state';

/** The entity function's answer (C# `TaskEntityShim.OutOfProcResult`), validated at the edge. */
const EntityResult = z
  .object({
    entityExists: z.boolean(),
    entityState: z.string().nullable().optional(),
    results: z.array(z.object({ isError: z.boolean(), result: z.string().nullable().optional() }).loose()),
    signals: z
      .array(
        z
          .object({ target: z.object({ name: z.string(), key: z.string() }), name: z.string(), input: z.string().nullable().optional() })
          .loose(),
      )
      .optional(),
  })
  .loose();

/**
 * Runs every queued operation of one entity as a batch and returns the record that commits the new
 * state together with the responses to callers and the signals it sent (atomically, as the
 * extension does). A batch that cannot run answers every caller with an error.
 */
export async function runEntityBatch(schedulerId: string, entity: EntityState, invoker: Invoker): Promise<JournalRecord> {
  const batch = entity.queue.slice();
  const time = new Date().toISOString();
  const fn = invoker.find(entity.name, 'entityTrigger');
  const respond = (results: { isError: boolean; result?: string | null }[]): Message[] =>
    batch.flatMap((op, i) => {
      if (op.isSignal || !op.parent) return [];
      const r = results[i] ?? { isError: true, result: JSON.stringify('The entity produced no result for this operation.') };
      const payload = JSON.stringify({ result: r.result ?? undefined, ...(r.isError ? { exceptionType: 'Error' } : {}) });
      return [
        {
          instanceId: op.parent.instanceId,
          executionId: op.parent.executionId,
          event: historyEvent(EventType.EventRaised, { Name: op.id, Input: payload }),
        },
      ];
    });
  const failAll = (message: string): JournalRecord => ({
    t: 'entityBatch',
    schedulerId,
    count: batch.length,
    exists: entity.exists,
    state: entity.state,
    time,
    messages: respond(batch.map(() => ({ isError: true, result: JSON.stringify(message) }))),
    entityOps: [],
  });
  if (!fn) return failAll(`The function '${entity.name}' doesn't exist, is disabled, or is not an entity function.`);
  const request = {
    self: { name: entity.name, key: entity.key },
    exists: entity.exists,
    state: entity.state,
    batch: batch.map((op) => ({ id: op.id, name: op.name, ...(op.input !== undefined ? { input: op.input } : {}), isSignal: op.isSignal })),
  };
  let parsed;
  try {
    const res = await invoker.invoke({ functionName: fn.name, inputs: { entityTrigger: { string: JSON.stringify(request) } } });
    const json = res.returnValue?.json;
    if (typeof json !== 'string') return failAll('The entity function returned no result (is it registered with df.app.entity?).');
    const r = EntityResult.safeParse(JSON.parse(json) as unknown);
    if (!r.success) return failAll(`The entity function returned an unexpected result: ${r.error.message}`);
    parsed = r.data;
  } catch (err) {
    return failAll(`Entity '${schedulerId}' failed: ${(err as Error).message}`);
  }
  const entityOps: EntityOpDelivery[] = (parsed.signals ?? []).map((s) => ({
    schedulerId: `@${s.target.name.toLowerCase()}@${s.target.key}`,
    op: { id: randomUUID(), name: s.name, ...(s.input != null ? { input: s.input } : {}), isSignal: true },
  }));
  return {
    t: 'entityBatch',
    schedulerId,
    count: batch.length,
    exists: parsed.entityExists,
    state: parsed.entityExists ? (parsed.entityState ?? null) : null,
    time,
    messages: respond(parsed.results),
    entityOps,
  };
}
