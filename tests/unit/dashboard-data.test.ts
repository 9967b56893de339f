import { describe, expect, it } from 'vitest';
import { DeviceQuery, queryDevices, type DashboardDevice } from '../../shared/dashboard/device-index';
import { DeviceIndexCache } from '../../shared/dashboard/index-cache';
import { funnel, problems, timings } from '../../shared/dashboard/run-summary';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString();

function device(line: number, over: Partial<DashboardDevice> = {}): DashboardDevice {
  return {
    line,
    serialNumber: `SN-${String(line).padStart(4, '0')}`,
    rowStatus: 'valid',
    result: 'pending',
    stage: 'registration',
    at: {},
    ...over,
  };
}

describe('the device table query (server-side paging, sort, filter, search)', () => {
  const devices = [
    device(2, { result: 'confirmed', stage: 'done', groupTag: 'Sales', at: { importSent: at(0), registered: at(60) } }),
    device(3, { result: 'failed', stage: 'profile', code: 'ProfileNotAssigned', at: { importSent: at(0), registered: at(30) } }),
    device(4, { rowStatus: 'rejected', result: 'rejected', stage: undefined, code: 'InvalidHash' }),
    device(5, { serialNumber: 'lab-x', groupTag: 'Lab' }),
  ];
  const q = (raw: Record<string, string>) => queryDevices(devices, DeviceQuery.parse(raw));

  it('pages in file order by default and says how many matched of how many', () => {
    const page = q({ top: '2', skip: '1' });
    expect(page).toMatchObject({ total: 4, matched: 4, skip: 1 });
    expect(page.rows.map((d) => d.line)).toEqual([3, 4]);
  });

  it('filters by result and stage, and searches serial, tag and code case-insensitively', () => {
    expect(q({ result: 'failed' }).rows.map((d) => d.line)).toEqual([3]);
    expect(q({ stage: 'registration' }).rows.map((d) => d.line)).toEqual([5]);
    expect(q({ q: 'LAB' }).rows.map((d) => d.line)).toEqual([5]);
    expect(q({ q: 'invalidhash' }).rows.map((d) => d.line)).toEqual([4]);
    expect(q({ q: 'sales', result: 'failed' }).matched).toBe(0);
  });

  it('sorts by a column either way, ties in file order, devices without the value first ascending', () => {
    expect(q({ sort: 'serialNumber', dir: 'desc' }).rows.map((d) => d.serialNumber)).toEqual(['SN-0004', 'SN-0003', 'SN-0002', 'lab-x']);
    expect(q({ sort: 'registered' }).rows.map((d) => d.line)).toEqual([4, 5, 3, 2]);
    expect(q({ sort: 'line', dir: 'desc' }).rows.map((d) => d.line)).toEqual([5, 4, 3, 2]);
  });

  it('refuses a query it does not understand rather than guessing', () => {
    expect(DeviceQuery.safeParse({ sort: 'hardwareHash' }).success).toBe(false);
    expect(DeviceQuery.safeParse({ top: '100000' }).success).toBe(false);
    expect(DeviceQuery.safeParse({ result: 'everything' }).success).toBe(false);
  });
});

describe('the run summary', () => {
  it('counts the devices through each stage in pipeline order', () => {
    const f = funnel([
      device(2, {
        result: 'confirmed',
        at: { imported: at(1), registered: at(2), inGroup: at(3), profileAssigned: at(4), espConfirmed: at(5) },
      }),
      device(3, { at: { imported: at(1) } }),
      device(4, { rowStatus: 'rejected', result: 'rejected' }),
    ]);
    expect(Object.fromEntries(f.map((s) => [s.stage, s.count]))).toEqual({
      rows: 3,
      valid: 2,
      imported: 2,
      registered: 1,
      inGroup: 1,
      profileAssigned: 1,
      espConfirmed: 1,
      confirmed: 1,
    });
  });

  it('groups problems by stage and code, most frequent first, with remediation and the first ten lines', () => {
    const failed = Array.from({ length: 12 }, (_, i) =>
      device(10 + i, { result: 'failed', stage: 'group', code: 'NotInGroup', message: 'not in group', remediation: 'check the rule' }),
    );
    const list = problems([
      ...failed,
      device(2, { result: 'rejected', rowStatus: 'rejected', stage: undefined, code: 'InvalidHash' }),
      device(3),
    ]);
    expect(list).toHaveLength(2);
    expect(list[0]).toMatchObject({ code: 'NotInGroup', stage: 'group', count: 12, remediation: 'check the rule' });
    expect(list[0]!.lines).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    expect(list[1]).toMatchObject({ code: 'InvalidHash', count: 1, lines: [2] });
  });

  it('p50 and p95 (nearest rank) of the time from import sent to registered and to profile assigned', () => {
    const devices = Array.from({ length: 20 }, (_, i) =>
      device(i + 2, { at: { importSent: at(0), registered: at((i + 1) * 10), ...(i < 10 ? { profileAssigned: at((i + 1) * 100) } : {}) } }),
    );
    const t = timings(devices);
    expect(t.registered).toEqual({ count: 20, p50Seconds: 100, p95Seconds: 190 });
    expect(t.profileAssigned).toEqual({ count: 10, p50Seconds: 500, p95Seconds: 1000 });
    expect(timings([device(2)]).registered).toEqual({ count: 0, p50Seconds: undefined, p95Seconds: undefined });
  });
});

describe('the device rows cache', () => {
  it('reads a run once per version, again when it moved on, and keeps only the most recently used runs', async () => {
    const cache = new DeviceIndexCache(2);
    let reads = 0;
    const load = async () => {
      reads++;
      return [device(2)];
    };
    await cache.get('a', 'v1', load);
    await cache.get('a', 'v1', load);
    expect(reads).toBe(1);
    await cache.get('a', 'v2', load);
    expect(reads).toBe(2);
    await cache.get('b', 'v1', load);
    await cache.get('a', 'v2', load);
    await cache.get('c', 'v1', load); // evicts b, the least recently used
    await cache.get('a', 'v2', load);
    expect(reads).toBe(4);
    await cache.get('b', 'v1', load);
    expect(reads).toBe(5);
  });

  it('does not keep a failed read', async () => {
    const cache = new DeviceIndexCache();
    await expect(cache.get('a', 'v1', () => Promise.reject(new Error('blob unavailable')))).rejects.toThrow('blob unavailable');
    expect(await cache.get('a', 'v1', async () => [device(7)])).toEqual([device(7)]);
  });
});
