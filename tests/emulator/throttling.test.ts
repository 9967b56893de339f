import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { raw, startHarness, type Harness } from './support';

interface BatchResponse {
  responses: { id: string; status: number; headers: Record<string, string> }[];
}

describe('throttling at the documented limits', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      timeScale: 0,
      throttling: true,
      seed: { groups: [{ id: 'g1', displayName: 'G', membershipRule: '(device.devicePhysicalIds -any (_ -contains "[ZTDID]"))' }] },
    });
    // Windows and buckets must not drain or refill with wall time while a burst is in flight.
    h.emu.freezeClock(true);
  });
  afterAll(async () => h.emu.stop());

  // A cheap Intune write that changes nothing: an assignment to a profile that does not exist (404).
  const WRITE = {
    method: 'POST',
    url: '/deviceManagement/windowsAutopilotDeploymentProfiles/none/assignments',
    body: { target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId: 'g1' } },
  };
  const write = (token: string) => raw(h.clientFor(token), 'POST', 'beta', WRITE.url, WRITE.body);

  /** Sends `n` requests as $batches of 20 and returns the inner statuses in order. */
  async function burst(
    token: string,
    n: number,
    request: { method: string; url: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<BatchResponse['responses']> {
    const client = h.clientFor(token);
    const out: BatchResponse['responses'] = [];
    for (let sent = 0; sent < n; sent += 20) {
      const size = Math.min(20, n - sent);
      const requests = Array.from({ length: size }, (_, i) => ({
        id: String(sent + i),
        ...request,
        ...(request.body !== undefined ? { headers: { ...request.headers, 'Content-Type': 'application/json' } } : {}),
      }));
      const result = await raw(client, 'POST', 'beta', '/$batch', { requests });
      out.push(...(result.body as BatchResponse).responses);
    }
    return out;
  }

  it('Intune: 100 writes per 20 s per app, then 429 with Retry-After; another app still gets through', async () => {
    const responses = await burst('app-a', 101, WRITE);
    expect(responses.slice(0, 100).every((r) => r.status === 404)).toBe(true);
    const throttled = responses[100]!;
    expect(throttled.status).toBe(429);
    const retryAfter = Number(throttled.headers['Retry-After']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(20);

    const other = await write('app-b');
    expect(other.status).toBe(404);

    await h.emu.advanceClock(retryAfter * 1000);
    expect((await write('app-a')).status).toBe(404);
  });

  it('Intune: 200 writes per 20 s for the tenant across apps', async () => {
    await h.emu.advanceClock(20_000);
    await burst('app-c', 100, WRITE);
    await burst('app-d', 100, WRITE);
    const third = await write('app-e');
    expect(third.status).toBe(429);
    expect(third.headers.get('Retry-After')).not.toBeNull();
  });

  it('directory: resource units per app (S tier, 3500 per 10 s; transitiveMembers costs 5) with throttle headers', async () => {
    const responses = await burst('app-f', 720, {
      method: 'GET',
      url: '/groups/g1/transitiveMembers/microsoft.graph.device?$count=true',
      headers: { ConsistencyLevel: 'eventual' },
    });
    const first429 = responses.findIndex((r) => r.status === 429);
    expect(first429).toBe(700);
    const throttled = responses[first429]!;
    expect(Number(throttled.headers['Retry-After'])).toBeGreaterThanOrEqual(1);
    expect(throttled.headers['x-ms-throttle-information']).toBe('ResourceUnitLimitExceeded');
    expect(throttled.headers['x-ms-throttle-scope']).toMatch(/^Tenant_Application\/ReadWrite\//);
    expect(responses[0]!.headers['x-ms-resource-unit']).toBe('5');
  });

  it('can be switched off at runtime', async () => {
    h.emu.updateSettings({ throttling: false });
    const responses = await burst('app-g', 120, WRITE);
    expect(responses.every((r) => r.status === 404)).toBe(true);
  });
});
