/**
 * Concurrency (issue 6): many files dropped at once, their serials overlapping. Every row must end
 * in one consistent outcome per device (confirmed, the same Autopilot identity in every report;
 * exactly one run's import created it, the others found it already registered), and the
 * tenant-wide Autopilot sync is called at most once per ten-minute window.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvRow, CSV_HEADER, serialsFor } from '../../bench/support/csv';
import { startBenchStack, type BenchStack } from '../../bench/support/stack';
import { dropBlob, listBlobs, readReport, waitForRun } from '../../bench/support/run';
import { logEntries, syncCalls } from '../../bench/support/traffic';
import { CONTAINERS } from '../../shared/storage/object-store';
import { FULL, TENANT_DEVICES } from './support';

const SYNC_WINDOW_MS = 10 * 60_000;

describe('concurrency: files dropped at once with overlapping serials', () => {
  let stack: BenchStack;
  const files = FULL ? 20 : 4;
  const perFile = FULL ? 20 : 10;
  const step = perFile / 2;

  beforeAll(async () => {
    stack = await startBenchStack({ tenantDevices: TENANT_DEVICES });
  }, 120_000);
  afterAll(async () => stack?.dispose());

  it(`${files} files of ${perFile} devices, each sharing half its serials with the next`, async () => {
    const pool = serialsFor('CCX', step * (files + 1));
    const drops = await Promise.all(
      Array.from({ length: files }, (_, f) => {
        const serials = pool.slice(f * step, f * step + perFile);
        return dropBlob(
          stack,
          `concurrent/file-${String(f).padStart(2, '0')}.csv`,
          [CSV_HEADER, ...serials.map((s) => csvRow(s))].join('\r\n') + '\r\n',
        ).then((d) => ({ ...d, serials }));
      }),
    );
    await Promise.all(drops.map((d) => waitForRun(stack, d.runId, d.droppedAt, { timeoutMs: 300_000 })));

    const perSerial = new Map<string, { file: number; result?: string; alreadyRegistered?: boolean; ztdId?: unknown }[]>();
    for (const [f, d] of drops.entries()) {
      const report = await readReport(stack, d.runId);
      expect(
        report.rows.map((r) => r.serialNumber),
        `file ${f}: rows lost or invented`,
      ).toEqual(d.serials);
      for (const row of report.rows) {
        const list = perSerial.get(row.serialNumber!) ?? [];
        list.push({ file: f, result: row.device?.result, alreadyRegistered: row.device?.alreadyRegistered, ztdId: row.device?.['ztdId'] });
        perSerial.set(row.serialNumber!, list);
      }
    }
    for (const [serial, rows] of perSerial) {
      expect(
        rows.map((r) => r.result),
        `${serial}: every file's row must be confirmed`,
      ).toEqual(rows.map(() => 'confirmed'));
      expect(
        rows.filter((r) => r.alreadyRegistered === false),
        `${serial}: exactly one run imports it, the others find it registered`,
      ).toHaveLength(1);
      const ids = new Set(rows.map((r) => r.ztdId).filter((id) => id !== undefined));
      expect(ids.size, `${serial}: the reports name different Autopilot devices`).toBeLessThanOrEqual(1);
    }

    const archived = await listBlobs(stack, CONTAINERS.archive);
    for (let f = 0; f < files; f++)
      expect(archived, `file ${f} not archived`).toContain(`processed/concurrent/file-${String(f).padStart(2, '0')}.csv`);
    expect(await listBlobs(stack, CONTAINERS.intake)).toEqual([]);

    const syncs = syncCalls(logEntries(stack.emulator)).sort((a, b) => a.at - b.at);
    for (let i = 1; i < syncs.length; i++) {
      expect(syncs[i]!.at - syncs[i - 1]!.at, `sync called twice within ten minutes (${JSON.stringify(syncs)})`).toBeGreaterThanOrEqual(
        SYNC_WINDOW_MS,
      );
    }
    console.log(`concurrency suite: ${files} files, ${perSerial.size} devices, ${syncs.length} sync call(s)`);
  }, 600_000);
});
