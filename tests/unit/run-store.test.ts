import { describe, expect, it } from 'vitest';
import { runParseStep } from '../../shared/run/parse-step';
import { ROWS_PER_PART, RunStore } from '../../shared/run/run-store';
import { MemoryObjectStore } from '../../shared/storage/memory-store';
import { CONTAINERS } from '../../shared/storage/object-store';
import { T0, csvOf, storeWithCsv } from '../support/run-fixtures';

const RUN = 'intake-00000000000000000000000000000002';

async function list(objects: MemoryObjectStore, prefix: string): Promise<string[]> {
  const names: string[] = [];
  for await (const name of objects.list(CONTAINERS.state, prefix)) names.push(name);
  return names;
}

describe('run store: rows in parts', () => {
  it('the parse writes row verdicts in parts of ROWS_PER_PART as it goes, read back in file order', async () => {
    const serials = Array.from({ length: ROWS_PER_PART * 2 + 345 }, (_, i) => `SN-${i}`);
    serials[7] = 'SN-0'; // a duplicate
    const { objects, runs, source } = await storeWithCsv(csvOf(serials));
    const parsed = await runParseStep({ objects, runs, log: () => {} }, { runId: RUN, source, chunkSize: 100, now: T0 });
    expect(parsed.counts).toMatchObject({ rows: serials.length, valid: serials.length - 1, duplicateRows: 1 });
    const manifest = (await runs.readManifest(RUN))!;
    expect(manifest.rowParts).toBe(3);
    expect(await list(objects, `runs/${RUN}/rows`)).toEqual([
      `runs/${RUN}/rows/0.ndjson`,
      `runs/${RUN}/rows/1.ndjson`,
      `runs/${RUN}/rows/2.ndjson`,
    ]);
    const rows = [];
    for await (const row of runs.rows(manifest)) rows.push(row);
    expect(rows.map((r) => r.line)).toEqual(serials.map((_, i) => i + 2));
    expect(rows[7]).toMatchObject({ status: 'duplicate', duplicateOfLine: 2 });
  });

  it('rowsFrom starts at any row offset, reading only the parts from there on', async () => {
    const serials = Array.from({ length: ROWS_PER_PART * 2 + 5 }, (_, i) => `SN-${i}`);
    const { objects, runs, source } = await storeWithCsv(csvOf(serials));
    await runParseStep({ objects, runs, log: () => {} }, { runId: RUN, source, chunkSize: 100, now: T0 });
    const manifest = (await runs.readManifest(RUN))!;
    for (const offset of [0, 1, ROWS_PER_PART - 1, ROWS_PER_PART, ROWS_PER_PART * 2 + 4, ROWS_PER_PART * 2 + 5]) {
      const lines = [];
      for await (const row of runs.rowsFrom(manifest, offset)) lines.push(row.line);
      expect(lines).toEqual(serials.slice(offset).map((_, i) => offset + i + 2));
    }
  });

  it('MAX_FILE_ROWS reaches the parse: a file above it is rejected naming the setting, one at it is parsed', async () => {
    const { objects, runs, source } = await storeWithCsv(csvOf(['SN-1', 'SN-2', 'SN-3']));
    const over = await runParseStep({ objects, runs, log: () => {} }, { runId: RUN, source, chunkSize: 100, maxRows: 2, now: T0 });
    expect(over.fileRejected).toMatch(/more than 2 device rows.*MAX_FILE_ROWS/);
    const at = await runParseStep(
      { objects, runs, log: () => {} },
      { runId: `${RUN.slice(0, -1)}3`, source, chunkSize: 100, maxRows: 3, now: T0 },
    );
    expect(at).toMatchObject({ fileRejected: undefined, counts: { rows: 3, valid: 3 } });
  });

  it('a missing part is an error, not a shorter run', async () => {
    const { objects, runs, source } = await storeWithCsv(csvOf(['SN-1']));
    await runParseStep({ objects, runs, log: () => {} }, { runId: RUN, source, chunkSize: 100, now: T0 });
    const manifest = (await runs.readManifest(RUN))!;
    await runs.writeManifest({ ...manifest, rowParts: 2 });
    const read = async () => {
      for await (const _row of runs.rows({ ...manifest, rowParts: 2 })) void _row;
    };
    await expect(read()).rejects.toThrow(/rows\/1\.ndjson is missing/);
  });

  it('hands chunk states over in index order and fails on a missing one', async () => {
    const objects = new MemoryObjectStore();
    const runs = new RunStore(objects);
    for (const index of [0, 1, 2, 4])
      await runs.writeChunkState(RUN, { index, importId: `x-c${index}`, status: 'new', attempts: 0, devices: [] });
    const seen: number[] = [];
    for await (const state of runs.chunkStates(RUN, 3)) seen.push(state.index);
    expect(seen).toEqual([0, 1, 2]);
    const all = async () => {
      for await (const _state of runs.chunkStates(RUN, 5)) void _state;
    };
    await expect(all()).rejects.toThrow(/chunk 3 state is missing/);
  });
});
