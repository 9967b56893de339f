/**
 * The app's one entry point and composition root (package.json `main`): every function registered
 * here, each handler built by a factory over the services it needs (functions/*.ts), the services
 * built once from the configuration validated once (shared/config.ts).
 *
 * The configuration is read on the first invocation rather than at load, so a wrong setting fails
 * that invocation with every problem listed (and GET /api/health says so) instead of keeping the
 * whole app from loading. The services module — and with it the storage, identity, Tables and Graph
 * SDKs — is imported then too: registering the functions needs none of them, and a cold worker
 * registers them sooner without (docs/PERFORMANCE.md, "Cold start").
 */
import { app, type HttpFunctionOptions, type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { randomUUID } from 'node:crypto';
import { intakeOrchestrator } from '../orchestrations/intake';
import { IntakeOrchestration } from '../shared/contracts/activities';
import { withBaselineExpected } from '../shared/baseline/app-config';
import { ConfigError, loadConfig } from '../shared/config';
import { INTAKE_ACTIVITIES } from './activities';
import { healthHandler } from './http-health';
import { intakeUploadHandler } from './http-intake';
import { getRunHandler, listRunsHandler } from './http-runs';
import { intakeBlobCreatedHandler } from './intake-blob-created';
import { approveHandler, getReconcileHandler, startReconcileHandler } from './http-reconcile';
import { NOTIFY_ACTIVITIES } from './notify-activities';
import { RECONCILE_ACTIVITIES } from './reconcile-activities';
import { DEFAULT_RECONCILE_SCHEDULE, reconcileTimerHandler } from './reconcile-timer';
import { reconcileOrchestrator } from '../orchestrations/reconcile';
import { ReconcileOrchestration } from '../shared/contracts/reconcile-activities';
import type { Services } from './services';
import { registerDashboard } from './dashboard-routes';
import { authModeOf, signedIn } from './dashboard-auth';

/**
 * The services module (storage, identity, Tables, Graph, undici) is imported on the first
 * invocation, not at load, for a shorter cold start. With BASELINE_FILE the expected ids are then
 * resolved from the tenant once (shared/baseline/app-config.ts). A failure is not kept: the next
 * invocation reads the settings again, or tries again once the baseline has been applied.
 */
let built: Promise<Services> | undefined;
async function prepare(): Promise<Services> {
  const { buildServices } = await import('./services.js');
  const loaded = loadConfig(process.env);
  // Names settings only, never their values (URLs and secrets are credentials).
  if (loaded.notifyProblems.length > 0)
    console.warn(`Notification channels left out until their settings are fixed: ${loaded.notifyProblems.join('; ')}`);
  const first = buildServices(loaded);
  const config = await withBaselineExpected(first.config, first.graph);
  return config === first.config ? first : { ...first, config };
}
const services = (): Promise<Services> =>
  (built ??= prepare().catch((error: unknown) => {
    built = undefined;
    throw error;
  }));

/** A handler made by `factory` over the services on its first call, then kept. */
function lazy<A extends unknown[], R>(factory: (s: Services) => (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  let handler: ((...args: A) => Promise<R>) | undefined;
  return async (...args) => (handler ??= factory(await services()))(...args);
}

const clientOf = (context: InvocationContext) => df.getClient(context);

df.app.orchestration(IntakeOrchestration.name, intakeOrchestrator);
df.app.orchestration(ReconcileOrchestration.name, reconcileOrchestrator);
for (const activity of [...INTAKE_ACTIVITIES, ...RECONCILE_ACTIVITIES, ...NOTIFY_ACTIVITIES]) {
  df.app.activity(activity.name, {
    handler: async (raw: unknown, context: InvocationContext) => activity.run(await services(), raw, (message) => context.log(message)),
  });
}

// BlobCreated events of the intake container (the Event Grid subscription in infra; the local host
// plays Event Grid): the blob's identity only, never its content.
app.eventGrid('intakeBlobCreated', {
  extraInputs: [df.input.durableClient()],
  handler: lazy((s) => intakeBlobCreatedHandler({ settings: s.config.settings, clientOf })),
});

// Serial numbers and uploads: every HTTP function needs a function key (Entra ID in front: docs/DEPLOY.md),
// and behind App Service authentication a signed-in caller (dashboard-auth.ts, signedIn).
const machineHttp = (name: string, options: HttpFunctionOptions) =>
  app.http(name, { ...options, handler: signedIn(() => authModeOf(process.env), options.handler) });
machineHttp('intakeUpload', {
  route: 'intake',
  methods: ['POST'],
  authLevel: 'function',
  extraInputs: [df.input.durableClient()],
  handler: lazy((s) =>
    intakeUploadHandler({
      objects: s.objects,
      settings: s.config.settings,
      maxUploadBytes: s.config.maxUploadBytes,
      clientOf,
      newId: randomUUID,
      today: () => new Date().toISOString().slice(0, 10),
    }),
  ),
});
machineHttp('listRuns', {
  route: 'runs',
  methods: ['GET'],
  authLevel: 'function',
  extraInputs: [df.input.durableClient()],
  handler: lazy((s) => listRunsHandler({ runs: s.runs, objects: s.objects, clientOf })),
});
machineHttp('getRun', {
  route: 'runs/{runId}',
  methods: ['GET'],
  authLevel: 'function',
  extraInputs: [df.input.durableClient()],
  handler: lazy((s) => getRunHandler({ runs: s.runs, objects: s.objects, clientOf })),
});
const now = () => new Date();
const reconcileDeps = (s: Services) => ({
  graph: s.graph,
  ledger: s.ledger,
  objects: s.objects,
  store: s.reconcile,
  // With BASELINE_FILE every reconciliation also plans the baseline read-only (its report's drift section).
  settings: { ...s.config.reconcile, ...(s.config.baselineFile ? { baselineFile: s.config.baselineFile } : {}) },
  clientOf,
  now,
});
machineHttp('startReconcile', {
  route: 'reconcile',
  methods: ['POST'],
  authLevel: 'function',
  extraInputs: [df.input.durableClient()],
  handler: lazy((s) => startReconcileHandler(reconcileDeps(s))),
});
machineHttp('getReconcile', {
  route: 'reconcile/{reconcileId}',
  methods: ['GET'],
  authLevel: 'function',
  extraInputs: [df.input.durableClient()],
  handler: lazy((s) => getReconcileHandler(reconcileDeps(s))),
});
machineHttp('approveReconcile', {
  route: 'reconcile/{reconcileId}/approve',
  methods: ['POST'],
  authLevel: 'function',
  extraInputs: [df.input.durableClient()],
  handler: lazy((s) => approveHandler(reconcileDeps(s))),
});
// A timer's schedule is fixed when the app loads (changing an app setting restarts the app), so these two are read here.
if (process.env.RECONCILE_ENABLED !== 'false') {
  app.timer('reconcileTimer', {
    schedule: process.env.RECONCILE_SCHEDULE?.trim() || DEFAULT_RECONCILE_SCHEDULE,
    extraInputs: [df.input.durableClient()],
    handler: lazy((s) => reconcileTimerHandler(reconcileDeps(s))),
  });
}
registerDashboard(lazy, clientOf);
const health = lazy((s) =>
  healthHandler({
    graph: s.graph,
    token: () => s.tokens.getToken(),
    expected: s.config.settings.expected,
    endpoint: s.config.graph.endpoint,
    notifyProblems: s.config.notifyProblems,
  }),
);
machineHttp('health', {
  route: 'health',
  methods: ['GET'],
  authLevel: 'function',
  // The one function that answers a wrong configuration with a report instead of failing.
  handler: async (request, context) => {
    try {
      return await health(request, context);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      return {
        status: 503,
        jsonBody: {
          ok: false,
          checks: [
            {
              id: 'config',
              status: 'fail',
              title: 'The app settings are invalid',
              detail: error.problems.join('; '),
              fix: 'Fix the app settings listed (README, "Point it at a real tenant").',
            },
          ],
        },
      };
    }
  },
});
