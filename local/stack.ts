/**
 * The embedded local stack: Azurite + the Graph emulator (seeded with the tutorial's tenant, or built
 * from a baseline file through the baseline's apply code) + the
 * local Functions host running this app, wired together the way Azure wires the real services.
 * Used by `npm start` and by the integration tests; only configuration differs from production.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { converge } from '../shared/baseline/converge';
import { readBaseline } from '../shared/baseline/files';
import { createClientGateway } from '../shared/graph/client-gateway';
import { CONTAINERS } from '../shared/storage/object-store';
import { ADMIN_APPLY_SCOPES, delegatedToken } from './admin-token';
import { appToken, grantedAppRoles } from './app-token';
import { startAzurite, type AzuriteInstance } from './azurite';
import { MALLOC_SETTINGS, spawnHost, stopHost, type HostChild } from './host-child';
import { startGraphEmulator, type EmulatorOptions, type GraphEmulator, type Seed } from './graph-emulator';
import { TUTORIAL_TENANT } from './graph-emulator/seeds/tutorial-tenant';
import { Teardown } from './teardown';
import { localChannelSettings, startWebhookReceiver, type WebhookReceiver } from './webhook-receiver';

export { workerNodeArgs, type HostChild } from './host-child';

export const REPO_ROOT = resolve(__dirname, '..');
/** The app's Graph token on the local stack: the app roles infra grants, nothing more (app-token.ts). */
export const LOCAL_GRAPH_TOKEN = appToken(grantedAppRoles(REPO_ROOT));

export interface StackOptions {
  /** Host HTTP port; 0 = free. */
  hostPort?: number;
  graphPort?: number;
  azurite?: { location?: string; ports?: { blob: number; queue: number; table: number } };
  /** Durable state of the host. */
  stateDir: string;
  timeScale?: number;
  throttling?: boolean;
  faults?: EmulatorOptions['faults'];
  /** Tenant seed; default the tutorial tenant. Not applied when `emulatorStateFile` already exists. */
  seed?: Seed;
  /**
   * Build the tenant from this baseline file instead (npm start): the emulator starts empty (or
   * restored), the baseline is applied through the same code as `npm run baseline -- apply`, as an
   * administrator, and the app gets BASELINE_FILE instead of EXPECTED_* ids. Objects made by the
   * tutorial seed in an older saved tenant are adopted by name.
   */
  baseline?: string;
  /** Persist the emulated tenant here between runs (npm start). */
  emulatorStateFile?: string;
  /** App settings over the stack's defaults (e.g. poll intervals, chunk size, deadlines). */
  appSettings?: Record<string, string>;
  /**
   * Start the local notification receiver and configure two channels to it (a Teams one and a
   * signed webhook); `print` gets each notification it takes (default: kept, see receiver.requests).
   */
  notifyReceiver?: { port?: number; print?: (line: string) => void };
  /** Where host output goes (default: kept in memory, readable through hostLog()). */
  onHostLine?: (line: string) => void;
  /** Each part as it comes up (diagnostics; tests check a failed start stops them all again). */
  onStarted?: (part: StartedPart) => void;
}

export type StartedPart =
  { part: 'azurite'; url: string; pid: number } | { part: 'graph-emulator'; url: string } | { part: 'host'; url: string; pid: number };

export interface LocalStack {
  azurite: AzuriteInstance;
  emulator: GraphEmulator;
  host: HostChild;
  hostUrl: string;
  appSettings: Record<string, string>;
  /** The notification receiver, when asked for (StackOptions.notifyReceiver). */
  receiver?: WebhookReceiver;
  hostLog(): string;
  /** SIGKILL the host (a crash), without cleanup. */
  killHost(): Promise<void>;
  startHost(): Promise<void>;
  stop(): Promise<void>;
}

export function tutorialSeed(): Seed {
  return JSON.parse(readFileSync(TUTORIAL_TENANT.seedFile, 'utf8')) as Seed;
}

/** The app's settings on the local stack; with `baselineFile` the expected ids come from the baseline, else from the tutorial seed. */
export function stackAppSettings(connectionString: string, graphUrl: string, baselineFile?: string): Record<string, string> {
  return {
    AzureWebJobsStorage: connectionString,
    TASKHUB_NAME: 'autopilotlocal',
    GRAPH_ENDPOINT: graphUrl,
    GRAPH_AUTH: 'static-token',
    GRAPH_STATIC_TOKEN: LOCAL_GRAPH_TOKEN,
    ...(baselineFile
      ? { BASELINE_FILE: baselineFile }
      : {
          EXPECTED_GROUP_IDS: TUTORIAL_TENANT.autopilotGroupId,
          EXPECTED_PROFILE_ID: TUTORIAL_TENANT.deploymentProfileId,
          EXPECTED_ESP_ID: TUTORIAL_TENANT.espId,
        }),
    IMPORT_CHUNK_SIZE: '100',
    POLL_INITIAL_SECONDS: '2',
    POLL_MAX_SECONDS: '10',
    POLL_FACTOR: '1.5',
    // The local receiver listens on loopback, which only the local stack may notify (SSRF guard).
    NOTIFY_ALLOW_LOOPBACK: 'true',
    NOTIFY_RETRY_SECONDS: '2',
    // Azure's Event Grid subscription (infra/eventgrid/blob-subscription.bicep): BlobCreated events
    // of the intake container go to intakeBlobCreated. Azurite emits none, so the local host plays
    // Event Grid, polling the container every 500 ms (Azure delivers within about a second).
    LOCAL_HOST_EVENTGRID_BLOB_SOURCES: 'intakeBlobCreated=autopilot-intake',
    LOCAL_HOST_BLOB_POLL_MS: '500',
    // As in Azure (infra/modules/function-app.bicep): the worker's heap is bounded, so a large file
    // does not let garbage pile up to several times what the run holds.
    languageWorkers__node__arguments: '--max-old-space-size=256',
    // As in Azure with a heap limit: glibc's allocator kept from growing with the run (two arenas,
    // not one per thread; blocks of 128 KB and more mapped and returned on free, where the default
    // moves that threshold up to 32 MB and leaves freed buffers in the heap). docs/PERFORMANCE.md.
    ...MALLOC_SETTINGS,
  };
}

