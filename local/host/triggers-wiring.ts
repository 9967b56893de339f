import { createHash } from 'node:crypto';
import { resolveSettingRefs, type HostSettings } from './app/settings';
import type { RegisteredFunction } from './core/core-api';
import type { Invoker } from './core/invoker';
import { connectionFor, writeStorageOutputs } from './core/outputs';
import { toTypedData } from './core/typed-data';
import type { RpcTypedData } from './core/types';
import { blobCreatedEvent, parseBlobEventSources } from './triggers/blob-created-event';
import { startBlobListener, type BlobListener, type BlobTriggerBinding } from './triggers/blob-listener';
import { startTimerListener, type TimerInfo, type TimerTriggerBinding } from './triggers/timer-listener';

export interface Stoppable {
  stop(): Promise<void>;
}

export interface TriggerListeners {
  /** Every listener started, to stop on shutdown. */
  stoppables: Stoppable[];
  /** The blob listener, when the app has blob triggers: the Event Grid webhook hands it BlobCreated events. */
  blob: BlobListener | undefined;
}

interface WiringDeps {
  functions: RegisteredFunction[];
  invoker: Invoker;
  settings: HostSettings;
  clientBinding: () => string;
  stateDir: string;
  appDir: string;
  /** Container scan interval (LOCAL_HOST_BLOB_POLL_MS); the listener's default is 2 s. */
  blobPollIntervalMs?: number;
  /** How long one try holds its internal queue message (LOCAL_HOST_BLOB_LEASE_MS); after a crash the blob is redelivered when it expires. */
  blobMessageLeaseMs?: number;
  /** How long a graceful stop waits for running blob deliveries (LOCAL_HOST_BLOB_STOP_MS); the listener's default is 30 s. */
  blobStopTimeoutMs?: number;
  log: (line: string) => void;
}

function trigger(fn: RegisteredFunction, type: string) {
  return Object.values(fn.bindings).find((b) => b.type === type);
}

/** The real host passes the timer value as PascalCase JSON; @azure/functions camelCases it for the handler. */
function timerJson(info: TimerInfo): string {
  return JSON.stringify({
    Schedule: { AdjustForDST: info.schedule.adjustForDST },
    ScheduleStatus: info.scheduleStatus
      ? { Last: info.scheduleStatus.last, Next: info.scheduleStatus.next, LastUpdated: info.scheduleStatus.lastUpdated }
      : null,
    IsPastDue: info.isPastDue,
  });
}

/** A stable host id (≤ 32 chars, as the real host requires) for blob receipts and internal queues. */
export function hostIdFor(appDir: string, hubName: string): string {
  return `local-${createHash('sha256').update(`${appDir}|${hubName}`).digest('hex').slice(0, 24)}`;
}

