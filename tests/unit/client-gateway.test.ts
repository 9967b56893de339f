import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClientGateway } from '../../shared/graph/client-gateway';
import { GraphTransientError } from '../../shared/graph/errors';

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
      if (url === '/v1.0/devices?$skiptoken=p2') return send(200, { value: [{ id: '2' }] });
      if (url === '/v1.0/devices?$skiptoken=loop') return send(200, { value: [], '@odata.nextLink': `${base}/v1.0/devices?$skiptoken=loop` });
      if (url.startsWith('/v1.0/devices?$filter=loop')) return send(200, { value: [], '@odata.nextLink': `${base}/v1.0/devices?$skiptoken=loop` });
      if (url.startsWith('/v1.0/devices?')) return send(200, { value: [{ id: '1' }], '@odata.nextLink': `${base}/v1.0/devices?$skiptoken=p2` });
      if (url === '/v1.0/$batch') {
        batchAttempts++;
        const requests = (body as { requests: { id: string; url: string }[] }).requests;
        return send(200, {
          responses: requests.map((r) =>
            // the first attempt throttles one inner request; the retry must resend only that one
            batchAttempts === 1 && r.id === '1' ? { id: r.id, status: 429, headers: { 'Retry-After': '0' }, body: { error: { code: 'TooManyRequests', message: 'slow down' } } } : { id: r.id, status: 200, body: { id: r.url } },
          ),
        });
      }
      if (url.startsWith('/beta/deviceManagement/windowsAutopilotSettings/sync')) return send(429, { error: { code: 'TooManyRequests', message: 'recent sync' } }, { 'Retry-After': '120' });
      if (url.startsWith('/v1.0/deviceManagement/importedWindowsAutopilotDeviceIdentities/gone')) return send(404, { error: { code: 'NotFound', message: 'no such record' } });
      if (url.startsWith('/v1.0/deviceManagement/importedWindowsAutopilotDeviceIdentities/broken')) return send(500, { error: { code: 'InternalServerError', message: 'boom' } });
      send(501, { error: { code: 'NotImplemented', message: url } });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const address = server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const gateway = () => createClientGateway({ endpoint: base, tokens: { getToken: async () => 'tok-123' }, sleep: async () => {} });

  it('sends the bearer token to the configured endpoint and follows nextLinks across pages', async () => {
    const list = await gateway().listAll({ op: 'listDevices', query: { filter: "deviceId eq 'a b'", select: ['id'] } });
    expect(list).toEqual({ ok: true, items: [{ id: '1' }, { id: '2' }] });
    const first = seen.find((s) => s.url.startsWith('/v1.0/devices?$filter'));
    expect(first?.auth).toBe('Bearer tok-123');
    expect(decodeURIComponent(first!.url)).toContain("$filter=deviceId eq 'a b'");
  });

  it('hands a collection over page by page, in order, and answers a missing collection as a value', async () => {
    const pages: unknown[][] = [];
    const walked = await gateway().forEachPage({ op: 'listDevices', query: { select: ['id'] } }, (items) => {
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
    await expect(gateway().listAll({ op: 'listDevices', query: { filter: 'loop' } })).rejects.toThrow(/repeat/);
  });

  it('splits $batch into round trips of 20 and resends only the throttled inner request', async () => {
    batchAttempts = 0;
    const before = seen.filter((s) => s.url === '/v1.0/$batch').length;
    const specs = Array.from({ length: 25 }, (_, i) => ({ op: 'getImportedDevice' as const, params: { id: `r${i}` } }));
    const results = await gateway().batch(specs);
    expect(results.every((r) => r.ok)).toBe(true);
    const batches = seen.filter((s) => s.url === '/v1.0/$batch').slice(before);
    const sizes = batches.map((b) => (b.body as { requests: unknown[] }).requests.length);
    expect(sizes).toEqual([20, 1, 5]); // 20, the one throttled request again, then the last 5
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
    await expect(gateway().send({ op: 'getImportedDevice', params: { id: 'broken' } }, { noClientRetry: true })).rejects.toBeInstanceOf(GraphTransientError);
    const sync = await gateway().send({ op: 'syncAutopilot' }, { acceptStatuses: [409, 429], noClientRetry: true });
    expect(sync).toMatchObject({ ok: false, status: 429, retryAfterSeconds: 120 });
  });
});
