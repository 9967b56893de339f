import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emptyCounts } from '../../shared/contracts/run';
import { runFinalizeStep } from '../../shared/run/finalize-step';
import type { ChunkState, RowRecord, RunManifest } from '../../shared/run/model';
import { RunStore } from '../../shared/run/run-store';
import { MemoryObjectStore } from '../../shared/storage/memory-store';
import { CONTAINERS } from '../../shared/storage/object-store';
import { MemoryLedger } from '../../shared/ledger/ledger';

/**
 * The report as the finalize step streams it, against files checked by hand
 * (tests/fixtures/report-golden/): every column of a confirmed device with a warning, a device
 * failed at import with its remediation, a rejected row — and formula payloads neutralised. The
 * whole-report oracle (tests/support/whole-report.ts) shares the row code with the product; these
 * files do not.
 */
const RUN = 'intake-0123456789abcdef0123456789abcdef';
const golden = (name: string) => readFileSync(join(__dirname, '..', 'fixtures', 'report-golden', name), 'utf8');

async function finalizeGoldenRun(): Promise<MemoryObjectStore> {
  const objects = new MemoryObjectStore();
  const runs = new RunStore(objects);
  const etag = await objects.put(CONTAINERS.intake, 'oem/golden.csv', 'the source', 'text/csv');
  const manifest: RunManifest = {
    runId: RUN,
    source: { container: CONTAINERS.intake, name: 'oem/golden.csv', etag },
    parsedAt: '2026-11-28T10:00:00.000Z',
    format: 'intune',
    encoding: 'utf-8',
    warnings: [],
    chunkCount: 1,
    rowParts: 1,
    counts: { ...emptyCounts(), rows: 3, valid: 2, rejectedRows: 1 },
  };
  const rows: RowRecord[] = [
    {
      line: 2,
      status: 'valid',
      serialNumber: '=HYPERLINK("http://evil","x")',
      warnings: ["Line 2: the row's serial differs from the serial inside its hardware hash (SN-2)."],
      manufacturer: 'Contoso',
      model: 'Laptop 7',
      groupTag: '+Sales',
    },
    { line: 3, status: 'valid', serialNumber: 'SN-3', warnings: [], manufacturer: 'Contoso', model: 'Laptop 7' },
    {
      line: 4,
      status: 'rejected',
      serialNumber: '@SUM(A1)',
      code: 'hash-not-base64',
      message: 'Line 4: the hardware hash is not base64.',
      warnings: [],
    },
  ];
  const chunk: ChunkState = {
    index: 0,
    importId: `${RUN}-c0`,
    status: 'sent',
    attempts: 1,
    devices: [
      {
        line: 2,
        serialNumber: 'SN-2',
        importStatus: 'complete',
        recordId: 'rec-2',
        recordDeleted: true,
        alreadyRegistered: false,
        ztdId: 'ztd-2',
        aadDeviceId: 'aad-2',
        profileStatus: 'assignedInSync',
        profileId: 'profile-1',
        espId: 'esp-1',
        groupIds: ['group-1'],
        stage: 'done',
        result: 'confirmed',
        at: {
          importSent: '2026-11-28T10:00:05.000Z',
          imported: '2026-11-28T10:01:00.000Z',
          registered: '2026-11-28T10:05:00.000Z',
          inGroup: '2026-11-28T10:08:00.000Z',
          profileAssigned: '2026-11-28T10:15:00.000Z',
          espConfirmed: '2026-11-28T10:15:00.000Z',
          finished: '2026-11-28T10:15:00.000Z',
        },
      },
      {
        line: 3,
        serialNumber: 'SN-3',
        importStatus: 'error',
        importErrorCode: 808,
        importErrorName: 'ZtdDeviceAssignedToOtherTenant',
        recordId: 'rec-3',
        recordDeleted: true,
        alreadyRegistered: false,
        stage: 'import',
        result: 'failed',
        failure: {
          stage: 'import',
          code: '808',
          message: 'The device is registered to another tenant.',
          remediation: 'Ask the previous owner to deregister it.',
        },
        at: { importSent: '2026-11-28T10:00:05.000Z', finished: '2026-11-28T10:01:00.000Z' },
      },
    ],
  };
  await runs.writeRowPart(RUN, 0, rows);
  await runs.writeChunkState(RUN, chunk);
  await runs.writeManifest(manifest);
  await runFinalizeStep(
    { objects, runs, log: () => {}, ledger: new MemoryLedger() },
    { runId: RUN, source: manifest.source, now: '2026-11-28T11:00:00.000Z' },
  );
  return objects;
}

describe('the report against hand-checked files', () => {
  it('report.csv', async () => {
    const objects = await finalizeGoldenRun();
    expect((await objects.get(CONTAINERS.reports, `${RUN}/report.csv`))!.data.toString('utf8')).toBe(golden('report.csv'));
  });

  it('report.json', async () => {
    const objects = await finalizeGoldenRun();
    const json = JSON.parse((await objects.get(CONTAINERS.reports, `${RUN}/report.json`))!.data.toString('utf8')) as {
      source: { etag: string };
    };
    expect({ ...json, source: { ...json.source, etag: '<etag>' } }).toEqual(JSON.parse(golden('report.json')));
  });
});
