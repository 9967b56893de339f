import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadApp } from './app/loader';
import { readHostSettings, readLocalSettingsValues } from './app/settings';
import { findFunctionErrors, formatFunctionErrors } from './core/function-errors';
import { installCoreApi, type RegisteredFunction } from './core/core-api';
import { Invoker } from './core/invoker';
import { writeStorageOutputs } from './core/outputs';
import type { RpcInvocationResponse } from './core/types';
import { clientBindingJson, type ClientUrls } from './durable/client-binding';
import { DurableEngine, type EpisodeTiming } from './durable/engine';
import { JournalStore } from './durable/journal';
import { statusBody } from './durable/management-api';
import { handleBlobWebhook } from './http/blob-webhook';
import { EVENTGRID_WEBHOOK_PATH, EVENTGRID_KEY_NAME, eventGridKey, handleEventGridWebhook } from './http/eventgrid-webhook';
import { httpRoutes } from './http/http-trigger';
import { createHostServer, listen } from './http/server';
import type { BlobListener } from './triggers/blob-listener';
import { startTriggerListeners, type Stoppable } from './triggers-wiring';

export type { EpisodeTiming };

export interface LocalHostOptions {
  appDir: string;
  /** 0 = a free port. Default 7071. */
  port?: number;
  storageConnectionString?: string;
  /** Default `<appDir>/.local`. */
  stateDir?: string;
  /** Merged over local.settings.json Values (and over the inherited environment). */
  env?: Record<string, string>;
  log?: (line: string) => void;
  /** Diagnostics (benchmarks): called after every committed orchestration episode. */
  onEpisode?: (e: EpisodeTiming) => void;
}

export interface InstanceResult {
  runtimeStatus: string;
  output: unknown;
  customStatus: unknown;
}

export interface LocalHost {
  url: string;
  /** Number of functions that run (registered and not in error). */
  functionCount: number;
  /** Functions in error and why (the host runs the others; calling one of these answers with its reasons). */
  functionErrors: Readonly<Record<string, readonly string[]>>;
  stop(): Promise<void>;
  waitForInstance(instanceId: string, opts?: { timeoutMs?: number }): Promise<InstanceResult>;
  getStatus(instanceId: string): Promise<unknown>;
}

