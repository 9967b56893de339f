import { describe, expect, it } from 'vitest';
import { emptyCounts } from '../../shared/contracts';
import { joinReportRows, reportCsvPieces, reportJsonPieces } from '../../shared/report/report-stream';
import { reportHeader } from '../../shared/report/run-report';
import { buildReport, reportCsv, reportSummary } from '../support/whole-report';
import type { ChunkState, DeviceState, RowRecord, RunManifest } from '../../shared/run/model';

/** A run of `n` rows, every fifth rejected, the valid ones cut into chunks of 7 devices. */
function run(n: number): { manifest: RunManifest; rows: RowRecord[]; chunks: ChunkState[] } {
  const rows: RowRecord[] = [];
  const devices: DeviceState[] = [];
  for (let i = 0; i < n; i++) {
    const line = i + 2;
    if (i % 5 === 4) {
      rows.push({
        line,
        status: 'rejected',
        serialNumber: `=BAD-${i}`,
        code: 'hash-not-base64',
        message: 'not "base64", really',
        warnings: [],
      });
      continue;
    }
    rows.push({
      line,
      status: 'valid',
      serialNumber: `SN-${i}`,
      warnings: i % 3 === 0 ? [`warning\nfor ${i}`] : [],
      groupTag: i % 2 ? 'Sales' : undefined,
    });
    devices.push({
      line,
      serialNumber: `SN-${i}`,
      importStatus: i % 7 === 0 ? 'error' : 'complete',
      recordDeleted: true,
      alreadyRegistered: false,
      stage: i % 7 === 0 ? 'import' : 'done',
      result: i % 7 === 0 ? 'failed' : 'confirmed',
      ...(i % 7 === 0
        ? { failure: { stage: 'import' as const, code: '808', message: 'other tenant', remediation: 'deregister' } }
        : { ztdId: `ztd-${i}` }),
      at: { imported: '2026-11-28T10:01:00Z', finished: '2026-11-28T10:05:00Z' },
    });
  }
  const chunks: ChunkState[] = [];
  for (let k = 0; k * 7 < devices.length; k++)
    chunks.push({ index: k, importId: `x-c${k}`, status: 'sent', attempts: 1, devices: devices.slice(k * 7, k * 7 + 7) });
  const manifest: RunManifest = {
    runId: 'intake-0123456789abcdef0123456789abcdef',
    source: { container: 'autopilot-intake', name: 'oem/file.csv', etag: '"0x1"' },
    parsedAt: '2026-11-28T10:00:00Z',
    format: 'intune',
    encoding: 'utf-8',
    warnings: ['a file warning'],
    chunkCount: chunks.length,
    rowParts: 1,
    counts: { ...emptyCounts(), rows: n, valid: devices.length, rejectedRows: n - devices.length },
  };
  return { manifest, rows, chunks };
}

async function* each<T>(items: T[]): AsyncGenerator<T> {
  for (const item of items) yield item;
}

async function text(pieces: AsyncIterable<string>): Promise<{ text: string; pieces: number }> {
  let out = '';
  let count = 0;
  for await (const piece of pieces) {
    out += piece;
    count++;
  }
  return { text: out, pieces: count };
}

describe('streamed report', () => {
  const counts = { ...emptyCounts(), rows: 3, confirmed: 2 };

  for (const n of [0, 1, 5, 1234]) {
    it(`renders report.json and report.csv piece by piece exactly as the whole-report renderings (${n} rows)`, async () => {
      const { manifest, rows, chunks } = run(n);
      const whole = buildReport(manifest, rows, chunks, counts, '2026-11-28T11:00:00Z');
      const header = reportHeader(manifest, counts, '2026-11-28T11:00:00Z');
      const json = await text(reportJsonPieces(header, joinReportRows(each(rows), each(chunks))));
      expect(json.text).toBe(JSON.stringify(whole, null, 2));
      expect(JSON.parse(json.text)).toEqual(JSON.parse(JSON.stringify(whole)));
      const csv = await text(reportCsvPieces(joinReportRows(each(rows), each(chunks))));
      expect(csv.text).toBe(reportCsv(whole));
      if (n > 1000) {
        expect(json.pieces).toBeGreaterThan(3); // not one string at the end
        expect(csv.pieces).toBeGreaterThan(3);
      }
    });
  }

  it('joins each device to its own row even when a chunk lists its devices out of order', async () => {
    const { manifest, rows, chunks } = run(40);
    const shuffled = chunks.map((c) => ({ ...c, devices: [...c.devices].reverse() }));
    const joined: unknown[] = [];
    for await (const row of joinReportRows(each(rows), each(shuffled))) joined.push(row);
    expect(joined).toEqual(buildReport(manifest, rows, chunks, counts, 'now').rows);
  });

  it('keeps summary.md bounded: ten lines per problem, fifty warned rows, the rest counted', () => {
    const { manifest, rows, chunks } = run(400);
    const md = reportSummary(buildReport(manifest, rows, chunks, counts, 'now'));
    expect(md).toMatch(/\| 808 \| 46 \(lines 2, 9, 23, 30, 37, 44, 58, 65, 72, 79, …\) \| other tenant \| deregister \|/);
    expect(md).toMatch(/\| hash-not-base64 \| 80 \(lines 6, 11, 16, 21, 26, 31, 36, 41, 46, 51, …\) \|/);
    expect(md.match(/^- line \d+: warning for \d+$/gm)).toHaveLength(50);
    expect(md).toContain('- … and 57 more rows (see report.csv)');
  });
});
