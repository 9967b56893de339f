/**
 * The composition root: reads configuration once (lazily, on first use, so a configuration error
 * surfaces in the first invocation's log with every problem listed) and builds the clients the
 * activities and HTTP functions are given.
 */
import { loadConfig, type AppConfig } from '../shared/config';
import { createClientGateway, type TokenSource } from '../shared/graph/client-gateway';
import { tokenSource } from '../shared/graph/token-source';
import type { GraphGateway } from '../shared/graph/gateway';
import { BlobObjectStore, blobServiceFor } from '../shared/storage/blob-store';
import type { ObjectStore } from '../shared/storage/object-store';
import { RunStore } from '../shared/run/run-store';

export interface Services {
  config: AppConfig;
  graph: GraphGateway;
  /** The token the gateway sends (the preflight reads its app roles). */
  tokens: TokenSource;
  objects: ObjectStore;
  runs: RunStore;
}

let services: Services | undefined;

export function getServices(): Services {
  if (!services) {
    const config = loadConfig(process.env);
    const objects = new BlobObjectStore(blobServiceFor(config.storage));
    const tokens = tokenSource(config.graph.auth);
    services = {
      config,
      tokens,
      graph: createClientGateway({ endpoint: config.graph.endpoint, tokens, intuneBudget: config.graph.intuneBudget }),
      objects,
      runs: new RunStore(objects),
    };
  }
  return services;
}
