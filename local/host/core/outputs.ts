import { writeOutputBinding } from '../bindings/storage-outputs';
import { expandConnectionString } from '../app/settings';
import type { RegisteredFunction } from './core-api';
import { fromTypedData } from './typed-data';
import type { RpcInvocationResponse } from './types';

/** The connection string behind a binding's `connection` app-setting name (default AzureWebJobsStorage). */
export function connectionFor(connection: unknown, env: NodeJS.ProcessEnv): string {
  const name = typeof connection === 'string' && connection.length > 0 ? connection : 'AzureWebJobsStorage';
  const value = env[name] ?? env[`AzureWebJobs${name}`];
  if (!value) throw new Error(`Storage connection '${name}' is not set (app setting ${name} or AzureWebJobs${name}).`);
  return expandConnectionString(value);
}

/**
 * Writes the storage output bindings (blob, queue) of one invocation; http outputs are the caller's job.
 * A `$return` output (`return: output.storageBlob(…)`) gets the function's return value, which
 * `@azure/functions` puts in `returnValue` rather than `outputData`.
 */
export async function writeStorageOutputs(
  fn: RegisteredFunction,
  response: RpcInvocationResponse,
  bindingData: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  const outputs = (response.outputData ?? []).map((out) => ({ binding: out.name ? fn.bindings[out.name] : undefined, data: out.data }));
  const returned = fn.bindings.$return;
  if (returned && returned.type !== 'http') outputs.push({ binding: returned, data: response.returnValue });
  for (const { binding, data } of outputs) {
    if (!binding || binding.type === 'http') continue;
    const value = fromTypedData(data);
    if (value === undefined || value === null) continue;
    if (binding.type === 'blob' || binding.type === 'queue') {
      await writeOutputBinding(
        {
          type: binding.type,
          ...(typeof binding.path === 'string' ? { path: binding.path } : {}),
          ...(typeof binding.queueName === 'string' ? { queueName: binding.queueName } : {}),
          connectionString: connectionFor(binding.connection, env),
        },
        value,
        bindingData,
      );
    } else {
      throw new Error(`Function '${fn.name}' wrote output binding type '${binding.type ?? ''}', which the local host does not support.`);
    }
  }
}
