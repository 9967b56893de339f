/**
 * Where the app's Microsoft Graph tokens come from, by configuration: the Function App's managed
 * identity in Azure, DefaultAzureCredential for an admin's machine (Azure CLI login), or a fixed
 * token for the local Graph emulator only (config.ts refuses it for any other endpoint).
 */
import { DefaultAzureCredential, ManagedIdentityCredential, type TokenCredential } from '@azure/identity';
import type { GraphAuth } from '../config';
import type { TokenSource } from './client-gateway';

const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

export function tokenSource(auth: GraphAuth): TokenSource {
  if (auth.kind === 'static-token') return { getToken: async () => auth.token };
  const credential: TokenCredential =
    auth.kind === 'managed-identity'
      ? new ManagedIdentityCredential(auth.clientId ? { clientId: auth.clientId } : {})
      : new DefaultAzureCredential(auth.clientId ? { managedIdentityClientId: auth.clientId } : {});
  return {
    async getToken() {
      const token = await credential.getToken(GRAPH_SCOPE);
      if (!token) throw new Error('no Microsoft Graph token from the credential');
      return token.token;
    },
  };
}
