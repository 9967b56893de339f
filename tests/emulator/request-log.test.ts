import { describe, expect, it } from 'vitest';
import { RequestLog, type LogEntry } from '../../local/graph-emulator/request-log';

function entry(at: number, extra: Partial<LogEntry> = {}): Omit<LogEntry, 'seq'> {
  return {
    time: new Date(at).toISOString(),
    at,
    method: 'GET',
    path: '/v1.0/devices',
    version: 'v1.0',
    status: 200,
    inBatch: false,
    batch: false,
    requestId: 'r',
    appId: 'app',
    durationMs: 0,
    ...extra,
  };
}

describe('request log', () => {
  it('keeps request bodies for the last logBodyLimit entries and response bodies for the last logResponseBodyLimit', () => {
    const log = new RequestLog(
      () => 100,
      () => true,
      () => 5,
      () => 2,
    );
    for (let i = 0; i < 10; i++) log.add(entry(i, { requestBody: { n: i }, responseBody: { n: i } }));
    const { entries } = log.read(0, 100, true);
    expect(entries.map((e) => e.requestBody !== undefined)).toEqual([false, false, false, false, false, true, true, true, true, true]);
    expect(entries.map((e) => e.responseBody !== undefined)).toEqual([false, false, false, false, false, false, false, false, true, true]);
  });

  it('drops the oldest entries beyond logLimit and reads incrementally by seq', () => {
    const log = new RequestLog(
      () => 3,
      () => false,
      () => 0,
      () => 0,
    );
    for (let i = 0; i < 5; i++) log.add(entry(i));
    const first = log.read(0, 2, false);
    expect(first.entries.map((e) => e.seq)).toEqual([3, 4]);
    expect(log.read(first.next, 10, false).entries.map((e) => e.seq)).toEqual([5]);
  });

  it('redacts hashes and user names when read', () => {
    const log = new RequestLog(
      () => 10,
      () => true,
      () => 10,
      () => 10,
    );
    log.add(
      entry(0, {
        requestBody: {
          importedWindowsAutopilotDeviceIdentities: [
            { hardwareIdentifier: 'T0EAAAAA', assignedUserPrincipalName: 'a@b.c', serialNumber: 'S1' },
          ],
        },
      }),
    );
    const body = log.read(0, 1, true).entries[0]!.requestBody as { importedWindowsAutopilotDeviceIdentities: Record<string, string>[] };
    expect(body.importedWindowsAutopilotDeviceIdentities[0]).toEqual({
      hardwareIdentifier: '<redacted 8 chars>',
      assignedUserPrincipalName: '<redacted 5 chars>',
      serialNumber: 'S1',
    });
  });

  it('summarises round trips, operations and the busiest 20 s window', () => {
    const log = new RequestLog(
      () => 100,
      () => false,
      () => 0,
      () => 0,
    );
    log.add(entry(0));
    log.add(entry(1_000, { batch: true, method: 'POST', path: '/v1.0/$batch' }));
    for (let i = 0; i < 3; i++) log.add(entry(1_000, { inBatch: true }));
    log.add(entry(19_999, { status: 429, throttled: true }));
    log.add(entry(40_000));
    expect(log.summary()).toMatchObject({
      roundTrips: 4,
      operations: 6,
      batches: 1,
      throttled: 1,
      peakOperationsPer20s: 5,
      byStatus: { '200': 5, '429': 1 },
    });
  });
});
