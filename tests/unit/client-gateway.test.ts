import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BATCHES_IN_FLIGHT, createClientGateway } from '../../shared/graph/client-gateway';
import { GraphContractError, GraphPermissionError, GraphTransientError } from '../../shared/graph/errors';

/** A scripted HTTP server standing in for Graph, to test what the gateway puts on the wire. */
describe('Graph gateway over @microsoft/microsoft-graph-client', () => {
  let server: Server;
  let base = '';
  const seen: { method: string; url: string; auth?: string; body?: unknown }[] = [];
  let batchAttempts = 0;

  const readBody = (req: IncomingMessage) =>
    new Promise<unknown>((resolve) => {
      let text = '';
      req.on('data', (c) => (text += c));
      req.on('end', () => resolve(text ? JSON.parse(text) : undefined));
    });

  beforeAll(async () => {
    server = createServer(async (req, res) => {
      const body = await readBody(req);
      seen.push({ method: req.method ?? '', url: req.url ?? '', auth: req.headers.authorization, body });
      const send = (status: number, payload?: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
        res.end(payload === undefined ? '' : JSON.stringify(payload));
      };
      const url = req.url ?? '';
      const list = '/beta/deviceManagement/windowsAutopilotDeviceIdentities';
      if (url === `${list}?$skiptoken=p2`) return send(200, { value: [{ id: '2' }] });
      if (url === `${list}?$skiptoken=loop`) return send(200, { value: [], '@odata.nextLink': `${base}${list}?$skiptoken=loop` });
      if (url.startsWith(`${list}?$filter=loop`)) return send(200, { value: [], '@odata.nextLink': `${base}${list}?$skiptoken=loop` });
      if (url.startsWith(`${list}?`) || url === list)
        return send(200, { value: [{ id: '1' }], '@odata.nextLink': `${base}${list}?$skiptoken=p2` });
      if (url === '/v1.0/$batch') {
        batchAttempts++;
        const requests = (body as { requests: { id: string; url: string }[] }).requests;
        return send(200, {
          responses: requests.map((r) =>
            // the first attempt throttles one inner request; the retry must resend only that one
            batchAttempts === 1 && r.id === '1'
              ? {
                  id: r.id,
                  status: 429,
                  headers: { 'Retry-After': '0' },
                  body: { error: { code: 'TooManyRequests', message: 'slow down' } },
                }
              : { id: r.id, status: 200, body: { id: r.url } },
          ),
        });
      }
      if (url.startsWith('/beta/deviceManagement/windowsAutopilotSettings/sync'))
        return send(429, { error: { code: 'TooManyRequests', message: 'recent sync' } }, { 'Retry-After': '120' });
      if (url.startsWith('/v1.0/deviceManagement/importedWindowsAutopilotDeviceIdentities/gone'))
        return send(404, { error: { code: 'NotFound', message: 'no such record' } });
      if (url.startsWith('/v1.0/deviceManagement/importedWindowsAutopilotDeviceIdentities/broken'))
        return send(500, { error: { code: 'InternalServerError', message: 'boom' } });
      send(501, { error: { code: 'NotImplemented', message: url } });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const address = server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const gateway = () => createClientGateway({ endpoint: base, tokens: { getToken: async () => 'tok-123' }, sleep: async () => {} });

  it('sends the bearer token to the configured endpoint and follows nextLinks across pages', async () => {
    const list = await gateway().listAll({ op: 'listAutopilotDevices', query: { filter: "contains(serialNumber,'a b')" } });
    expect(list).toEqual({ ok: true, items: [{ id: '1' }, { id: '2' }] });
    const first = seen.find((s) => s.url.startsWith('/beta/deviceManagement/windowsAutopilotDeviceIdentities?$filter'));
    expect(first?.auth).toBe('Bearer tok-123');
    expect(decodeURIComponent(first!.url)).toContain("$filter=contains(serialNumber,'a b')");
  });

  it('hands a collection over page by page, in order, and answers a missing collection as a value', async () => {
    const pages: unknown[][] = [];
    const walked = await gateway().forEachPage({ op: 'listAutopilotDevices' }, (items) => {
      pages.push(items);
    });
    expect(walked).toEqual({ ok: true, pages: 2 });
    expect(pages).toEqual([[{ id: '1' }], [{ id: '2' }]]);
    const missing = await gateway().forEachPage({ op: 'getImportedDevice', params: { id: 'gone' } }, () => {
      throw new Error('no page expected');
    });
    expect(missing).toMatchObject({ ok: false, status: 404, code: 'NotFound' });
  });

  it('refuses a nextLink that repeats itself instead of paging forever', async () => {
    await expect(gateway().listAll({ op: 'listAutopilotDevices', query: { filter: 'loop' } })).rejects.toThrow(/repeat/);
  });

  it('splits $batch into round trips of 20 and resends only the throttled inner request', async () => {
    batchAttempts = 0;
    const before = seen.filter((s) => s.url === '/v1.0/$batch').length;
    const specs = Array.from({ length: 25 }, (_, i) => ({ op: 'getImportedDevice' as const, params: { id: `r${i}` } }));
    const results = await gateway().batch(specs);
    expect(results.every((r) => r.ok)).toBe(true);
    const batches = seen.filter((s) => s.url === '/v1.0/$batch').slice(before);
    const sizes = batches.map((b) => (b.body as { requests: unknown[] }).requests.length);
    // 20 and the last 5 (sent together), and the one throttled request again
    expect(sizes.sort((a, b) => a - b)).toEqual([1, 5, 20]);
  });

  it('sizes write batches so whole batches fill the Intune write budget', async () => {
    batchAttempts = 10; // no throttled answers this time
    const before = seen.filter((s) => s.url === '/v1.0/$batch').length;
    await gateway().batch(Array.from({ length: 40 }, (_, i) => ({ op: 'deleteImportedDevice' as const, params: { id: `r${i}` } })));
    const sizes = seen
      .filter((s) => s.url === '/v1.0/$batch')
      .slice(before)
      .map((b) => (b.body as { requests: unknown[] }).requests.length);
    expect(sizes).toEqual([19, 19, 2]); // 96 writes per 20 s = 5 batches of 19
  });

  it('returns permanent answers as values and throws transient ones', async () => {
    const gone = await gateway().send({ op: 'getImportedDevice', params: { id: 'gone' } });
    expect(gone).toMatchObject({ ok: false, status: 404, code: 'NotFound' });
    await expect(gateway().send({ op: 'getImportedDevice', params: { id: 'broken' } }, { noClientRetry: true })).rejects.toBeInstanceOf(
      GraphTransientError,
    );
    const sync = await gateway().send({ op: 'syncAutopilot' }, { acceptStatuses: [409, 429], noClientRetry: true });
    expect(sync).toMatchObject({ ok: false, status: 429, retryAfterSeconds: 120 });
  });
});

/** A batch call's round trips overlap, a few at a time, and the first failure stops the rest. */
describe('Graph gateway: $batch round trips in flight', () => {
  let server: Server;
  let base = '';
  let inFlight = 0;
  let most = 0;
  const sent: string[][] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      let text = '';
      req.on('data', (c) => (text += c));
      req.on('end', () => {
        const requests = (JSON.parse(text) as { requests: { id: string; url: string }[] }).requests;
        sent.push(requests.map((r) => r.url));
        most = Math.max(most, ++inFlight);
        setTimeout(
          () => {
            inFlight--;
            res.writeHead(200, { 'Content-Type': 'application/json' });
            const answer = (r: { id: string; url: string }) =>
              r.url.endsWith('/refused')
                ? { id: r.id, status: 403, body: { error: { code: 'Forbidden', message: 'no' } } }
                : { id: r.id, status: 200, body: { id: r.url } };
            res.end(JSON.stringify({ responses: requests.map(answer) }));
            // (A refusal is answered at once, before the other round trips in flight.)
          },
          requests.some((r) => r.url.endsWith('/refused')) ? 0 : 20,
        );
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const address = server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  const gateway = () => createClientGateway({ endpoint: base, tokens: { getToken: async () => 'tok' }, sleep: async () => {} });
  const gets = (ids: string[]) => ids.map((id) => ({ op: 'getImportedDevice' as const, params: { id } }));

  it(`keeps ${BATCHES_IN_FLIGHT} round trips in flight and puts every answer in its request's place`, async () => {
    const ids = Array.from({ length: 200 }, (_, i) => `r${i}`);
    const results = await gateway().batch(gets(ids));
    expect(most).toBe(BATCHES_IN_FLIGHT);
    expect(sent).toHaveLength(10);
    expect(results.map((r) => (r.ok ? (r.body as { id: string }).id : '')).map((u) => u.split('/').at(-1))).toEqual(ids);
  });

  it('a failure stops the round trips not yet sent, and is thrown once those in flight have answered', async () => {
    sent.length = 0;
    most = 0;
    const ids = ['refused', ...Array.from({ length: 199 }, (_, i) => `r${i}`)];
    await expect(gateway().batch(gets(ids))).rejects.toBeInstanceOf(GraphPermissionError);
    expect(sent).toHaveLength(BATCHES_IN_FLIGHT); // the first four only
    expect(inFlight).toBe(0);
  });
});

/**
 * What the gateway does with each class of answer, against a server scripted per test: the
 * advanced-query headers, 401/403 (single and inside a $batch), Retry-After in both forms with a
 * clock the test controls, the give-up, and the sync posted without a body.
 */
describe('Graph gateway: request headers, failure classes and Retry-After', () => {
  type Seen = { method: string; url: string; headers: Record<string, string | string[] | undefined>; body?: unknown; rawBody: string };
  let server: Server;
  let base = '';
  const seen: Seen[] = [];
  let answer: (req: Seen) => { status: number; body?: unknown; headers?: Record<string, string> } = () => ({ status: 501 });

  beforeAll(async () => {
    server = createServer((req, res) => {
      let rawBody = '';
      req.on('data', (c) => (rawBody += c));
      req.on('end', () => {
        const entry: Seen = {
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          rawBody,
          body: rawBody ? JSON.parse(rawBody) : undefined,
        };
        seen.push(entry);
        const a = answer(entry);
        res.writeHead(a.status, { 'Content-Type': 'application/json', ...a.headers });
        res.end(a.body === undefined ? '' : JSON.stringify(a.body));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const address = server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const NOW = Date.parse('2026-12-07T10:00:00Z');
  const sleeps: number[] = [];
  const gateway = (extra: { maxInnerRetries?: number } = {}) =>
    createClientGateway({
      endpoint: base,
      tokens: { getToken: async () => 'tok' },
      sleep: async (ms) => void sleeps.push(ms),
      now: () => NOW,
      ...extra,
    });
  const reset = () => {
    seen.length = 0;
    sleeps.length = 0;
  };

  it('sends ConsistencyLevel: eventual and $count=true on every page of the group-members cast, and inside a $batch', async () => {
    reset();
    answer = (req) =>
      req.url.includes('skiptoken')
        ? { status: 200, body: { value: [{ id: 'o2', deviceId: 'd2' }] } }
        : req.url === '/v1.0/$batch'
          ? { status: 200, body: { responses: [{ id: '0', status: 200, body: { value: [] } }] } }
          : // a nextLink without $count: the gateway adds it back
            {
              status: 200,
              body: {
                value: [{ id: 'o1', deviceId: 'd1' }],
                '@odata.nextLink': `${base}/v1.0/groups/g1/transitiveMembers/microsoft.graph.device?$skiptoken=2`,
              },
            };
    const spec = { op: 'listGroupDeviceMembers' as const, params: { id: 'g1' }, query: { select: ['id', 'deviceId'], top: 999 } };
    const list = await gateway().listAll(spec);
    expect(list).toEqual({
      ok: true,
      items: [
        { id: 'o1', deviceId: 'd1' },
        { id: 'o2', deviceId: 'd2' },
      ],
    });
    expect(seen.map((s) => [s.url, s.headers['consistencylevel']])).toEqual([
      ['/v1.0/groups/g1/transitiveMembers/microsoft.graph.device?$select=id,deviceId&$top=999&$count=true', 'eventual'],
      // (the Graph client puts OData parameters first)
      ['/v1.0/groups/g1/transitiveMembers/microsoft.graph.device?$count=true&$skiptoken=2', 'eventual'],
    ]);
    reset();
    await gateway().batch([spec]);
    const item = (seen[0]!.body as { requests: { url: string; headers?: Record<string, string> }[] }).requests[0]!;
    expect(item).toMatchObject({
      url: '/groups/g1/transitiveMembers/microsoft.graph.device?$select=id,deviceId&$top=999&$count=true',
      headers: { ConsistencyLevel: 'eventual' },
    });
    // An ordinary read carries neither.
    reset();
    answer = () => ({ status: 200, body: { value: [] } });
    await gateway().listAll({ op: 'listAutopilotDevices' });
    expect(seen[0]!.headers['consistencylevel']).toBeUndefined();
    expect(seen[0]!.url).not.toContain('$count');
  });

  it('a 403 stops with the operation, the permission it needs and how to grant it — alone or inside a $batch', async () => {
    answer = (req) =>
      req.url === '/v1.0/$batch'
        ? {
            status: 200,
            body: {
              responses: [
                { id: '0', status: 200, body: {} },
                { id: '1', status: 403, body: { error: { code: 'Forbidden', message: 'no' } } },
              ],
            },
          }
        : {
            status: 403,
            body: { error: { code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' } },
          };
    const single = await gateway()
      .send({ op: 'listGroupDeviceMembers', params: { id: 'g' } })
      .catch((e: unknown) => e);
    expect(single).toBeInstanceOf(GraphPermissionError);
    expect((single as GraphPermissionError).failure).toMatchObject({
      kind: 'permission',
      operation: 'listGroupDeviceMembers',
      status: 403,
      code: 'Authorization_RequestDenied',
    });
    expect((single as GraphPermissionError).failure.message).toContain('GroupMember.Read.All and Device.Read.All');
    expect((single as GraphPermissionError).failure.fix).toMatch(/azd provision/);
    const inBatch = await gateway()
      .batch([
        { op: 'getImportedDevice', params: { id: 'a' } },
        { op: 'deleteImportedDevice', params: { id: 'b' } },
      ])
      .catch((e: unknown) => e);
    expect(inBatch).toBeInstanceOf(GraphPermissionError);
    expect((inBatch as GraphPermissionError).failure).toMatchObject({ operation: 'deleteImportedDevice', status: 403 });
  });

  it('a 401 is a token problem, said so, not retried', async () => {
    reset();
    answer = () => ({ status: 401, body: { error: { code: 'InvalidAuthenticationToken', message: 'Access token validation failure.' } } });
    const error = await gateway()
      .send({ op: 'getAutopilotSettings' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphPermissionError);
    expect((error as GraphPermissionError).failure).toMatchObject({ kind: 'auth', status: 401, code: 'InvalidAuthenticationToken' });
    expect((error as GraphPermissionError).failure.fix).toMatch(/AZURE_CLIENT_ID/);
    expect(seen).toHaveLength(1);
  });

  it('a failure to get a token at all is an auth failure with the fix, not a network blip', async () => {
    const failing = createClientGateway({
      endpoint: base,
      tokens: {
        getToken: async () => {
          throw Object.assign(new Error('ManagedIdentityCredential: no managed identity endpoint'), { name: 'CredentialUnavailableError' });
        },
      },
    });
    const error = await failing.send({ op: 'getAutopilotSettings' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphPermissionError);
    expect((error as GraphPermissionError).failure).toMatchObject({ kind: 'auth', operation: 'token' });
  });

  it('honours Retry-After on a throttled $batch item, in seconds and as an HTTP date, against the clock it is given', async () => {
    for (const [header, expected] of [
      ['7', 7000],
      [new Date(NOW + 12_000).toUTCString(), 12000],
    ] as const) {
      reset();
      let attempt = 0;
      answer = () => ({
        status: 200,
        body: {
          responses: [
            attempt++ === 0
              ? { id: '0', status: 429, headers: { 'Retry-After': header }, body: { error: { code: 'TooManyRequests', message: '' } } }
              : { id: '0', status: 200, body: {} },
          ],
        },
      });
      const [result] = await gateway().batch([{ op: 'getImportedDevice', params: { id: 'r' } }]);
      expect(result).toMatchObject({ ok: true });
      expect(sleeps).toEqual([expected]);
    }
  });

  it('gives up (transient, for the activity to retry later) when the service asks to wait more than 30 s, or after the inner retries', async () => {
    reset();
    answer = () => ({
      status: 200,
      body: {
        responses: [{ id: '0', status: 429, headers: { 'Retry-After': '45' }, body: { error: { code: 'TooManyRequests', message: '' } } }],
      },
    });
    const long = await gateway()
      .batch([{ op: 'getImportedDevice', params: { id: 'r' } }])
      .catch((e: unknown) => e);
    expect(long).toBeInstanceOf(GraphTransientError);
    expect((long as GraphTransientError).retryAfterSeconds).toBe(45);
    expect(sleeps).toEqual([]);
    reset();
    answer = () => ({
      status: 200,
      body: { responses: [{ id: '0', status: 503, body: { error: { code: 'serviceNotAvailable', message: '' } } }] },
    });
    await expect(gateway({ maxInnerRetries: 2 }).batch([{ op: 'getImportedDevice', params: { id: 'r' } }])).rejects.toBeInstanceOf(
      GraphTransientError,
    );
    expect(sleeps).toEqual([1000, 2000]); // no Retry-After: 2^attempt seconds
    expect(seen).toHaveLength(3);
  });

  it('a single call throttled once is retried by the Graph client itself, honouring Retry-After', async () => {
    reset();
    let n = 0;
    answer = () =>
      n++ === 0
        ? { status: 429, headers: { 'Retry-After': '0' }, body: { error: { code: 'TooManyRequests', message: '' } } }
        : { status: 200, body: { syncStatus: 'completed' } };
    const result = await gateway().send({ op: 'getAutopilotSettings' });
    expect(result).toMatchObject({ ok: true, body: { syncStatus: 'completed' } });
    expect(seen).toHaveLength(2);
  });

  it('posts the sync without a body, as the action is documented', async () => {
    reset();
    answer = () => ({ status: 204 });
    await gateway().send({ op: 'syncAutopilot' }, { noClientRetry: true });
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/beta/deviceManagement/windowsAutopilotSettings/sync', rawBody: '' });
  });

  it('a $batch refused as a whole is a contract break, not a value the caller could miss', async () => {
    answer = () => ({ status: 400, body: { error: { code: 'BadRequest', message: 'Invalid batch payload' } } });
    await expect(gateway().batch([{ op: 'getImportedDevice', params: { id: 'r' } }])).rejects.toBeInstanceOf(GraphContractError);
  });
});
