/**
 * A few runs' device rows kept in memory between requests, so paging, sorting and searching a large
 * run decodes it once rather than on every click. An entry is keyed by the run's last-updated time:
 * a run that moved on is read again; a finished run never changes. Bounded by devices, not runs
 * (a 10,000-device run is a few MB decoded): the least recently used runs go first, and the newest
 * one stays even when it alone is over the bound.
 */
import type { DashboardDevice } from './device-index';

interface Entry {
  version: string;
  devices: Promise<DashboardDevice[]>;
  /** Its device count once read (0 while reading). */
  size: number;
}

export class DeviceIndexCache {
  private readonly entries = new Map<string, Entry>();

  /** `maxDevices` devices in all at most (beyond the newest run). */
  constructor(private readonly maxDevices = 50_000) {}

  get(runId: string, version: string, load: () => Promise<DashboardDevice[]>): Promise<DashboardDevice[]> {
    const hit = this.entries.get(runId);
    if (hit && hit.version === version) {
      // Most recently used last: Map keeps insertion order.
      this.entries.delete(runId);
      this.entries.set(runId, hit);
      return hit.devices;
    }
    const entry: Entry = { version, devices: load(), size: 0 };
    this.entries.delete(runId);
    this.entries.set(runId, entry);
    entry.devices.then(
      (devices) => {
        entry.size = devices.length;
        this.evict();
      },
      // A failed read is not kept: the next request tries again.
      () => this.entries.get(runId) === entry && this.entries.delete(runId),
    );
    return entry.devices;
  }

  /** Devices held now (read runs only). */
  get devices(): number {
    let n = 0;
    for (const e of this.entries.values()) n += e.size;
    return n;
  }

  private evict(): void {
    while (this.entries.size > 1 && this.devices > this.maxDevices) this.entries.delete(this.entries.keys().next().value!);
  }
}
