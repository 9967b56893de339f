/**
 * The parse phase: stream the dropped blob (that exact version) through the CSV intake, give every
 * row a verdict, and cut the valid devices into import chunks stored as blobs. Verdicts and chunks
 * are written as they fill, so the step holds one part of each whatever the file's size. The manifest is
 * written last, so a re-run after a crash either finds it (and returns it) or starts over and
 * rewrites the same blobs — the output is a pure function of the input blob.
 */
import { emptyCounts, type ParseInput, type ParseResult } from '../contracts/run';
import { readIntakeCsv } from '../intake';
import { hashDigest } from '../ledger/entry';
import type { ObjectStore } from '../storage/object-store';
import type { ChunkState, ImportDevice, RowRecord } from './model';
import { ROWS_PER_PART, type RunStore } from './run-store';

export interface ParseStepDeps {
  objects: ObjectStore;
  runs: RunStore;
  log: (message: string) => void;
}

function importIdFor(runId: string, chunk: number): string {
  return `${runId}-c${chunk}`;
}

export async function runParseStep(deps: ParseStepDeps, input: ParseInput): Promise<ParseResult> {
  const { runId, source } = input;
  const existing = await deps.runs.readManifest(runId);
  if (existing) return { runId, fileRejected: existing.fileRejected, chunkCount: existing.chunkCount, counts: existing.counts };

  const counts = emptyCounts();
  const rows: RowRecord[] = [];
  const warnings: string[] = [];
  let format: string | undefined;
  let encoding: string | undefined;
  let fileRejected: string | undefined;
  let chunkCount = 0;
  let rowParts = 0;
  let current: ImportDevice[] = [];

  const flushRows = async () => {
    if (rows.length === 0) return;
    await deps.runs.writeRowPart(runId, rowParts++, rows);
    rows.length = 0;
  };

  const flush = async () => {
    if (current.length === 0) return;
    const index = chunkCount++;
    await deps.runs.writeChunkInput(runId, index, current);
    const state: ChunkState = {
      index,
      importId: importIdFor(runId, index),
      status: 'new',
      attempts: 0,
      devices: current.map((d) => ({
        line: d.line,
        serialNumber: d.serialNumber,
        hashSerialNumber: d.hashSerialNumber,
        hashDigest: hashDigest(d.hardwareHash),
        groupTag: d.groupTag,
        importStatus: 'not-sent',
        recordDeleted: false,
        alreadyRegistered: false,
        stage: 'import',
        at: {},
      })),
    };
    await deps.runs.writeChunkState(runId, state);
    current = [];
  };

  const stream = await deps.objects.openRead(source.container, source.name, source.etag);
  if (!stream) {
    fileRejected = `The blob ${source.container}/${source.name} (version ${source.etag}) no longer exists or was overwritten before it could be read; a newer version is processed by its own run.`;
  } else {
    for await (const event of readIntakeCsv(stream, input.maxRows === undefined ? {} : { maxRows: input.maxRows })) {
      if (event.kind === 'header') {
        format = event.format;
        encoding = event.encoding;
        warnings.push(...event.warnings);
      } else if (event.kind === 'rejected-file') {
        fileRejected = event.reason;
        break;
      } else if (event.kind === 'end') {
        warnings.push(...event.warnings);
      } else {
        const row = event.row;
        counts.rows++;
        if (row.status === 'valid') {
          counts.valid++;
          rows.push({
            line: row.line,
            status: 'valid',
            serialNumber: row.serialNumber,
            warnings: row.warnings.map((w) => w.message),
            manufacturer: row.manufacturer,
            model: row.model,
            groupTag: row.groupTag,
          });
          current.push({
            line: row.line,
            serialNumber: row.serialNumber,
            hashSerialNumber: row.hashSerialNumber.toLowerCase() === row.serialNumber.toLowerCase() ? undefined : row.hashSerialNumber,
            hardwareHash: row.hardwareHash,
            productKey: row.productKey,
            groupTag: row.groupTag,
            assignedUser: row.assignedUser,
          });
          if (current.length >= input.chunkSize) await flush();
        } else if (row.status === 'rejected') {
          counts.rejectedRows++;
          rows.push({
            line: row.line,
            status: 'rejected',
            serialNumber: row.serialNumber,
            code: row.code,
            message: row.message,
            warnings: [],
          });
        } else {
          counts.duplicateRows++;
          rows.push({
            line: row.line,
            status: 'duplicate',
            serialNumber: row.serialNumber,
            code: `duplicate-${row.key}`,
            message: row.message,
            duplicateOfLine: row.duplicateOfLine,
            warnings: [],
          });
        }
        if (rows.length >= ROWS_PER_PART) await flushRows();
      }
    }
  }

  if (fileRejected) {
    // A rejected file imports nothing: its rows are not reported one by one, the reason is (parts
    // and chunks already written are left unreferenced).
    rows.length = 0;
    current = [];
    chunkCount = 0;
    rowParts = 0;
    Object.assign(counts, emptyCounts());
  } else {
    await flush();
    await flushRows();
  }
  counts.pending = counts.valid;
  await deps.runs.writeManifest({
    runId,
    source,
    parsedAt: input.now,
    format,
    encoding,
    warnings,
    fileRejected,
    chunkCount,
    rowParts,
    counts,
  });
  deps.log(
    `run ${runId}: parsed ${counts.rows} rows: ${counts.valid} valid, ${counts.rejectedRows} rejected, ${counts.duplicateRows} duplicate${fileRejected ? ' (file rejected)' : ''}`,
  );
  return { runId, fileRejected, chunkCount, counts };
}
