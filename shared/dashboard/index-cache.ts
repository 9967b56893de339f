/**
 * A few runs' device rows kept in memory between requests, so paging, sorting and searching a large
 * run reads its state blobs once rather than on every click. An entry is keyed by the run's
 * last-updated time: a run that moved on is read again; a finished run never changes.
 */
import type { DashboardDevice } from './device-index';

export class DeviceIndexCache {
  private readonly entries = new Map<string, { version: string; devices: Promise<DashboardDevice[]> }>();

  /** `capacity` runs at most (a 10,000-device run is a few MB). */
  constructor(private readonly capacity = 4) {}

  get(runId: string, version: string, load: () => Promise<DashboardDevice[]>): Promise<DashboardDevice[]> {
    const hit = this.entries.get(runId);
    if (hit && hit.version === version) {
      // Most recently used last: Map keeps insertion order.
      this.entries.delete(runId);
      this.entries.set(runId, hit);
      return hit.devices;
    }
    const devices = load();
    // A failed read is not kept: the next request tries again.
    devices.catch(() => this.entries.get(runId)?.devices === devices && this.entries.delete(runId));
    this.entries.delete(runId);
    this.entries.set(runId, { version, devices });
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
    return devices;
  }
}
