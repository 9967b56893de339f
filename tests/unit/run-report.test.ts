import { describe, expect, it } from 'vitest';
import { buildReport, reportCsv, reportSummary } from '../support/whole-report';
import { emptyCounts } from '../../shared/contracts';
import type { ChunkState, RowRecord, RunManifest } from '../../shared/run/model';

const manifest: RunManifest = {
  runId: 'intake-0123456789abcdef0123456789abcdef',
  source: { container: 'autopilot-intake', name: 'oem/a|b.csv', etag: '"0x1"' },
  parsedAt: '2026-11-28T10:00:00Z',
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
    warnings: ['serial inside the hash is SN-2'],
    groupTag: '+Sales',
  },
  { line: 3, status: 'valid', serialNumber: 'SN-3', warnings: [] },
  { line: 4, status: 'rejected', serialNumber: '@SUM(A1)', code: 'hash-not-base64', message: 'not base64', warnings: [] },
];
const chunk: ChunkState = {
  index: 0,
  importId: 'x-c0',
  status: 'sent',
  attempts: 1,
  devices: [
    {
      line: 2,
      serialNumber: 'x',
      importStatus: 'complete',
      recordDeleted: true,
      alreadyRegistered: false,
      stage: 'done',
      result: 'confirmed',
      ztdId: 'z2',
      at: { imported: 't1', finished: 't2' },
    },
    {
      line: 3,
      serialNumber: 'SN-3',
      importStatus: 'error',
      importErrorCode: 808,
      recordDeleted: true,
      alreadyRegistered: false,
      stage: 'import',
      result: 'failed',
      failure: { stage: 'import', code: '808', message: 'other tenant', remediation: 'deregister' },
      at: {},
    },
  ],
};

describe('run report', () => {
  const report = buildReport(manifest, rows, [chunk], { ...manifest.counts, confirmed: 1, failed: 1 }, '2026-11-28T11:00:00Z');

  it('accounts for every row, joining device states to valid rows', () => {
    expect(report.rows.map((r) => [r.line, r.status, r.device?.result])).toEqual([
      [2, 'valid', 'confirmed'],
      [3, 'valid', 'failed'],
      [4, 'rejected', undefined],
    ]);
  });

  it('neutralizes formula payloads in report.csv so Excel shows them as text', () => {
    const csv = reportCsv(report);
    const cells = csv.split(/\r?\n/).join('\n');
    expect(cells).not.toMatch(/(^|,)"?=HYPERLINK/m);
    expect(cells).not.toMatch(/(^|,)"?@SUM/m);
    expect(cells).not.toMatch(/(^|,)"?\+Sales/m);
    expect(cells).toContain("'=HYPERLINK");
    expect(cells).toMatch(/SN-3.*808.*other tenant.*deregister/);
  });

  it('summarizes counts, problems with their remediation, and row warnings in markdown without breaking tables', () => {
    const md = reportSummary(report);
    expect(md).toContain('| **confirmed** | **1** |');
    expect(md).toMatch(/\| 808 \| 1 \(line 3\) \| other tenant \| deregister \|/);
    expect(md).toContain('oem/a\\|b.csv');
    expect(md).toContain('line 2: serial inside the hash is SN-2');
  });
});