/** Starts the timer and blob listeners for the functions that use those triggers (and none otherwise). */
export async function startTriggerListeners(d: WiringDeps): Promise<TriggerListeners> {
  const started: Stoppable[] = [];
  let blob: BlobListener | undefined;
  const timers: TimerTriggerBinding[] = [];
  const blobs: BlobTriggerBinding[] = [];
  // Event Grid trigger functions fed BlobCreated events of a container (Azure: the Event Grid subscription).
  const eventSources = new Map(
    parseBlobEventSources(process.env.LOCAL_HOST_EVENTGRID_BLOB_SOURCES).map((s) => [s.functionName, s.container]),
  );
  const eventFunctions = new Set<string>();
  for (const fn of d.functions) {
    if (trigger(fn, 'eventGridTrigger')) {
      const container = eventSources.get(fn.name);
      if (!container) {
        d.log(
          `event grid trigger '${fn.name}': no local event source (LOCAL_HOST_EVENTGRID_BLOB_SOURCES=${fn.name}=<container>); it runs only on deliveries to /runtime/webhooks/eventgrid`,
        );
      } else {
        d.log(
          `event grid trigger '${fn.name}': BlobCreated events of container '${container}' (found by container polling; Azurite emits no events)`,
        );
        eventFunctions.add(fn.name);
        blobs.push({
          functionName: fn.name,
          path: `${container}/{name}`,
          connectionString: connectionFor('AzureWebJobsStorage', process.env),
          maxDequeueCount: d.settings.blobMaxDequeueCount,
          content: false,
        });
      }
    }
    const t = trigger(fn, 'timerTrigger');
    if (t) {
      timers.push({
        functionName: fn.name,
        schedule: resolveSettingRefs(String(t.schedule ?? ''), process.env),
        runOnStartup: t.runOnStartup === true,
        useMonitor: t.useMonitor !== false,
      });
    }
    const b = trigger(fn, 'blobTrigger');
    if (b) {
      if (b.source === 'EventGrid') {
        d.log(
          `blob trigger '${fn.name}': source EventGrid: events at /runtime/webhooks/blobs?functionName=Host.Functions.${fn.name}, and container polling (Azurite emits no events)`,
        );
      }
      blobs.push({
        functionName: fn.name,
        path: resolveSettingRefs(String(b.path ?? ''), process.env),
        connectionString: connectionFor(b.connection, process.env),
        maxDequeueCount: d.settings.blobMaxDequeueCount,
      });
    }
  }
  try {
    if (timers.length > 0) {
      started.push(
        await startTimerListener({
          bindings: timers,
          stateDir: `${d.stateDir}/timers`,
          log: d.log,
          invoke: async (functionName, info) => {
            const res = await d.invoker.invoke({
              functionName,
              inputs: { timerTrigger: { json: timerJson(info) }, durableClient: { string: d.clientBinding() } },
            });
            await writeStorageOutputs(d.invoker.get(functionName), res, {}, process.env);
          },
        }),
      );
    }
    if (blobs.length > 0) {
      let hostConnectionString: string;
      try {
        hostConnectionString = connectionFor('AzureWebJobsStorage', process.env);
      } catch (err) {
        throw new Error(`Blob triggers keep their receipts, scan cursors and queue in the host's storage: ${(err as Error).message}`, {
          cause: err,
        });
      }
      blob = await startBlobListener({
        hostId: hostIdFor(d.appDir, d.settings.hubName),
        bindings: blobs,
        // As in Azure: receipts, scan info and the internal queue live in AzureWebJobsStorage, not the binding's account.
        hostConnectionString,
        ...(d.blobPollIntervalMs !== undefined ? { pollIntervalMs: d.blobPollIntervalMs } : {}),
        ...(d.blobMessageLeaseMs !== undefined ? { messageLeaseMs: d.blobMessageLeaseMs } : {}),
        ...(d.blobStopTimeoutMs !== undefined ? { stopTimeoutMs: d.blobStopTimeoutMs } : {}),
        log: d.log,
        invoke: async (delivery) => {
          if (eventFunctions.has(delivery.functionName)) {
            // The event alone, as Event Grid delivers it: the blob's identity and headers, never its bytes.
            const event = blobCreatedEvent({
              connectionString: connectionFor('AzureWebJobsStorage', process.env),
              container: delivery.container,
              blobName: delivery.blobName,
              url: String(delivery.triggerMetadata.Uri ?? ''),
              properties: (delivery.triggerMetadata.Properties ?? {}) as Record<string, unknown>,
            });
            await d.invoker.invoke({
              functionName: delivery.functionName,
              inputs: { eventGridTrigger: { json: JSON.stringify(event) }, durableClient: { string: d.clientBinding() } },
            });
            return;
          }
          if (!delivery.content) throw new Error(`blob trigger '${delivery.functionName}': delivered without content`);
          const triggerMetadata: Record<string, RpcTypedData> = {};
          for (const [k, v] of Object.entries(delivery.triggerMetadata)) triggerMetadata[k] = toTypedData(v);
          const res = await d.invoker.invoke({
            functionName: delivery.functionName,
            inputs: { blobTrigger: { bytes: delivery.content }, durableClient: { string: d.clientBinding() } },
            triggerMetadata,
          });
          await writeStorageOutputs(d.invoker.get(delivery.functionName), res, delivery.triggerMetadata, process.env);
        },
      });
      started.push(blob);
    }
  } catch (err) {
    await Promise.allSettled(started.map((s) => s.stop()));
    throw err;
  }
  return { stoppables: started, blob };
}
