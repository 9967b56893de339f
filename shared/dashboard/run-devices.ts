/**
 * Where the dashboard gets a run's device rows: the run's compact index when the report step wrote
 * one (one blob read); for a run reported before indexes existed, the rows joined from its state
 * blobs once, then written as its index so the next open is fast; for a run still before its report,
 * from its state blobs every time (they still change, so an index would go stale).
 */
import type { RunStore } from '../run/run-store';
import { CONTAINERS, type ObjectStore } from '../storage/object-store';
import { loadDevices, type DashboardDevice } from './device-index';
import { readRunIndex, writeRunIndex } from './run-index';

export interface RunDevicesDeps {
  runs: RunStore;
  objects: Pick<ObjectStore, 'get' | 'etagOf' | 'putStream' | 'put'>;
}

export async function runDevices(deps: RunDevicesDeps, runId: string): Promise<DashboardDevice[]> {
  const indexed = await readRunIndex(deps.objects, runId);
  if (indexed) return indexed;
  // Checked before the state is read: report.json exists only once every device's state is final.
  const reported = (await deps.objects.etagOf(CONTAINERS.reports, `${runId}/report.json`)) !== undefined;
  const devices = await loadDevices(deps.runs, runId);
  // A failed write costs only speed: this answer stands, and the next open tries again.
  if (reported)
    await writeRunIndex(
      deps.objects,
      runId,
      devices,
      devices.map((d) => d.serialNumber),
    ).catch(() => undefined);
  return devices;
}
