import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../local/stack';
import { generateHardwareHash } from '../../local/fixtures/hardware-hash-generator';
import { drop, lines, readReport, waitForRun, withStack } from './support';

type Stack = Awaited<ReturnType<typeof withStack>>;
const hash = (serial: string) => generateHardwareHash({ serialNumber: serial, manufacturer: 'Northwind', model: 'Pro 14' });
const csvFor = (prefix: string, count: number) =>
  [
    'Device Serial Number,Windows Product ID,Hardware Hash',
    ...Array.from(
      { length: count },
      (_, i) => `${prefix}-${String(i).padStart(5, '0')},,${hash(`${prefix}-${String(i).padStart(5, '0')}`)}`,
    ),
  ].join('\r\n') + '\r\n';

describe('local stack: a 1,000-row file, Graph faults and throttling, and the HTTP API', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await withStack({ appSettings: { POLL_INITIAL_SECONDS: '0.3', POLL_MAX_SECONDS: '1', IMPORT_CHUNK_SIZE: '100' } });
  }, 120_000);
  afterAll(async () => stack?.dispose());

  let thousandRunId = '';
  it('a 1,000-row sample file: every row accounted for and confirmed', async () => {
    const { runId } = await drop(stack, 'oem/devices-1000.csv', readFileSync(join(REPO_ROOT, 'samples/devices-1000.csv')));
    const status = await waitForRun(stack, runId, 180_000);
    const report = await readReport(stack, runId);
    expect(report.rows).toHaveLength(1000);
    expect(new Set(lines(report)).size).toBe(1000);
    expect(status.output).toMatchObject({ counts: { valid: 1000, confirmed: 1000, failed: 0, pending: 0 } });
    thousandRunId = runId;
  }, 200_000);

  it('GET /api/runs/{runId} pages that run with ?top= and nextLink: the pages together are the report, the summary on each', async () => {
    expect(thousandRunId).not.toBe('');
    const report = await readReport(stack, thousandRunId);
    type Page = { runId: string; counts: { rows: number }; rowCount: number; rows: { line: number; result?: string }[]; nextLink?: string };
    const pages: Page[] = [];
    let url: string | undefined = `${stack.hostUrl}/api/runs/${thousandRunId}?top=300`;
    while (url) {
      const res = await fetch(url);
      expect(res.status).toBe(200);
      const page = (await res.json()) as Page;
      pages.push(page);
      url = page.nextLink;
    }
    expect(pages.map((p) => p.rows.length)).toEqual([300, 300, 300, 100]);
    for (const page of pages) expect(page).toMatchObject({ runId: thousandRunId, counts: { rows: 1000 }, rowCount: 1000 });
    expect(pages.flatMap((p) => p.rows.map((r) => [r.line, r.result]))).toEqual(report.rows.map((r) => [r.line, r.device?.result]));
    expect((await fetch(`${stack.hostUrl}/api/runs/${thousandRunId}?skipToken=forged`)).status).toBe(400);
  });

  it('with 10% injected 5xx/timeouts and throttling at the documented limits, every device still reaches its true final state', async () => {
    stack.emulator.updateSettings({ throttling: true, faults: { errorRate: 0.07, timeoutRate: 0.03, latencyMs: 0, timeoutMs: 500 } });
    try {
      stack.emulator.clearLog();
      const { runId } = await drop(stack, 'oem/faulty.csv', csvFor('FAULT', 60));
      await waitForRun(stack, runId, 240_000);
      const report = await readReport(stack, runId);
      expect(report.rows).toHaveLength(60);
      expect(report.rows.map((r) => r.device?.result)).toEqual(Array(60).fill('confirmed'));
      const summary = stack.emulator.logSummary();
      expect(summary.faults).toBeGreaterThan(0); // the faults really happened
    } finally {
      stack.emulator.updateSettings({ throttling: false, faults: { errorRate: 0, timeoutRate: 0 } });
    }
  }, 260_000);

  it('POST /api/intake stores the upload, answers 202 with the run id, and the run shows up in /api/runs', async () => {
    const res = await fetch(`${stack.hostUrl}/api/intake?fileName=procurement-42.csv`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/csv' },
      body: csvFor('API', 3),
    });
    expect(res.status).toBe(202);
    const body = (await res.json()) as { runId: string; statusUrl: string; blob: string };
    expect(body.blob).toMatch(/^autopilot-intake\/api\/\d{4}-\d{2}-\d{2}\/.+-procurement-42\.csv$/);
    expect(res.headers.get('location')).toBe(body.statusUrl);
    await waitForRun(stack, body.runId);
    const run = (await (await fetch(body.statusUrl)).json()) as { runtimeStatus: string; rows: { serialNumber: string; result: string }[] };
    expect(run.runtimeStatus).toBe('Completed');
    expect(run.rows.map((r) => r.result)).toEqual(['confirmed', 'confirmed', 'confirmed']);
    const list = (await (await fetch(`${stack.hostUrl}/api/runs`)).json()) as { runs: { runId: string; counts?: { confirmed: number } }[] };
    expect(list.runs.find((r) => r.runId === body.runId)?.counts?.confirmed).toBe(3);
  });

  it('rejects uploads with a clear status: wrong content type, empty body, unsafe file name, unknown run', async () => {
    const post = (init: RequestInit, query = 'fileName=x.csv') =>
      fetch(`${stack.hostUrl}/api/intake?${query}`, { method: 'POST', ...init });
    expect((await post({ headers: { 'Content-Type': 'image/png' }, body: 'x' })).status).toBe(415);
    expect((await post({ headers: { 'Content-Type': 'text/csv' }, body: '' })).status).toBe(400);
    const unsafe = await post({ headers: { 'Content-Type': 'text/csv' }, body: 'a' }, 'fileName=../../x.csv');
    expect(unsafe.status).toBe(400);
    expect(((await unsafe.json()) as { error: string }).error).toMatch(/plain name/);
    expect((await fetch(`${stack.hostUrl}/api/runs/intake-00000000000000000000000000000000`)).status).toBe(404);
    expect((await fetch(`${stack.hostUrl}/api/runs/not-a-run`)).status).toBe(400);
  });
});
