/**
 * One page of a run's per-device rows for GET /api/runs/{runId}: the report's merge join of row
 * verdicts and chunk states (report-stream.ts), started from a cursor instead of the first row. The
 * cursor carries where both sides stand — the row offset and the chunk holding the next device — so
 * a page reads only its own row part(s) and the chunk states it needs (plus the store's read-ahead),
 * whatever the run's size: memory per request is bounded by the page, not the run.
 */
import { z } from 'zod';
import { reportRow, type ReportRow } from '../report/run-report';
import type { DeviceState, RunManifest } from './model';
import type { RunStore } from './run-store';

/** Where a page starts: `o` rows in (file order), devices searched from chunk `c`. */
const RunCursor = z.object({ o: z.number().int().min(0), c: z.number().int().min(0) }).strict();
export type RunCursor = z.infer<typeof RunCursor>;

export const FIRST_PAGE: RunCursor = { o: 0, c: 0 };

/** The opaque `skipToken` of a cursor (base64url JSON: callers must not build it, only pass it back). */
export function encodeSkipToken(cursor: RunCursor): string {
  return Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}

/** The cursor of a `skipToken`, or undefined when it is not one this API handed out. */
export function decodeSkipToken(token: string): RunCursor | undefined {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(token)) return undefined;
  try {
    const parsed = RunCursor.safeParse(JSON.parse(Buffer.from(token, 'base64url').toString('utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export interface RunPage {
  rows: ReportRow[];
  /** Where the next page starts; absent on the last page. */
  next?: RunCursor;
}

/** Up to `top` rows from `from`, each joined with its device's state (valid rows). */
export async function readRunPage(runs: RunStore, manifest: RunManifest, from: RunCursor, top: number): Promise<RunPage> {
  const total = manifest.counts.rows;
  if (from.o >= total || manifest.fileRejected) return { rows: [] };
  const chunkIndices = Array.from({ length: Math.max(manifest.chunkCount - from.c, 0) }, (_, i) => from.c + i);
  const chunks = runs.chunkStatesAt(manifest.runId, chunkIndices);
  const rows = runs.rowsFrom(manifest, from.o);
  // The device cursor: the current chunk, its index, and the position in its devices (sorted by line,
  // as the report's join does).
  let chunk: { index: number; devices: DeviceState[] } | undefined;
  let at = 0;
  let chunksDone = false;
  const current = async (): Promise<DeviceState | undefined> => {
    while (!chunksDone && (!chunk || at >= chunk.devices.length)) {
      const step = await chunks.next();
      if (step.done) {
        chunksDone = true;
        chunk = undefined;
      } else {
        chunk = { index: step.value.index, devices: [...step.value.devices].sort((a, b) => a.line - b.line) };
        at = 0;
      }
    }
    return chunk?.devices[at];
  };
  const out: ReportRow[] = [];
  try {
    for await (const row of rows) {
      let device = await current();
      while (device && device.line < row.line) {
        at++;
        device = await current();
      }
      out.push(reportRow(row, device?.line === row.line ? device : undefined));
      if (out.length >= top) break;
    }
  } finally {
    await rows.return(undefined);
    await chunks.return(undefined);
  }
  const o = from.o + out.length;
  if (o >= total) return { rows: out };
  // The next row's device is at or after the current one, so the next page starts at its chunk.
  return { rows: out, next: { o, c: chunk ? chunk.index : chunksDone ? manifest.chunkCount : from.c } };
}
