/**
 * The Graph gateway paced through a shared budget (a recording fake Pacer): every call asks for
 * what it costs (Intune writes and requests, directory resource units) on behalf of its run, a
 * $batch asks once for its requests, a retried throttled item asks again and still waits its
 * Retry-After, and each grant is released once the call is answered.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Amounts } from '../../shared/graph/budget/model';
import type { Pacer } from '../../shared/graph/budget/shared-budget';
import { APP_RUN, createClientGateway } from '../../shared/graph/client-gateway';

describe('gateway pacing through the shared budget', () => {
  let server: Server;
  let base = '';
  let batches = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      let text = '';
      req.on('data', (c) => (text += c));
      req.on('end', () => {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        if (req.url === '/v1.0/$batch') {
          batches++;
          const requests = (JSON.parse(text) as { requests: { id: string }[] }).requests;
          // The first $batch has its item 0 throttled with Retry-After: 7.
          const responses = requests.map((r) =>
            batches === 1 && r.id === '0'
              ? { id: r.id, status: 429, headers: { 'Retry-After': '7' }, body: { error: { code: 'TooManyRequests', message: 'x' } } }
              : { id: r.id, status: 204 },
          );
          return res.end(JSON.stringify({ responses }));
        }
        res.end(JSON.stringify({ value: [] }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const address = server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  function recording() {
    const asked: { run: string; amounts: Amounts }[] = [];
    let released = 0;
    const pacer: Pacer = {
      async acquire(run, amounts) {
        asked.push({ run, amounts });
        return () => void released++;
      },
    };
    return { pacer, asked, released: () => released };
  }

  it('asks for each call what it costs, for its run, and releases every grant', async () => {
    const { pacer, asked, released } = recording();
    const sleeps: number[] = [];
    const gateway = createClientGateway({
      endpoint: base,
      tokens: { getToken: async () => 't' },
      pacer,
      sleep: async (ms) => void sleeps.push(ms),
    });
    const run = gateway.forRun('intake-abc');
    await run.batch([1, 2, 3].map((i) => ({ op: 'deleteImportedDevice' as const, params: { id: `r${i}` } })));
    await run.listAll({ op: 'listGroupDeviceMembers', params: { id: 'g' }, query: { select: ['id'] } });
    await gateway.listAll({ op: 'listDevices', query: { filter: "deviceId eq 'x'" } });
    expect(asked).toEqual([
      { run: 'intake-abc', amounts: { iw: 3, ir: 3 } },
      // Only the throttled item is sent again, after its Retry-After, and asks for itself alone.
      { run: 'intake-abc', amounts: { iw: 1, ir: 1 } },
      // Directory: transitiveMembers costs 5 resource units, less 1 for $select.
      { run: 'intake-abc', amounts: { du: 4 } },
      { run: APP_RUN, amounts: { du: 1 } },
    ]);
    expect(sleeps).toEqual([7_000]);
    expect(released()).toBe(4);
  });
});
