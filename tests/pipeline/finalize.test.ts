import { describe, expect, it } from 'vitest';
import { runFinalizeStep } from '../../shared/run/finalize-step';
import { runParseStep } from '../../shared/run/parse-step';
import { CONTAINERS } from '../../shared/storage/object-store';
import { T0, at, csvOf, storeWithCsv } from '../support/run-fixtures';
import { MemoryLedger } from '../../shared/ledger/ledger';

const RUN = 'intake-00000000000000000000000000000003';
const log = () => {};

describe('finalize step', () => {
  it('archives the exact version it read, and leaves a newer upload under the same name to its own run', async () => {
    for (const overwritten of [false, true]) {
      const { objects, runs, source } = await storeWithCsv(csvOf(['SN-1', 'SN-2', 'SN-3']));
      await runParseStep({ objects, runs, log }, { runId: RUN, source, chunkSize: 2, now: T0 });
      const newer = overwritten ? await objects.put(source.container, source.name, csvOf(['SN-9'])) : undefined;
      const outcome = await runFinalizeStep({ objects, runs, log, ledger: new MemoryLedger() }, { runId: RUN, source, now: at(1) });
      expect(outcome.counts).toMatchObject({ rows: 3, valid: 3, pending: 3 });
      const report = JSON.parse((await objects.get(CONTAINERS.reports, `${RUN}/report.json`))!.data.toString('utf8'));
      expect(report.rows.map((r: { line: number; device: { importStatus: string } }) => [r.line, r.device.importStatus])).toEqual([
        [2, 'not-sent'],
        [3, 'not-sent'],
        [4, 'not-sent'],
      ]);
      expect((await objects.get(CONTAINERS.reports, `${RUN}/report.csv`))!.data.toString('utf8').split('\r\n')).toHaveLength(5); // header, 3 rows, ''
      expect((await objects.get(CONTAINERS.reports, `${RUN}/summary.md`))!.data.toString('utf8')).toContain('| rows in file | 3 |');
      const archived = await objects.get(CONTAINERS.archive, `processed/${source.name}`);
      const left = await objects.get(source.container, source.name);
      if (overwritten) {
        expect(archived).toBeUndefined();
        expect(left?.etag).toBe(newer);
      } else {
        expect(archived!.data.toString()).toBe(csvOf(['SN-1', 'SN-2', 'SN-3']));
        expect(left).toBeUndefined();
      }
    }
  });
});
