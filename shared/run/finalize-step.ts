/**
 * The last phase: write the report next to the run id and move the source blob to the archive (the
 * provenance ledger follows in its own activity, ledger-step.ts).
 * Safe to repeat: reports are overwritten with the same content, and the source is deleted only
 * in the exact version this run read (a newer upload under the same name is left for its own run).
 * The report is streamed: row verdicts and chunk states are read part by part and each document is
 * uploaded as it is rendered, so the step's memory does not grow with the file.
 */
import type { FinalizeInput, RunOutcome, RunStop } from '../contracts';
import { joinReportRows, reportCsvPieces, reportJsonPieces } from '../report/report-stream';
import { SummaryBuilder, reportHeader, type ReportRow } from '../report/run-report';
import { CONTAINERS, sameEtag, type ObjectStore } from '../storage/object-store';
import { countChunk, countRun } from './counts';
import type { ChunkState, RowRecord, RunManifest } from './model';
import type { RunStore } from './run-store';
import type { Ledger } from '../ledger/ledger';
import { recordRun } from '../ledger/record-run';
import { dashboardDevices } from '../dashboard/device-index';
import { writeRunIndex } from '../dashboard/run-index';

export interface FinalizeDeps {
  objects: ObjectStore;
  runs: RunStore;
  /** Where a run started before the ledger step (ledger-step.ts) records its devices: in this step. */
  ledger: Ledger;
  log: (message: string) => void;
}

export async function runFinalizeStep(deps: FinalizeDeps, input: FinalizeInput): Promise<RunOutcome> {
  const { runId, source } = input;
  const took = stopwatch();
  const manifest = await deps.runs.readManifest(runId);
  if (!manifest) throw new Error(`run ${runId}: no manifest`);
  // The counts open report.json and summary.md, so they are taken in a first pass over the chunks.
  // A run stopped by a permanent failure settles its devices still in flight with it, first.
  const counts = countRun(manifest);
  for await (const chunk of deps.runs.chunkStates(runId, manifest.chunkCount)) {
    if (input.stop && failUnfinished(chunk, input.stop, input.now)) await deps.runs.writeChunkState(runId, chunk);
    countChunk(counts, chunk);
  }
  const header = reportHeader(manifest, counts, input.now, input.stop);
  const counted = took();

  const reportPath = `${runId}/`;
  const summary = new SummaryBuilder();
  const summarized = async function* () {
    for await (const row of reportRows(deps.runs, manifest)) {
      summary.add(row);
      yield row;
    }
  };
  await deps.objects.putStream(CONTAINERS.reports, `${runId}/report.json`, reportJsonPieces(header, summarized()), 'application/json');
  await deps.objects.putStream(
    CONTAINERS.reports,
    `${runId}/report.csv`,
    reportCsvPieces(reportRows(deps.runs, manifest)),
    'text/csv; charset=utf-8',
  );
  await deps.objects.put(CONTAINERS.reports, `${runId}/summary.md`, summary.render(header), 'text/markdown; charset=utf-8');
  // The dashboard's compact copy of the rows (one blob to open the run instead of all its state),
  // and its serial list from the rows alone (dashboardDevice's serial: the row's, '' when it has none).
  await writeRunIndex(deps.objects, runId, dashboardDevices(reportRows(deps.runs, manifest)), serialsOf(deps.runs.rows(manifest)));
  const reported = took();

  const folder = header.status === 'rejected' ? 'rejected' : 'processed';
  let archivedAs: string | undefined = `${CONTAINERS.archive}/${folder}/${source.name}`;
  const current = await deps.objects.etagOf(source.container, source.name);
  if (current !== undefined && sameEtag(current, source.etag)) {
    await deps.objects.copy(
      { container: source.container, path: source.name, etag: source.etag },
      { container: CONTAINERS.archive, path: `${folder}/${source.name}` },
    );
    await deps.objects.deleteIf(source.container, source.name, source.etag);
  } else if (current !== undefined) {
    // A newer upload replaced the file this run read: it stays for its own run, nothing is archived.
    archivedAs = undefined;
  }
  // (Source gone: an earlier attempt of this step archived it, or someone removed it.)
  const archived = took();
  // A run started before the ledger step existed replays the orchestration it began with, which
  // passes `expected` here and has no ledger step after: its devices are recorded now, as they were
  // (last: a repeated attempt writes the same entries again).
  const recorded = input.expected
    ? await recordRun(deps.ledger, deps.runs, manifest, { archivedAs, expected: input.expected, now: input.now })
    : undefined;
  const ledgered = took();
  deps.log(
    `run ${runId}: ${header.status}; ${counts.confirmed} confirmed, ${counts.failed} failed; report at ${CONTAINERS.reports}/${reportPath}${archivedAs ? '' : '; source left in place (replaced by a newer upload)'}`,
  );
  // Where a large run's finalize spends its time (issue 16: a 100,000-device report took over 30 minutes).
  deps.log(
    `run ${runId}: finalize took ${seconds(counted)} counting, ${seconds(reported)} writing the report, ${seconds(archived)} archiving${recorded === undefined ? '' : `, ${seconds(ledgered)} recording ${recorded} ledger entries`}`,
  );
  return {
    runId,
    status: header.status,
    reportPath: `${CONTAINERS.reports}/${reportPath}`,
    ...(archivedAs ? { archivedAs } : {}),
    counts,
    ...(input.stop ? { stopped: input.stop } : {}),
  };
}

/** Milliseconds since the last call (the first call: since the stopwatch was made). */
function stopwatch(): () => number {
  let last = Date.now();
  return () => {
    const now = Date.now();
    const ms = now - last;
    last = now;
    return ms;
  };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Every device not settled yet fails with the failure that stopped the run; true if any did. */
function failUnfinished(chunk: ChunkState, stop: RunStop, now: string): boolean {
  let changed = false;
  for (const d of chunk.devices) {
    if (d.result) continue;
    d.result = 'failed';
    d.failure = {
      stage: d.stage,
      code: STOP_CODES[stop.kind],
      message: `${stop.message} (the run stopped before this device was settled)`,
      remediation: stop.fix,
    };
    d.at.finished = now;
    changed = true;
  }
  return changed;
}

const STOP_CODES: Record<RunStop['kind'], string> = {
  permission: 'PermissionDenied',
  auth: 'GraphAuthFailed',
  contract: 'GraphContractError',
};

async function* serialsOf(rows: AsyncIterable<RowRecord>): AsyncGenerator<string, void, undefined> {
  for await (const row of rows) yield row.serialNumber ?? '';
}

/** One pass over the run's rows joined with their devices' states. */
function reportRows(runs: RunStore, manifest: RunManifest): AsyncGenerator<ReportRow, void, undefined> {
  return joinReportRows(runs.rows(manifest), runs.chunkStates(manifest.runId, manifest.chunkCount));
}
