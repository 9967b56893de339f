/**
 * Blob and queue output bindings, written the way the host writes them after an invocation:
 * - blob: `path` = 'container/blob-name' with binding expressions (./binding-expressions.ts); the
 *   container is created if missing and the blob overwritten. Buffer/Uint8Array are written as bytes,
 *   strings as UTF-8, anything else as JSON.
 * - queue: `queueName` (expressions allowed, lowercased as the host does); the queue is created if
 *   missing; an array writes one message per element; strings as-is, Buffers as bytes, anything else as
 *   JSON; message bodies are base64-encoded (the storage extension's default message encoding).
 * A value of undefined or null means the function did not set the output: nothing is written.
 */
import { z } from 'zod';
import { blobServiceFor, queueServiceFor } from '../triggers/storage-clients';
import { resolveBindingExpression } from './binding-expressions';

export interface StorageOutputBinding {
  type: 'blob' | 'queue';
  path?: string;
  queueName?: string;
  connectionString: string;
}

const OutputBinding = z.discriminatedUnion('type', [
  z.object({ type: z.literal('blob'), path: z.string().min(1), connectionString: z.string().min(1) }),
  z.object({ type: z.literal('queue'), queueName: z.string().min(1), connectionString: z.string().min(1) }),
]);

const CONTAINER_NAME = /^(\$root|[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9])$/;
const QUEUE_NAME = /^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/;

function toBytes(value: unknown): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer) return Buffer.from(value);
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  return Buffer.from(JSON.stringify(value), 'utf8');
}

async function writeBlob(path: string, connectionString: string, value: unknown, bindingData: Record<string, unknown>): Promise<void> {
  const resolved = resolveBindingExpression(path, bindingData);
  const slash = resolved.indexOf('/');
  if (slash <= 0 || slash === resolved.length - 1) {
    throw new Error(`Blob output path '${path}' resolved to '${resolved}', which is not 'container/blob-name'.`);
  }
  const containerName = resolved.slice(0, slash);
  const blobName = resolved.slice(slash + 1);
  if (!CONTAINER_NAME.test(containerName)) {
    throw new Error(`Blob output path '${path}': '${containerName}' is not a valid container name.`);
  }
  const container = blobServiceFor(connectionString).getContainerClient(containerName);
  await container.createIfNotExists();
  const bytes = toBytes(value);
  await container.getBlockBlobClient(blobName).upload(bytes, bytes.length);
}

async function writeQueue(
  queueName: string,
  connectionString: string,
  value: unknown,
  bindingData: Record<string, unknown>,
): Promise<void> {
  const resolved = resolveBindingExpression(queueName, bindingData).toLowerCase();
  if (!QUEUE_NAME.test(resolved)) {
    throw new Error(
      `Queue output '${queueName}' resolved to '${resolved}', which is not a valid queue name (3-63 lowercase letters, digits, single dashes).`,
    );
  }
  const queue = queueServiceFor(connectionString).getQueueClient(resolved);
  await queue.createIfNotExists();
  const items = Array.isArray(value) ? value : [value];
  for (const item of items) {
    if (item === undefined || item === null) throw new Error(`Queue output '${queueName}': a message in the array is ${String(item)}.`);
    await queue.sendMessage(toBytes(item).toString('base64'));
  }
}

export async function writeOutputBinding(
  binding: StorageOutputBinding,
  value: unknown,
  bindingData: Record<string, unknown>,
): Promise<void> {
  const parsed = OutputBinding.safeParse(binding);
  if (!parsed.success) throw new Error(`writeOutputBinding: invalid ${binding.type ?? 'output'} binding: ${parsed.error.message}`);
  if (value === undefined || value === null) return;
  const b = parsed.data;
  if (b.type === 'blob') await writeBlob(b.path, b.connectionString, value, bindingData);
  else await writeQueue(b.queueName, b.connectionString, value, bindingData);
}
