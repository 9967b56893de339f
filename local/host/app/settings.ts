import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';

/** `local.settings.json`, as Core Tools reads it: only `Values` matters to the host. */
const LocalSettings = z.object({
  IsEncrypted: z.boolean().optional(),
  Values: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String)).optional(),
});

const HostJson = z
  .object({
    extensions: z
      .object({
        http: z.object({ routePrefix: z.string().optional() }).loose().optional(),
        durableTask: z
          .object({ hubName: z.string().optional(), maxConcurrentActivityFunctions: z.number().int().positive().optional() })
          .loose()
          .optional(),
        blobs: z.object({ poisonBlobThreshold: z.number().int().positive().optional() }).loose().optional(),
        queues: z.object({ maxDequeueCount: z.number().int().positive().optional() }).loose().optional(),
      })
      .loose()
      .optional(),
  })
  .loose();

export interface HostSettings {
  routePrefix: string;
  hubName: string;
  blobMaxDequeueCount: number;
  /** extensions.durableTask.maxConcurrentActivityFunctions; the extension's default is 10 × processors. */
  maxConcurrentActivities: number;
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch (err) {
    throw new Error(`Cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
}

export function readLocalSettingsValues(appDir: string): Record<string, string> {
  const path = join(appDir, 'local.settings.json');
  if (!existsSync(path)) return {};
  const parsed = LocalSettings.safeParse(readJson(path));
  if (!parsed.success) throw new Error(`${path} is not a valid local.settings.json: ${parsed.error.message}`);
  if (parsed.data.IsEncrypted) throw new Error(`${path} is encrypted; the local host only reads plain settings.`);
  return parsed.data.Values ?? {};
}

/** Resolves `%NAME%` app-setting references, as the Functions host does in host.json and binding options. */
export function resolveSettingRefs(value: string, env: NodeJS.ProcessEnv): string {
  return value.replace(/%([^%]+)%/g, (_m, name: string) => {
    const v = env[name];
    if (v === undefined) throw new Error(`App setting '${name}' (referenced as %${name}%) is not defined.`);
    return v;
  });
}

export function readHostSettings(appDir: string, env: NodeJS.ProcessEnv): HostSettings {
  const path = join(appDir, 'host.json');
  const raw = existsSync(path) ? readJson(path) : {};
  const parsed = HostJson.safeParse(raw);
  if (!parsed.success) throw new Error(`${path} is not a valid host.json: ${parsed.error.message}`);
  const ext = parsed.data.extensions ?? {};
  return {
    routePrefix: (ext.http?.routePrefix ?? 'api').replace(/^\/+|\/+$/g, ''),
    hubName: resolveSettingRefs(ext.durableTask?.hubName ?? 'TestHubName', env),
    // The blobs extension v5 reads poisonBlobThreshold; older hosts use the queues maxDequeueCount. Default 5.
    blobMaxDequeueCount: ext.blobs?.poisonBlobThreshold ?? ext.queues?.maxDequeueCount ?? 5,
    maxConcurrentActivities: ext.durableTask?.maxConcurrentActivityFunctions ?? 10 * Math.max(1, availableParallelism()),
  };
}

/** Well-known Azurite development account endpoints that `UseDevelopmentStorage=true` stands for. */
const DEV_STORAGE =
  'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;' +
  'AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;' +
  'BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;QueueEndpoint=http://127.0.0.1:10001/devstoreaccount1;' +
  'TableEndpoint=http://127.0.0.1:10002/devstoreaccount1';

export function expandConnectionString(value: string): string {
  return /^\s*UseDevelopmentStorage\s*=\s*true\s*;?\s*$/i.test(value) ? DEV_STORAGE : value;
}
