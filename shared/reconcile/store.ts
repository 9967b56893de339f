/**
 * A reconciliation's findings, as blobs under autopilot-state/reconcile/{reconcileId}/: parts of
 * FINDINGS_PER_PART findings (ndjson), rewritten whole when the repair step records results, so a
 * step re-run after a crash sees the old part or the new one.
 */
import { CONTAINERS, type ObjectStore } from '../storage/object-store';
import { Finding } from './model';

export const FINDINGS_PER_PART = 1000;

export class ReconcileStore {
  constructor(private readonly objects: ObjectStore) {}

  private path(reconcileId: string, part: number): string {
    return `reconcile/${reconcileId}/findings/${part}.ndjson`;
  }

  async writePart(reconcileId: string, part: number, findings: readonly Finding[]): Promise<void> {
    await this.objects.put(
      CONTAINERS.state,
      this.path(reconcileId, part),
      findings.map((f) => JSON.stringify(f)).join('\n'),
      'application/x-ndjson',
    );
  }

  async readPart(reconcileId: string, part: number): Promise<Finding[]> {
    const blob = await this.objects.get(CONTAINERS.state, this.path(reconcileId, part));
    if (!blob) throw new Error(`reconciliation ${reconcileId}: findings part ${part} is missing`);
    const text = blob.data.toString('utf8');
    return text ? text.split('\n').map((line) => Finding.parse(JSON.parse(line))) : [];
  }

  /** Removes parts from `first` on: what an earlier attempt of the survey wrote beyond this attempt's last part. */
  async dropPartsFrom(reconcileId: string, first: number): Promise<void> {
    for (let part = first; ; part++) {
      const etag = await this.objects.etagOf(CONTAINERS.state, this.path(reconcileId, part));
      if (etag === undefined) return;
      await this.objects.deleteIf(CONTAINERS.state, this.path(reconcileId, part), etag);
    }
  }

  /** How many parts the survey wrote (0: no such reconciliation). */
  async partCount(reconcileId: string): Promise<number> {
    let n = 0;
    for await (const name of this.objects.list(CONTAINERS.state, `reconcile/${reconcileId}/findings/`)) if (name.endsWith('.ndjson')) n++;
    return n;
  }

  async exists(reconcileId: string): Promise<boolean> {
    return (await this.objects.etagOf(CONTAINERS.state, this.path(reconcileId, 0))) !== undefined;
  }
}
