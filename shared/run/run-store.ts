import { CONTAINERS, type ObjectStore } from '../storage/object-store';
import { ChunkState, ImportDevice, RowRecord, RunManifest } from './model';
import { z } from 'zod';

const base = (runId: string) => `runs/${runId}`;

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

  readManifest(runId: string): Promise<RunManifest | undefined> {
    return this.readJson(`${base(runId)}/manifest.json`, RunManifest);
  }
  writeManifest(manifest: RunManifest): Promise<void> {
    return this.writeJson(`${base(manifest.runId)}/manifest.json`, manifest);
  }

  async writeRows(runId: string, rows: RowRecord[]): Promise<void> {
    await this.objects.put(CONTAINERS.state, `${base(runId)}/rows.ndjson`, rows.map((r) => JSON.stringify(r)).join('\n'), 'application/x-ndjson');
  }
  async readRows(runId: string): Promise<RowRecord[]> {
    const blob = await this.objects.get(CONTAINERS.state, `${base(runId)}/rows.ndjson`);
    if (!blob) return [];
    const text = blob.data.toString('utf8');
    return text ? text.split('\n').map((line) => RowRecord.parse(JSON.parse(line))) : [];
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

  async readAllChunkStates(runId: string, chunkCount: number): Promise<ChunkState[]> {
    const states: ChunkState[] = [];
    // A few reads in flight at once: a 10,000-device run has 100 chunk blobs.
    for (let i = 0; i < chunkCount; i += 8) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(8, chunkCount - i) }, (_, j) => this.readChunkState(runId, i + j)),
      );
      for (const [j, state] of batch.entries()) {
        if (!state) throw new Error(`run ${runId}: chunk ${i + j} state is missing`);
        states.push(state);
      }
    }
    return states;
  }
}
