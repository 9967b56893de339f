/**
 * The services every function is built over, constructed once from the validated configuration:
 * the Graph gateway (with its token source), the blob store and the run store. Pure construction —
 * no environment read here (index.ts reads it), so tests build their own.
 */
import type { AppConfig } from '../shared/config';
import { sharedBudgetFor } from '../shared/graph/budget/from-config';
import { createClientGateway, type TokenSource } from '../shared/graph/client-gateway';
import type { GraphGateway } from '../shared/graph/gateway';
import { tokenSource } from '../shared/graph/token-source';
import type { Ledger } from '../shared/ledger/ledger';
import { TableLedger, tableClientFor } from '../shared/ledger/table-ledger';
import { createHttpPoster, type HttpPoster } from '../shared/notify/http-poster';
import { NotificationStore } from '../shared/notify/store';
import { ReconcileStore } from '../shared/reconcile/store';
import { RunStore } from '../shared/run/run-store';
import { BlobObjectStore, blobServiceFor } from '../shared/storage/blob-store';
import type { ObjectStore } from '../shared/storage/object-store';

export interface Services {
  config: AppConfig;
  graph: GraphGateway;
  /** The same gateway, its calls counted for one run in the shared budget's fair shares. */
  graphFor(runId: string): GraphGateway;
  /** The token the gateway sends (the preflight reads its app roles). */
  tokens: TokenSource;
  objects: ObjectStore;
  runs: RunStore;
  /** The provenance ledger (Table storage beside the blobs). */
  ledger: Ledger;
  /** A reconciliation's findings (blobs under autopilot-state/reconcile/). */
  reconcile: ReconcileStore;
  /** Notification events and delivery records (blobs under autopilot-state/notifications/). */
  notifications: NotificationStore;
  /** Sends notifications: SSRF-guarded, https only outside the local stack, with timeouts. */
  poster: HttpPoster;
}

export function buildServices(config: AppConfig): Services {
  const objects = new BlobObjectStore(blobServiceFor(config.storage));
  const tokens = tokenSource(config.graph.auth);
  const graph = createClientGateway({
    endpoint: config.graph.endpoint,
    tokens,
    intuneBudget: config.graph.intuneBudget,
    ...(config.graph.budget.mode === 'shared' ? { pacer: sharedBudgetFor(config) } : {}),
  });
  return {
    config,
    tokens,
    graph,
    graphFor: (runId) => graph.forRun(runId),
    objects,
    runs: new RunStore(objects),
    ledger: new TableLedger(tableClientFor(config.storage)),
    reconcile: new ReconcileStore(objects),
    notifications: new NotificationStore(objects),
    poster: createHttpPoster({ allowLoopback: config.notify.allowLoopback, timeoutMs: config.notify.timeoutMs }),
  };
}
