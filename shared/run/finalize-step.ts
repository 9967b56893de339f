/**
 * The last phase: write the report next to the run id and move the source blob to the archive.
 * Safe to repeat: reports are overwritten with the same content, and the source is deleted only
 * in the exact version this run read (a newer upload under the same name is left for its own run).
 */
import type { FinalizeInput, RunOutcome } from '../contracts';
import { buildReport, reportCsv, reportSummary } from '../report/run-report';
import { CONTAINERS, type ObjectStore } from '../storage/object-store';
import { countRun } from './counts';
import type { RunStore } from './run-store';

export interface FinalizeDeps {
  objects: ObjectStore;
  runs: RunStore;
  log: (message: string) => void;
}

export async function runFinalizeStep(deps: FinalizeDeps, input: FinalizeInput): Promise<RunOutcome> {
  const { runId, source } = input;
  const manifest = await deps.runs.readManifest(runId);
  if (!manifest) throw new Error(`run ${runId}: no manifest`);
  const chunks = await deps.runs.readAllChunkStates(runId, manifest.chunkCount);
  const rows = await deps.runs.readRows(runId);
  const counts = countRun(manifest, chunks);
  const report = buildReport(manifest, rows, chunks, counts, input.now);

  const reportPath = `${runId}/`;
  await deps.objects.put(CONTAINERS.reports, `${runId}/report.json`, JSON.stringify(report, null, 2), 'application/json');
  await deps.objects.put(CONTAINERS.reports, `${runId}/report.csv`, reportCsv(report), 'text/csv; charset=utf-8');
  await deps.objects.put(CONTAINERS.reports, `${runId}/summary.md`, reportSummary(report), 'text/markdown; charset=utf-8');

  const folder = report.status === 'rejected' ? 'rejected' : 'processed';
  const archivedAs = `${CONTAINERS.archive}/${folder}/${source.name}`;
  const current = await deps.objects.get(source.container, source.name);
  if (current && sameEtag(current.etag, source.etag)) {
    await deps.objects.copy({ container: source.container, path: source.name, etag: source.etag }, { container: CONTAINERS.archive, path: `${folder}/${source.name}` });
    await deps.objects.deleteIf(source.container, source.name, source.etag);
  }
  deps.log(`run ${runId}: ${report.status}; ${counts.confirmed} confirmed, ${counts.failed} failed; report at ${CONTAINERS.reports}/${reportPath}`);
  return { runId, status: report.status, reportPath: `${CONTAINERS.reports}/${reportPath}`, archivedAs, counts };
}

function sameEtag(a: string, b: string): boolean {
  const norm = (e: string) => e.replace(/^W\//, '').replace(/"/g, '');
  return norm(a) === norm(b);
}
