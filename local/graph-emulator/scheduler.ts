/**
 * Deferred service work (import processing, syncs, membership evaluation, profile assignment) as
 * plain data events in a min-heap ordered by due time, then by insertion. Nothing runs on timers:
 * `runDue` is called before every request and after a clock advance, so what a caller observes is
 * always consistent with the clock, and at time scale 0 every stage is done by the next request
 * while still happening in causal order.
 */
export type EmulatorEvent =
  | { kind: 'importPending'; recordIds: string[] }
  | { kind: 'importProcess'; recordIds: string[] }
  | { kind: 'autopilotVisible'; autopilotIds: string[] }
  | { kind: 'syncComplete'; startedAt: number }
  | { kind: 'evaluateDevices'; deviceObjectIds: string[] }
  | { kind: 'evaluateGroup'; groupId: string; generation: number }
  | { kind: 'profileAssigned'; autopilotId: string; profileId: string; generation: number };

export interface ScheduledEvent {
  due: number;
  seq: number;
  event: EmulatorEvent;
}

export class Scheduler {
  private heap: ScheduledEvent[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  schedule(due: number, event: EmulatorEvent): void {
    this.heap.push({ due, seq: this.seq++, event });
    this.up(this.heap.length - 1);
  }

  /** Pops every event due at or before `now`, including ones scheduled by handlers it runs. */
  runDue(now: number, handle: (event: EmulatorEvent, due: number) => void): number {
    let ran = 0;
    while (this.heap.length > 0 && this.heap[0]!.due <= now) {
      const top = this.pop();
      handle(top.event, top.due);
      ran++;
    }
    return ran;
  }

  /** The time the earliest pending event is due, if any. */
  nextDue(): number | undefined {
    return this.heap[0]?.due;
  }

  snapshot(): ScheduledEvent[] {
    return [...this.heap].sort((a, b) => a.due - b.due || a.seq - b.seq);
  }

  restore(events: ScheduledEvent[]): void {
    this.heap = [];
    this.seq = 0;
    for (const e of events) this.schedule(e.due, e.event);
  }

  clear(): void {
    this.heap = [];
  }

  private less(a: ScheduledEvent, b: ScheduledEvent): boolean {
    return a.due < b.due || (a.due === b.due && a.seq < b.seq);
  }

  private pop(): ScheduledEvent {
    const top = this.heap[0]!;
    const last = this.heap.pop()!;
    if (this.heap.length > 0) {
      this.heap[0] = last;
      this.down(0);
    }
    return top;
  }

  private up(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  private down(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
      if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}
