/**
 * The composition root: reads configuration once (lazily, on first use, so a configuration error
 * surfaces in the first invocation's log with every problem listed) and builds the clients the
 * activities and HTTP functions are given.
 */
import { DefaultAzureCredential, ManagedIdentityCredential, type TokenCredential } from '@azure/identity';
import { loadConfig, type AppConfig, type GraphAuth } from '../shared/config';
import { createClientGateway, type TokenSource } from '../shared/graph/client-gateway';
import type { GraphGateway } from '../shared/graph/gateway';
import { BlobObjectStore, blobServiceFor } from '../shared/storage/blob-store';
import type { ObjectStore } from '../shared/storage/object-store';
import { RunStore } from '../shared/run/run-store';

export interface Services {
  config: AppConfig;
  graph: GraphGateway;
  objects: ObjectStore;
  runs: RunStore;
}

const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

function tokenSource(auth: GraphAuth): TokenSource {
  if (auth.kind === 'static-token') return { getToken: async () => auth.token };
  const credential: TokenCredential =
    auth.kind === 'managed-identity'
      ? new ManagedIdentityCredential(auth.clientId ? { clientId: auth.clientId } : {})
      : new DefaultAzureCredential(auth.clientId ? { managedIdentityClientId: auth.clientId } : {});
  return {
    async getToken() {
      const token = await credential.getToken(GRAPH_SCOPE);
      if (!token) throw new Error('no Microsoft Graph token from the managed identity');
      return token.token;
    },
  };
}

let services: Services | undefined;

export function getServices(): Services {
  if (!services) {
    const config = loadConfig(process.env);
    const objects = new BlobObjectStore(blobServiceFor(config.storage));
    services = {
      config,
      graph: createClientGateway({ endpoint: config.graph.endpoint, tokens: tokenSource(config.graph.auth), intuneBudget: config.graph.intuneBudget }),
      objects,
      runs: new RunStore(objects),
    };
  }
  return services;
}
