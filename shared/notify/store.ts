/**
 * Where notifications live, beside the run's state (autopilot-state/notifications/{subjectId}/):
 * `{event}.json` the event as built once by the prepare step (every attempt and channel sends it),
 * and `{event}/{channel}.json` the delivery record — `sending` while an attempt holds it, then
 * `delivered` once the receiver acknowledged — so an attempt re-run after a crash does not send an
 * acknowledged delivery again. Written with ETag conditions: two attempts of the same delivery
 * never send at once.
 */
import { z } from 'zod';
import { CONTAINERS, type ObjectStore } from '../storage/object-store';
import { Notification } from './payload';

export const DeliveryRecord = z.object({
  key: z.string(),
  channel: z.string(),
  state: z.enum(['sending', 'delivered', 'released']),
  /** The attempt holding it (sending) or that delivered it. */
  attemptId: z.string(),
  since: z.string(),
  status: z.number().int().optional(),
  answer: z.string().optional(),
});
export type DeliveryRecord = z.infer<typeof DeliveryRecord>;

const base = (subjectId: string) => `notifications/${subjectId}`;

export class NotificationStore {
  constructor(private readonly objects: ObjectStore) {}

  async writeEvent(subjectId: string, n: Notification): Promise<void> {
    await this.objects.put(CONTAINERS.state, `${base(subjectId)}/${n.event}.json`, JSON.stringify(n), 'application/json');
  }

  async readEvent(subjectId: string, event: string): Promise<Notification | undefined> {
    const o = await this.objects.get(CONTAINERS.state, `${base(subjectId)}/${event}.json`);
    return o ? Notification.parse(JSON.parse(o.data.toString('utf8'))) : undefined;
  }

  private recordPath(subjectId: string, event: string, channel: string): string {
    return `${base(subjectId)}/${event}/${channel}.json`;
  }

  async readRecord(subjectId: string, event: string, channel: string): Promise<{ record: DeliveryRecord; etag: string } | undefined> {
    const o = await this.objects.get(CONTAINERS.state, this.recordPath(subjectId, event, channel));
    return o ? { record: DeliveryRecord.parse(JSON.parse(o.data.toString('utf8'))), etag: o.etag } : undefined;
  }

  /** Writes only over the version read (`etag`), or only if absent (null): false when another attempt wrote first. */
  async writeRecordIf(subjectId: string, event: string, record: DeliveryRecord, etag: string | null): Promise<boolean> {
    return this.objects.putIf(CONTAINERS.state, this.recordPath(subjectId, event, record.channel), JSON.stringify(record), etag);
  }

  async writeRecord(subjectId: string, event: string, record: DeliveryRecord): Promise<void> {
    await this.objects.put(CONTAINERS.state, this.recordPath(subjectId, event, record.channel), JSON.stringify(record), 'application/json');
  }
}
