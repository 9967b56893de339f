/**
 * A scripted stand-in for the Durable extension's HTTP API, behind the REAL DurableClient of
 * durable-functions (constructed from the same binding data the host gives it): tests of the HTTP
 * functions and start-run exercise the library's own requests and error mapping (its 404 error text
 * included), not a fake of it.
 */
import { createServer, type Server } from 'node:http';
import type { DurableClient } from 'durable-functions';

// Not in the package's typings: the class df.getClient constructs from the binding data.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { DurableClient: DurableClientClass } = require('durable-functions/lib/src/durableClient/DurableClient') as {
  DurableClient: new (data: unknown) => DurableClient;
};

export interface Instance {
  name: string;
  instanceId: string;
  runtimeStatus: string;
  input?: unknown;
  customStatus?: unknown;
  output?: unknown;
  createdTime: string;
  lastUpdatedTime: string;
}

export interface Extension {
  client: DurableClient;
  instances: Map<string, Instance>;
  /** Starts that were answered (name, instance id). */
  starts: { name: string; instanceId: string }[];
  /** Make the next start fail as if another delivery had started the same instance first. */
  raceNextStart(): void;
  close(): Promise<void>;
}

export async function startExtension(): Promise<Extension> {
  const instances = new Map<string, Instance>();
  const starts: { name: string; instanceId: string }[] = [];
  let race = false;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const send = (status: number, data?: unknown) => {
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(data === undefined ? '' : JSON.stringify(data));
      };
      const start = /^\/durabletask\/orchestrators\/([^/]+)\/([^/]+)$/.exec(url.pathname);
      if (req.method === 'POST' && start) {
        const [, name, instanceId] = start as unknown as [string, string, string];
        const now = new Date().toISOString();
        const instance: Instance = {
          name,
          instanceId,
          runtimeStatus: 'Pending',
          input: body ? JSON.parse(body) : undefined,
          createdTime: now,
          lastUpdatedTime: now,
        };
        if (race) {
          race = false;
          instances.set(instanceId, instance);
          return send(500, { error: 'an instance with this id already exists' });
        }
        instances.set(instanceId, instance);
        starts.push({ name, instanceId });
        return send(202, { id: instanceId });
      }
      const one = /^\/durabletask\/instances\/([^/]+)$/.exec(url.pathname);
      // The extension's status shape: every field present, null when unset.
      const shaped = (i: Instance) => ({ input: null, output: null, customStatus: null, ...i });
      if (req.method === 'GET' && one) {
        const found = instances.get(decodeURIComponent(one[1]!));
        return found ? send(200, shaped(found)) : send(404);
      }
      if (req.method === 'GET' && url.pathname === '/durabletask/instances/') return send(200, [...instances.values()].map(shaped));
      send(501, { error: `${req.method} ${url.pathname}` });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const address = server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const client = new DurableClientClass({
    taskHubName: 'test',
    creationUrls: {},
    managementUrls: { id: 'INSTANCEID', statusQueryGetUri: `${base}/runtime/webhooks/durabletask/instances/INSTANCEID?code=x` },
    baseUrl: `${base}/runtime/webhooks/durabletask`,
    requiredQueryStringParameters: 'code=x',
    rpcBaseUrl: `${base}/durabletask/`,
    httpBaseUrl: `${base}/`,
  });
  return {
    client,
    instances,
    starts,
    raceNextStart: () => void (race = true),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