/**
 * The app's containers, created as infra creates them in Azure (infra/main.bicep `appContainerNames`),
 * so someone opening Storage Explorer on a fresh stack finds where to drop before the first run.
 */
export async function createAppContainers(connectionString: string): Promise<void> {
  const service = BlobServiceClient.fromConnectionString(connectionString);
  for (const name of Object.values(CONTAINERS)) await service.getContainerClient(name).createIfNotExists();
}

export async function startLocalStack(options: StackOptions): Promise<LocalStack> {
  // Whatever has started is stopped again if a later part fails: Azurite is a child process that
  // would outlive the caller, who gets no stack to stop.
  const started = new Teardown();
  try {
    const azurite = await startAzurite(options.azurite ?? {});
    started.add(() => azurite.stop());
    options.onStarted?.({ part: 'azurite', url: `http://127.0.0.1:${azurite.blobPort}`, pid: azurite.pid });
    await createAppContainers(azurite.connectionString);
    const emulator = await startGraphEmulator({
      port: options.graphPort ?? 0,
      timeScale: options.timeScale ?? 0,
      throttling: options.throttling ?? false,
      faults: options.faults,
      stateFile: options.emulatorStateFile,
      seed:
        options.emulatorStateFile && existsSync(options.emulatorStateFile)
          ? undefined
          : options.baseline
            ? {}
            : (options.seed ?? tutorialSeed()),
    });
    started.add(() => emulator.stop());
    if (options.baseline) {
      const token = delegatedToken(ADMIN_APPLY_SCOPES);
      const admin = createClientGateway({ endpoint: emulator.url, tokens: { getToken: async () => token } });
      await converge(admin, readBaseline(options.baseline), { adopt: true });
    }
    options.onStarted?.({ part: 'graph-emulator', url: emulator.url });
    let receiver: WebhookReceiver | undefined;
    let channels: Record<string, string> = {};
    if (options.notifyReceiver) {
      const secret = randomBytes(32).toString('hex');
      const r = await startWebhookReceiver({
        port: options.notifyReceiver.port,
        secrets: { local_webhook: secret },
        print: options.notifyReceiver.print ?? (() => undefined),
      });
      receiver = r;
      started.add(() => r.stop());
      channels = localChannelSettings(r.url, secret);
    }
    const appSettings = {
      ...stackAppSettings(azurite.connectionString, emulator.url, options.baseline),
      ...channels,
      // Every Graph call goes through the budget every instance shares (one Table record), as in
      // Azure, so the crash and concurrency suites exercise it too. An emulator that enforces no
      // limits gets an app paced to limits nobody reaches: runs then measure the pipeline itself.
      ...(options.throttling ? {} : { INTUNE_WRITES_PER_20S: '1000000', INTUNE_REQUESTS_PER_20S: '1000000' }),
      ...options.appSettings,
    };
    let log = '';
    const onLine = options.onHostLine ?? ((line: string) => (log += `${line}\n`));
    // A restarted host must come back on the same port: status URLs and the drop tool point at it.
    let port = options.hostPort ?? 0;
    let host = await spawnHost(REPO_ROOT, port, options.stateDir, appSettings, onLine);
    started.add(() => stopHost(host));
    options.onStarted?.({ part: 'host', url: host.url, pid: host.child.pid ?? 0 });
    port = Number(new URL(host.url).port);
    const stack: LocalStack = {
      azurite,
      emulator,
      host,
      hostUrl: host.url,
      appSettings,
      ...(receiver ? { receiver } : {}),
      hostLog: () => log,
      async killHost() {
        if (host.child.exitCode === null && host.child.signalCode === null) host.child.kill('SIGKILL');
        await host.exited;
      },
      async startHost() {
        host = await spawnHost(REPO_ROOT, port, options.stateDir, appSettings, onLine);
        stack.host = host;
      },
      // Host, then emulator, then Azurite; each is stopped even if stopping the one before failed.
      stop: () => started.run(),
    };
    return stack;
  } catch (error) {
    return started.abandon(error);
  }
}