function intEnv(name: string): number | undefined {
  const v = process.env[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer (got '${v}').`);
  return n;
}

let started = false;

/**
 * Starts the local Functions + Durable host for the app in `appDir`, in this process. The app's
 * modules are loaded once per process, so one host per process (tests that need to kill or restart
 * a host run it as a child process through cli.ts).
 */
export async function startLocalHost(opts: LocalHostOptions): Promise<LocalHost> {
  if (started)
    throw new Error('A local host was already started (or tried to start) in this process; the app can be loaded only once per process.');
  started = true;
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const appDir = resolve(opts.appDir);
  const stateDir = resolve(opts.stateDir ?? `${appDir}/.local`);
  mkdirSync(stateDir, { recursive: true });

  // Settings first: the app sees process.env as the host process has it when its modules load.
  for (const [k, v] of Object.entries(readLocalSettingsValues(appDir))) if (process.env[k] === undefined) process.env[k] = v;
  for (const [k, v] of Object.entries(opts.env ?? {})) process.env[k] = v;
  if (opts.storageConnectionString) process.env.AzureWebJobsStorage = opts.storageConnectionString;
  process.env.FUNCTIONS_WORKER_RUNTIME ??= 'node';
  const settings = readHostSettings(appDir, process.env);

  const registry = installCoreApi();
  registry.logSink = (level, category, message) => {
    if (level !== 'debug' && level !== 'trace') log(`[${category}] ${level}: ${message}`);
  };
  await loadApp(appDir, registry);
  const functions = [...registry.functions.values()];
  // As the Functions host: a function it cannot serve is reported in error and the rest of the app runs.
  const functionErrors = findFunctionErrors(functions, process.env);
  if (functionErrors.size > 0) log(formatFunctionErrors(functionErrors));
  const runnable = functions.filter((f) => !functionErrors.has(f.name));
  const invoker = new Invoker(registry, log, functionErrors);
  const writeOutputs = (fn: RegisteredFunction, res: RpcInvocationResponse, data: Record<string, unknown>) =>
    writeStorageOutputs(fn, res, data, process.env);

  const store = new JournalStore(
    stateDir,
    { afterCommit: intEnv('LOCAL_HOST_CRASH_AFTER_COMMIT'), torn: process.env.LOCAL_HOST_CRASH_TORN === '1' },
    log,
  );
  const crashAfterActivity = intEnv('LOCAL_HOST_CRASH_AFTER_ACTIVITY');
  const engine = new DurableEngine(store, invoker, {
    log,
    writeOutputs,
    activityConcurrency: settings.maxConcurrentActivities,
    ...(crashAfterActivity !== undefined ? { crashAfterActivity } : {}),
    ...(opts.onEpisode ? { onEpisode: opts.onEpisode } : {}),
  });

  let urls: ClientUrls = { publicUrl: '', hubName: settings.hubName };
  let binding = '';
  // Set once the trigger listeners run and cleared when stopping: the Event Grid webhook answers 503 meanwhile.
  let blobListener: BlobListener | undefined;
  // The Event Grid webhook's system key, and whether the host runs (it answers 503 while starting or stopping).
  const eventGridSystemKey = eventGridKey(process.env);
  let running = false;
  const server = createHostServer({
    invoker,
    engine,
    routes: httpRoutes(functions, settings.routePrefix),
    urls: () => urls,
    clientBinding: () => binding,
    afterInvoke: writeOutputs,
    functionStatus: (name) => {
      const fn = invoker.find(name);
      return fn ? { errors: invoker.errorsOf(fn.name) ?? null } : undefined;
    },
    localActivity: () => ({
      blob: blobListener?.scanCounts() ?? null,
      durable: { episodes: engine.episodes, runningEpisodes: engine.runningEpisodes },
    }),
    blobWebhook: (req) => handleBlobWebhook({ functions, errorsOf: (name) => invoker.errorsOf(name), sink: () => blobListener, log }, req),
    eventGridWebhook: (req) =>
      handleEventGridWebhook(
        {
          functions,
          errorsOf: (name) => invoker.errorsOf(name),
          key: eventGridSystemKey,
          running: () => running,
          invoke: async (fn, event) => {
            const res = await invoker.invoke({
              functionName: fn.name,
              inputs: { eventGridTrigger: { json: JSON.stringify(event) }, durableClient: { string: binding } },
            });
            await writeOutputs(fn, res, {});
          },
          log,
        },
        req,
      ),
    log,
  });
  const port = await listen(server, opts.port ?? 7071);
  const url = `http://127.0.0.1:${port}`;
  urls = { publicUrl: url, hubName: settings.hubName };
  binding = clientBindingJson(urls);
  // durable-functions rewrites management URLs to localhost:7071 unless WEBSITE_HOSTNAME is set.
  process.env.WEBSITE_HOSTNAME = `127.0.0.1:${port}`;

  engine.start();
  let listeners: Stoppable[] = [];
  try {
    const blobPollIntervalMs = intEnv('LOCAL_HOST_BLOB_POLL_MS');
    const blobMessageLeaseMs = intEnv('LOCAL_HOST_BLOB_LEASE_MS');
    const blobStopTimeoutMs = intEnv('LOCAL_HOST_BLOB_STOP_MS');
    const started = await startTriggerListeners({
      // Functions in error are never triggered (their reasons were logged above).
      functions: runnable,
      invoker,
      settings,
      clientBinding: () => binding,
      stateDir,
      appDir,
      log,
      ...(blobPollIntervalMs !== undefined ? { blobPollIntervalMs } : {}),
      ...(blobMessageLeaseMs !== undefined ? { blobMessageLeaseMs } : {}),
      ...(blobStopTimeoutMs !== undefined ? { blobStopTimeoutMs } : {}),
    });
    listeners = started.stoppables;
    blobListener = started.blob;
    running = true;
    for (const fn of runnable.filter((f) => Object.values(f.bindings).some((b) => b.type === 'eventGridTrigger'))) {
      // The URL an Event Grid subscription would be given (the key: LOCAL_HOST_EVENTGRID_KEY, or made up for this run).
      log(
        `event grid trigger '${fn.name}': webhook POST ${url}${EVENTGRID_WEBHOOK_PATH}?functionName=${fn.name}&code=<${EVENTGRID_KEY_NAME}>` +
          (process.env.LOCAL_HOST_EVENTGRID_KEY ? ' (key: LOCAL_HOST_EVENTGRID_KEY)' : ` (key for this run: ${eventGridSystemKey})`),
      );
    }
  } catch (err) {
    await engine.stop();
    await new Promise((r) => server.close(r));
    throw err;
  }

  let stopping: Promise<void> | undefined;
  return {
    url,
    functionCount: runnable.length,
    functionErrors: Object.fromEntries(functionErrors),
    stop() {
      stopping ??= (async () => {
        blobListener = undefined;
        running = false;
        // The server stays up while listeners drain: running blob functions may still call the durable client.
        await Promise.allSettled(listeners.map((l) => l.stop()));
        server.closeAllConnections();
        await new Promise((r) => server.close(r));
        await engine.stop();
        for (const hook of registry.hooks.appTerminate) await hook({ hookData: {}, appHookData: registry.appHookData });
      })();
      return stopping;
    },
    async waitForInstance(instanceId, o) {
      const inst = await engine.waitFor(instanceId, o?.timeoutMs ?? 60_000);
      return { runtimeStatus: inst.status, output: inst.output ?? null, customStatus: inst.customStatus ?? null };
    },
    async getStatus(instanceId) {
      const inst = engine.instance(instanceId);
      return inst ? statusBody(inst, { showInput: true, showHistory: true, showHistoryOutput: true }) : undefined;
    },
  };
}
