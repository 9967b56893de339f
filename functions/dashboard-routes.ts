/**
 * The dashboard's functions, registered by functions/index.ts. Pages and data are for people:
 * anonymous at the function level (function keys are for machines) and, in Azure, behind Easy Auth
 * with an app role checked here (dashboard-auth.ts). Notifications link to these routes (shared/notify/links.ts).
 */
import { join } from 'node:path';
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { DeviceIndexCache } from '../shared/dashboard/index-cache';
import { SerialListCache } from '../shared/dashboard/serial-list';
import { approveHandler } from './http-reconcile';
import { authModeOf, canAct, guarded, operatorAction } from './dashboard-auth';
import { dashboardFindingsHandler, dashboardReconcileHandler, RECONCILE_ID_PATTERN } from './dashboard-reconcile';
import { dashboardDeviceSearchHandler } from './dashboard-device-search';
import { dashboardDevicesHandler, dashboardReportHandler, dashboardRunHandler, dashboardRunsHandler } from './http-dashboard-data';
import { dashboardAssetHandler, dashboardPageHandler } from './http-dashboard-page';
import type { Services } from './services';

type Lazy = <A extends unknown[], R>(factory: (s: Services) => (...args: A) => Promise<R>) => (...args: A) => Promise<R>;

type DataHandler = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;

export function registerDashboard(lazy: Lazy, clientOf: (context: InvocationContext) => df.DurableClient): void {
  const mode = () => authModeOf(process.env);
  const cache = new DeviceIndexCache();
  const serials = new SerialListCache();
  const data = (s: Services) => ({
    runs: s.runs,
    objects: s.objects,
    ledger: s.ledger,
    reconcile: s.reconcile,
    cache,
    serials,
    clientOf,
    canAct: (request: HttpRequest) => canAct(mode(), request),
  });
  // A run's page is an intake run's or a reconciliation's, by its id.
  const byKind =
    (intake: DataHandler, reconcile: DataHandler): DataHandler =>
    (request, context) =>
      (RECONCILE_ID_PATTERN.test(request.params.runId ?? '') ? reconcile : intake)(request, context);
  const pages = [
    ['dashboardPage', 'dashboard'],
    ['dashboardRunPage', 'dashboard/runs/{runId}'],
    ['dashboardDevicePage', 'dashboard/devices'],
  ] as const;
  for (const [name, route] of pages)
    app.http(name, {
      route,
      methods: ['GET'],
      authLevel: 'anonymous',
      handler: guarded(mode, 'Reader', dashboardPageHandler(), { page: true }),
    });
  // The built assets sit beside the compiled functions (dist/functions → dist/dashboard-assets).
  const assets = dashboardAssetHandler(join(__dirname, '..', 'dashboard-assets'));
  app.http('dashboardAssets', {
    route: 'dashboard-assets/{file}',
    methods: ['GET'],
    authLevel: 'anonymous',
    handler: guarded(mode, 'Reader', assets),
  });
  const dataRoutes: [string, string, (s: Services) => DataHandler][] = [
    ['dashboardRuns', 'dashboard-data/runs', (s) => dashboardRunsHandler(data(s))],
    ['dashboardRun', 'dashboard-data/runs/{runId}', (s) => byKind(dashboardRunHandler(data(s)), dashboardReconcileHandler(data(s)))],
    ['dashboardFindings', 'dashboard-data/runs/{runId}/findings', (s) => dashboardFindingsHandler(data(s))],
    ['dashboardRunDevices', 'dashboard-data/runs/{runId}/devices', (s) => dashboardDevicesHandler(data(s))],
    ['dashboardReport', 'dashboard-data/runs/{runId}/report/{file}', (s) => dashboardReportHandler(data(s))],
    ['dashboardDeviceSearch', 'dashboard-data/devices', (s) => dashboardDeviceSearchHandler(data(s))],
  ];
  for (const [name, route, factory] of dataRoutes)
    app.http(name, {
      route,
      methods: ['GET'],
      authLevel: 'anonymous',
      extraInputs: [df.input.durableClient()],
      handler: guarded(mode, 'Reader', lazy(factory)),
    });
  // Approving a reconciliation's proposals: the same handler as POST /api/reconcile/{id}/approve (function
  // key, for machines), here for people with the Operator role, from the dashboard's own page.
  app.http('dashboardApprove', {
    route: 'dashboard-data/reconciliations/{reconcileId}/approve',
    methods: ['POST'],
    authLevel: 'anonymous',
    extraInputs: [df.input.durableClient()],
    handler: operatorAction(
      mode,
      lazy((s) =>
        approveHandler({
          graph: s.graph,
          ledger: s.ledger,
          objects: s.objects,
          store: s.reconcile,
          settings: s.config.reconcile,
          clientOf,
          now: () => new Date(),
        }),
      ),
    ),
  });
}
