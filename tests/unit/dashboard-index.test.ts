import { describe, expect, it } from 'vitest';
import { loadDevices, type DashboardDevice } from '../../shared/dashboard/device-index';
import { DeviceIndexCache } from '../../shared/dashboard/index-cache';
import { runDevices } from '../../shared/dashboard/run-devices';
import { decodeRunIndex, runIndexPath, runIndexPieces } from '../../shared/dashboard/run-index';
import { MemoryLedger } from '../../shared/ledger/ledger';
import { runFinalizeStep } from '../../shared/run/finalize-step';
import { runParseStep } from '../../shared/run/parse-step';
import { CONTAINERS, type ObjectStore } from '../../shared/storage/object-store';
import { T0, csvOf, storeWithCsv } from '../support/run-fixtures';

const RUN = 'intake-00000000000000000000000000000015';
const log = () => {};

async function remove(objects: ObjectStore, container: string, path: string): Promise<void> {
  await objects.deleteIf(container, path, (await objects.etagOf(container, path))!);
}

async function text(pieces: AsyncIterable<string>): Promise<string> {
  let out = '';
  for await (const p of pieces) out += p;
  return out;
}

const full: DashboardDevice = {
  line: 2,
  serialNumber: 'SN-<b>1</b>',
  rowStatus: 'valid',
  result: 'failed',
  stage: 'profile',
  code: 'ProfileNotAssigned',
  message: 'no profile after 60 min',
  remediation: 'check the assignment',
  groupTag: 'Sales',
  manufacturer: 'Contoso',
  model: 'Surface Laptop 7',
  autopilotId: 'ztd-1',
  importStatus: 'complete',
  profileStatus: 'notAssigned',
  profileId: 'p-1',
  espId: 'e-1',
  groupIds: ['g-1', 'g-2'],
  at: { importSent: '2026-01-01T00:00:00.000Z', registered: '2026-01-01T00:01:00Z' },
};
const bare: DashboardDevice = { line: 3, serialNumber: '', rowStatus: 'rejected', result: 'rejected', code: 'InvalidHash', at: {} };

describe("a run's dashboard index", () => {
  it('round-trips every field, absent ones staying absent, repeated values stored once', async () => {
    const many = Array.from({ length: 50 }, (_, i) => ({ ...full, line: 10 + i, serialNumber: `SN-${i}`, autopilotId: `ztd-${i}` }));
    const json = await text(runIndexPieces(RUN, [full, bare, ...many]));
    const decoded = decodeRunIndex(json, RUN);
    expect(decoded).toEqual([full, bare, ...many]);
    expect(Object.keys(decoded[1]!).sort()).toEqual(['at', 'code', 'line', 'result', 'rowStatus', 'serialNumber']);
    // The remediation text is in the string table once, not once per device.
    expect(json.split('check the assignment').length - 1).toBe(1);
  });

  it('refuses an index of another run, another version or a malformed row', async () => {
    const json = await text(runIndexPieces(RUN, [full]));
    expect(() => decodeRunIndex(json, 'intake-ffffffffffffffffffffffffffffffff')).toThrow(/found under/);
    expect(() => decodeRunIndex(json.replace('"v":1', '"v":2'), RUN)).toThrow();
    const parsed = JSON.parse(json) as { rows: unknown[][] };
    parsed.rows[0]!.pop();
    expect(() => decodeRunIndex(JSON.stringify(parsed), RUN)).toThrow(/fields/);
  });

  it('is written with the report, and the dashboard then reads it instead of the state blobs', async () => {
    const { objects, runs, source } = await storeWithCsv(csvOf(['SN-1', 'SN-2', 'SN-3']));
    await runParseStep({ objects, runs, log }, { runId: RUN, source, chunkSize: 2, now: T0 });
    await runFinalizeStep({ objects, runs, log, ledger: new MemoryLedger() }, { runId: RUN, source, now: T0 });
    const fromState = await loadDevices(runs, RUN);
    expect(fromState.map((d) => d.serialNumber)).toEqual(['SN-1', 'SN-2', 'SN-3']);
    expect(decodeRunIndex((await objects.get(CONTAINERS.state, runIndexPath(RUN)))!.data.toString('utf8'), RUN)).toEqual(fromState);
    // With the state gone, the run still opens: one blob is read.
    await remove(objects, CONTAINERS.state, `runs/${RUN}/manifest.json`);
    expect(await runDevices({ runs, objects }, RUN)).toEqual(fromState);
  });

  it('is built once from the state for a run reported before indexes existed; never for a run not reported yet', async () => {
    const { objects, runs, source } = await storeWithCsv(csvOf(['SN-1', 'SN-2']));
    await runParseStep({ objects, runs, log }, { runId: RUN, source, chunkSize: 2, now: T0 });
    expect((await runDevices({ runs, objects }, RUN)).map((d) => d.serialNumber)).toEqual(['SN-1', 'SN-2']);
    expect(await objects.get(CONTAINERS.state, runIndexPath(RUN))).toBeUndefined();
    await runFinalizeStep({ objects, runs, log, ledger: new MemoryLedger() }, { runId: RUN, source, now: T0 });
    await remove(objects, CONTAINERS.state, runIndexPath(RUN));
    const devices = await runDevices({ runs, objects }, RUN);
    expect(decodeRunIndex((await objects.get(CONTAINERS.state, runIndexPath(RUN)))!.data.toString('utf8'), RUN)).toEqual(devices);
  });
});

describe('the device rows cache, bounded by devices', () => {
  const rows = (n: number) => async () => Array.from({ length: n }, (_, i): DashboardDevice => ({ ...bare, line: i + 2 }));

  it('drops the least recently used runs once the devices held pass the bound, but keeps the newest', async () => {
    const cache = new DeviceIndexCache(10);
    await cache.get('a', 'v1', rows(4));
    await cache.get('b', 'v1', rows(4));
    expect(cache.devices).toBe(8);
    await cache.get('c', 'v1', rows(4)); // over 10: a goes
    expect(cache.devices).toBe(8);
    await cache.get('d', 'v1', rows(30)); // alone over the bound: kept, all others go
    expect(cache.devices).toBe(30);
    let reads = 0;
    await cache.get('d', 'v1', async () => (reads++, []));
    expect(reads).toBe(0);
  });
});
