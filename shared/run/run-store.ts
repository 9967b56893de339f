import { CONTAINERS, type ObjectStore } from '../storage/object-store';
import { ChunkState, ImportDevice, RowRecord, RunManifest } from './model';
import { ImportIndex } from './import/import-index';
import { z } from 'zod';

const base = (runId: string) => `runs/${runId}`;

/** Rows per rows/{p}.ndjson part: the most row verdicts a step holds at once (~200 bytes each). */
export const ROWS_PER_PART = 1000;
/** Chunk states read ahead while one is being used (a 10,000-device run has 100 chunk blobs). */
const READ_AHEAD = 8;

/** Typed access to a run's state blobs; every read is validated (the blobs outlive code versions). */
export class RunStore {
  constructor(private readonly objects: ObjectStore) {}

  private async readJson<T>(path: string, schema: z.ZodType<T>): Promise<T | undefined> {
    const blob = await this.objects.get(CONTAINERS.state, path);
    if (!blob) return undefined;
    return schema.parse(JSON.parse(blob.data.toString('utf8')));
  }

  private async writeJson(path: string, value: unknown): Promise<void> {
    await this.objects.put(CONTAINERS.state, path, JSON.stringify(value));
  }

  private async readRowsBlob(path: string): Promise<RowRecord[]> {
    const blob = await this.objects.get(CONTAINERS.state, path);
    if (!blob) throw new Error(`${path} is missing`);
    const text = blob.data.toString('utf8');
    return text ? text.split('\n').map((line) => RowRecord.parse(JSON.parse(line))) : [];
  }

  readManifest(runId: string): Promise<RunManifest | undefined> {
    return this.readJson(`${base(runId)}/manifest.json`, RunManifest);
  }
  writeManifest(manifest: RunManifest): Promise<void> {
    return this.writeJson(`${base(manifest.runId)}/manifest.json`, manifest);
  }

  /** Part `part` of the row verdicts (the parse writes parts 0, 1, … in file order, then the manifest with their count). */
  async writeRowPart(runId: string, part: number, rows: RowRecord[]): Promise<void> {
    await this.objects.put(
      CONTAINERS.state,
      `${base(runId)}/rows/${part}.ndjson`,
      rows.map((r) => JSON.stringify(r)).join('\n'),
      'application/x-ndjson',
    );
  }

  /** Every row verdict of a parsed run in file order, one part in memory at a time. */
  rows(manifest: RunManifest): AsyncGenerator<RowRecord, void, undefined> {
    return this.rowsFrom(manifest, 0);
  }

  /**
   * The row verdicts from the `offset`-th row (0-based, file order) on, one part in memory at a time.
   * Every part but the last holds exactly ROWS_PER_PART rows (the parse flushes at that count), so
   * the part to start in is found without reading the ones before it.
   */
  async *rowsFrom(manifest: RunManifest, offset: number): AsyncGenerator<RowRecord, void, undefined> {
    let skip = offset % ROWS_PER_PART;
    for (let part = Math.floor(offset / ROWS_PER_PART); part < manifest.rowParts; part++) {
      const rows = await this.readRowsBlob(`${base(manifest.runId)}/rows/${part}.ndjson`);
      yield* skip > 0 ? rows.slice(skip) : rows;
      skip = 0;
    }
  }

  readChunkInput(runId: string, index: number): Promise<ImportDevice[] | undefined> {
    return this.readJson(`${base(runId)}/chunks/${index}.input.json`, z.array(ImportDevice));
  }
  writeChunkInput(runId: string, index: number, devices: ImportDevice[]): Promise<void> {
    return this.writeJson(`${base(runId)}/chunks/${index}.input.json`, devices);
  }

  readChunkState(runId: string, index: number): Promise<ChunkState | undefined> {
    return this.readJson(`${base(runId)}/chunks/${index}.state.json`, ChunkState);
  }
  writeChunkState(runId: string, state: ChunkState): Promise<void> {
    return this.writeJson(`${base(runId)}/chunks/${state.index}.state.json`, state);
  }

  /** The import phase's index of settled chunks (import/import-index.ts); undefined until the first import step writes it. */
  readImportIndex(runId: string): Promise<ImportIndex | undefined> {
    return this.readJson(`${base(runId)}/import-index.json`, ImportIndex);
  }
  writeImportIndex(runId: string, index: ImportIndex): Promise<void> {
    return this.writeJson(`${base(runId)}/import-index.json`, index);
  }

  /** The chunk states in index order, a few read ahead, without holding the ones already handed over. */
  chunkStates(runId: string, chunkCount: number): AsyncGenerator<ChunkState, void, undefined> {
    return this.chunkStatesAt(
      runId,
      Array.from({ length: chunkCount }, (_, i) => i),
    );
  }

  /**
   * The states of the given chunks in the given order, read like `chunkStates`: the steps make a
   * second pass over only the chunks the first one found work in.
   */
  async *chunkStatesAt(runId: string, indices: readonly number[]): AsyncGenerator<ChunkState, void, undefined> {
    const ahead: Promise<ChunkState | undefined>[] = [];
    let next = 0;
    const fill = () => {
      while (next < indices.length && ahead.length < READ_AHEAD) {
        const read = this.readChunkState(runId, indices[next++]!);
        // Awaited in turn below; this only keeps a read that fails while an earlier one is in use
        // (or after the caller stopped early) from counting as an unhandled rejection.
        read.catch(() => undefined);
        ahead.push(read);
      }
    };
    for (const index of indices) {
      fill();
      const state = await ahead.shift()!;
      if (!state) throw new Error(`run ${runId}: chunk ${index} state is missing`);
      yield state;
    }
  }
}
