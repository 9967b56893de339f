import { HttpRequest, InvocationContext, type EventGridEvent } from '@azure/functions';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { intakeUploadHandler } from '../../functions/http-intake';
import { getRunHandler, listRunsHandler, type RunsDeps } from '../../functions/http-runs';
import { intakeBlobCreatedHandler } from '../../functions/intake-blob-created';
import { startRunIfNew } from '../../functions/start-run';
import { emptyCounts } from '../../shared/contracts/run';
import { runParseStep } from '../../shared/run/parse-step';
import type { RowRecord } from '../../shared/run/model';
import { ROWS_PER_PART, RunStore } from '../../shared/run/run-store';
import { joinReportRows } from '../../shared/report/report-stream';
import { runIdFor } from '../../shared/run/run-id';
import { MemoryObjectStore } from '../../shared/storage/memory-store';
import { CONTAINERS } from '../../shared/storage/object-store';
import { startExtension, type Extension } from '../support/durable-extension';
import { csvOf, settings, T0 } from '../support/run-fixtures';

/**
 * The trigger and HTTP functions through their handler factories, over the real durable-functions
 * client (talking to a scripted extension) and the in-memory blob store — no module mocks.
 */
describe('functions through their handlers', () => {
  let ext: Extension;
  const context = () => new InvocationContext({ functionName: 'test', invocationId: 'inv-1' });
  beforeAll(async () => {
    ext = await startExtension();
  });
  afterAll(async () => ext.close());
  beforeEach(() => {
    ext.instances.clear();
    ext.starts.length = 0;
  });

  describe('startRunIfNew', () => {
    const source = { container: CONTAINERS.intake, name: 'oem/a.csv', etag: '"0x8D1"' };

    it('starts the intake orchestration under the id derived from the blob version, with the settings', async () => {
      const result = await startRunIfNew(ext.client, source, settings());
      expect(result).toEqual({ runId: runIdFor(source.container, source.name, source.etag), started: true });
      expect(ext.starts).toEqual([{ name: 'intakeOrchestrator', instanceId: result.runId }]);
      expect(ext.instances.get(result.runId)!.input).toMatchObject({ runId: result.runId, source, settings: settings() });
    });

    it('a redelivery of the same version finds the run (the library answers an unknown id with its 404 error) and starts nothing', async () => {
      await startRunIfNew(ext.client, source, settings());
      const again = await startRunIfNew(ext.client, source, settings());
      expect(again.started).toBe(false);
      expect(ext.starts).toHaveLength(1);
    });

    it("two deliveries racing: the loser sees the winner's instance and reports not started", async () => {
      ext.raceNextStart();
      const result = await startRunIfNew(ext.client, source, settings());
      expect(result.started).toBe(false);
      expect(ext.instances.has(result.runId)).toBe(true);
    });

    it('pins the run id of a known blob version (a changed derivation would restart every in-flight blob after an upgrade)', () => {
      expect(runIdFor('autopilot-intake', 'oem/a.csv', '"0x8D1"')).toBe(runIdFor('autopilot-intake', 'oem/a.csv', '0x8D1'));
      expect(runIdFor('autopilot-intake', 'oem/a.csv', '"0x8D1"')).toBe('intake-09880101a75afb37a729c75256a728f7');
    });
  });

  describe('the BlobCreated event trigger', () => {
    const event = (subject: string, data: Record<string, unknown>, eventType = 'Microsoft.Storage.BlobCreated'): EventGridEvent => ({
      id: 'e-1',
      topic: '/subscriptions/s/resourceGroups/r/providers/Microsoft.Storage/storageAccounts/a',
      subject,
      eventType,
      eventTime: T0,
      data,
      dataVersion: '',
      metadataVersion: '1',
    });

    it('starts one run per blob version from the event alone (container, name, bare ETag quoted), the same run id as the blob version', async () => {
      const handler = intakeBlobCreatedHandler({ settings: settings(), clientOf: () => ext.client });
      const created = event('/blobServices/default/containers/autopilot-intake/blobs/oem/b.csv', {
        eTag: '0x1',
        contentLength: 2_000_000_000,
      });
      await handler(created, context());
      await handler(created, context());
      expect(ext.starts.map((s) => s.instanceId)).toEqual([runIdFor('autopilot-intake', 'oem/b.csv', '"0x1"')]);
      expect((await ext.client.getStatus(ext.starts[0]!.instanceId)).input).toMatchObject({
        source: { container: 'autopilot-intake', name: 'oem/b.csv', etag: '"0x1"' },
      });
    });

    it('ignores events of other containers and other kinds, starting nothing', async () => {
      const handler = intakeBlobCreatedHandler({ settings: settings(), clientOf: () => ext.client });
      await handler(event('/blobServices/default/containers/autopilot-reports/blobs/x/report.json', { eTag: '0x2' }), context());
      await handler(
        event('/blobServices/default/containers/autopilot-intake/blobs/a.csv', { eTag: '0x3' }, 'Microsoft.Storage.BlobDeleted'),
        context(),
      );
      await handler(event('/blobServices/default/containers/autopilot-intake/blobs/a.csv', {}), context());
      expect(ext.starts).toEqual([]);
    });
  });

  describe('POST /api/intake', () => {
    const objects = new MemoryObjectStore();
    const handler = () =>
      intakeUploadHandler({
        objects,
        settings: settings(),
        maxUploadBytes: 1_000,
        clientOf: () => ext.client,
        newId: () => 'id-1',
        today: () => '2026-12-07',
      });
    const post = (body: string, headers: Record<string, string>, query = '') =>
      new HttpRequest({ method: 'POST', url: `http://localhost/api/intake${query}`, body: { string: body }, headers });

    it('stores the upload under api/<day>/<id>-<name> and answers 202 with the run and its status URL', async () => {
      const res = await handler()(post('a,b\r\n', { 'content-type': 'text/csv; charset=utf-8' }, '?fileName=po-17.csv'), context());
      expect(res.status).toBe(202);
      const body = res.jsonBody as { runId: string; statusUrl: string; blob: string };
      expect(body.blob).toBe('autopilot-intake/api/2026-12-07/id-1-po-17.csv');
      expect(body.statusUrl).toBe(`http://localhost/api/runs/${body.runId}`);
      expect((res.headers as Record<string, string>).Location).toBe(body.statusUrl);
      expect((await objects.get(CONTAINERS.intake, 'api/2026-12-07/id-1-po-17.csv'))!.data.toString()).toBe('a,b\r\n');
      expect(ext.starts.map((s) => s.instanceId)).toEqual([body.runId]);
    });

    it('takes the name from the x-file-name header when there is no query', async () => {
      const res = await handler()(post('x\r\n', { 'content-type': 'text/csv', 'x-file-name': 'from-header.csv' }), context());
      expect((res.jsonBody as { blob: string }).blob).toBe('autopilot-intake/api/2026-12-07/id-1-from-header.csv');
    });

    it('refuses what it cannot take, each with its own status and reason', async () => {
      const cases: [HttpRequest, number, RegExp][] = [
        [post('a', { 'content-type': 'application/json' }), 415, /Content-Type must be one of/],
        [post('a', { 'content-type': 'text/csv', 'content-length': '5000' }), 413, /1000-byte limit/],
        [post('x'.repeat(1_001), { 'content-type': 'text/csv' }), 413, /1000-byte limit/],
        [post('', { 'content-type': 'text/csv' }), 400, /body is empty/],
        [post('a', { 'content-type': 'text/csv' }, '?fileName=../../etc/passwd'), 400, /plain name ending in \.csv/],
        [post('a', { 'content-type': 'text/csv' }, '?fileName=devices.xlsx'), 400, /ending in \.csv/],
      ];
      for (const [request, status, message] of cases) {
        const res = await handler()(request, context());
        expect(res.status, message.source).toBe(status);
        expect((res.jsonBody as { error: string }).error).toMatch(message);
      }
      expect(ext.starts).toHaveLength(0);
    });
  });

  describe('GET /api/runs and /api/runs/{runId}', () => {
    it('lists intake runs newest first, at most ?top (clamped to 1–500), with their custom status', async () => {
      const now = Date.parse(T0);
      for (let i = 0; i < 4; i++) {
        const id = `intake-${String(i).padStart(32, '0')}`;
        ext.instances.set(id, {
          name: 'intakeOrchestrator',
          instanceId: id,
          runtimeStatus: 'Running',
          createdTime: new Date(now + i * 1000).toISOString(),
          lastUpdatedTime: T0,
          customStatus: { runId: id, source: 'autopilot-intake/x.csv', phase: 'confirm', counts: { ...emptyCounts(), rows: 1 } },
        });
      }
      ext.instances.set('other', {
        name: 'somethingElse',
        instanceId: 'other',
        runtimeStatus: 'Running',
        createdTime: T0,
        lastUpdatedTime: T0,
      });
      const list = listRunsHandler({
        runs: new RunStore(new MemoryObjectStore()),
        objects: new MemoryObjectStore(),
        clientOf: () => ext.client,
      });
      const get = async (query: string) =>
        (
          (await list(new HttpRequest({ method: 'GET', url: `http://localhost/api/runs${query}` }), context())).jsonBody as {
            runs: { runId: string; phase: string }[];
          }
        ).runs;
      expect((await get('')).map((r) => r.runId.slice(-1))).toEqual(['3', '2', '1', '0']);
      expect(await get('?top=2')).toHaveLength(2);
      expect(await get('?top=0')).toHaveLength(1);
      expect(await get('?top=nonsense')).toHaveLength(4);
      expect((await get(''))[0]).toMatchObject({ phase: 'confirm', source: 'autopilot-intake/x.csv' });
    });

    it('answers one run with every row and its device, 404 for an unknown run, 400 for a malformed id', async () => {
      const objects = new MemoryObjectStore();
      const runs = new RunStore(objects);
      const runId = `intake-${'a'.repeat(32)}`;
      const etag = await objects.put(CONTAINERS.intake, 'r.csv', csvOf(['SN-1', 'SN-2']) + 'bad,row\r\n', 'text/csv');
      await runParseStep(
        { objects, runs, log: () => {} },
        { runId, source: { container: CONTAINERS.intake, name: 'r.csv', etag }, chunkSize: 1, now: T0 },
      );
      ext.instances.set(runId, {
        name: 'intakeOrchestrator',
        instanceId: runId,
        runtimeStatus: 'Running',
        createdTime: T0,
        lastUpdatedTime: T0,
      });
      const handler = getRunHandler({ runs, objects, clientOf: () => ext.client });
      const get = (id: string) =>
        handler(new HttpRequest({ method: 'GET', url: `http://localhost/api/runs/${id}`, params: { runId: id } }), context());
      const res = await get(runId);
      expect(res.status).toBe(200);
      const rows = (res.jsonBody as { rows: { line: number; serialNumber?: string; rowStatus: string; stage?: string }[] }).rows;
      expect(rows.map((r) => [r.line, r.serialNumber, r.rowStatus, r.stage])).toEqual([
        [2, 'SN-1', 'valid', 'import'],
        [3, 'SN-2', 'valid', 'import'],
        [4, 'bad', 'rejected', undefined],
      ]);
      expect((await get(`intake-${'b'.repeat(32)}`)).status).toBe(404);
      expect((await get('not-a-run')).status).toBe(400);
    });

    it('pages a large run: the pages together are the report join, each reads only its own state blobs, and a bad skipToken is a 400', async () => {
      // A synthetic parsed run (state blobs written directly): 2,345 rows, every 5th rejected, the
      // valid ones in chunks of 7 whose devices are stored out of line order (the join sorts them).
      const objects = new MemoryObjectStore();
      const runs = new RunStore(objects);
      const runId = `intake-${'c'.repeat(32)}`;
      const total = 2345;
      const records: RowRecord[] = Array.from({ length: total }, (_, i) =>
        i % 5 === 4
          ? { line: i + 2, status: 'rejected', serialNumber: `SN-${i}`, code: 'bad-hash', message: 'broken', warnings: [] }
          : { line: i + 2, status: 'valid', serialNumber: `SN-${i}`, warnings: [] },
      );
      for (let p = 0; p * ROWS_PER_PART < total; p++)
        await runs.writeRowPart(runId, p, records.slice(p * ROWS_PER_PART, (p + 1) * ROWS_PER_PART));
      const valid = records.filter((r) => r.status === 'valid');
      const chunkCount = Math.ceil(valid.length / 7);
      for (let k = 0; k < chunkCount; k++) {
        const devices = valid.slice(k * 7, (k + 1) * 7).map((r, j) => ({
          line: r.line,
          serialNumber: r.serialNumber!,
          importStatus: 'complete' as const,
          recordDeleted: false,
          alreadyRegistered: false,
          stage: 'done' as const,
          result: j % 3 === 0 ? ('failed' as const) : ('confirmed' as const),
          ztdId: `ztd-${r.line}`,
          at: {},
        }));
        await runs.writeChunkState(runId, {
          index: k,
          importId: `${runId}-c${k}`,
          status: 'sent',
          attempts: 1,
          devices: devices.reverse(),
        });
      }
      const manifest = {
        runId,
        source: { container: CONTAINERS.intake, name: 'big.csv', etag: '"0x1"' },
        parsedAt: T0,
        warnings: [],
        chunkCount,
        rowParts: Math.ceil(total / ROWS_PER_PART),
        counts: { ...emptyCounts(), rows: total, valid: valid.length, rejectedRows: total - valid.length },
      };
      await runs.writeManifest(manifest);
      ext.instances.set(runId, {
        name: 'intakeOrchestrator',
        instanceId: runId,
        runtimeStatus: 'Running',
        createdTime: T0,
        lastUpdatedTime: T0,
        customStatus: { runId, source: 'autopilot-intake/big.csv', phase: 'confirm', counts: manifest.counts },
      });
      const expected = [];
      for await (const row of joinReportRows(runs.rows(manifest), runs.chunkStates(runId, chunkCount))) expected.push(row);

      // Count the state blobs each page reads.
      const reads: string[] = [];
      const counting: RunsDeps['objects'] = Object.create(objects, {
        get: { value: (container: string, path: string) => (reads.push(path), objects.get(container, path)) },
      });
      const handler = getRunHandler({ runs: new RunStore(counting), objects: counting, clientOf: () => ext.client });
      type Page = {
        runId: string;
        phase: string;
        counts: { rows: number };
        rowCount: number;
        nextLink?: string;
        rows: { line: number; rowStatus: string; result?: string; autopilotId?: string }[];
      };
      const getUrl = async (url: string) => {
        const u = new URL(url);
        return handler(new HttpRequest({ method: 'GET', url, params: { runId }, query: Object.fromEntries(u.searchParams) }), context());
      };
      const pages: Page[] = [];
      let url: string | undefined = `http://localhost/api/runs/${runId}?top=300`;
      while (url) {
        reads.length = 0;
        const res = await getUrl(url);
        expect(res.status).toBe(200);
        const page = res.jsonBody as Page;
        pages.push(page);
        // One page of 300 rows: its manifest, at most two row parts, and the chunks of its ~240 devices (+ read-ahead of 8).
        expect(reads.filter((p) => p.includes('/rows/')).length).toBeLessThanOrEqual(2);
        expect(reads.filter((p) => p.includes('/chunks/')).length).toBeLessThanOrEqual(Math.ceil(300 / 7) + 2 + 8);
        url = page.nextLink;
        if (url) expect(new URL(url).searchParams.get('top')).toBe('300');
      }
      expect(pages).toHaveLength(Math.ceil(total / 300));
      // The summary is on every page.
      for (const page of pages) expect(page).toMatchObject({ runId, phase: 'confirm', counts: { rows: total }, rowCount: total });
      const got = pages.flatMap((p) => p.rows);
      expect(got.map((r) => [r.line, r.rowStatus, r.result, r.autopilotId])).toEqual(
        expected.map((r) => [r.line, r.status, r.device?.result, r.device?.ztdId]),
      );
      expect(got.filter((r) => r.autopilotId).length).toBe(valid.length);

      // Without ?top, 1,000 rows and a next link; ?top=0 is clamped to one row.
      const first = (await getUrl(`http://localhost/api/runs/${runId}`)).jsonBody as Page;
      expect(first.rows).toHaveLength(1000);
      expect(first.nextLink).toBeDefined();
      expect(((await getUrl(`http://localhost/api/runs/${runId}?top=0`)).jsonBody as Page).rows).toHaveLength(1);
      for (const bad of ['nonsense!', Buffer.from('{"o":-1,"c":0}').toString('base64url'), Buffer.from('[1]').toString('base64url')]) {
        const res = await getUrl(`http://localhost/api/runs/${runId}?skipToken=${encodeURIComponent(bad)}`);
        expect(res.status).toBe(400);
      }
    });
  });
});
