/**
 * Every Graph request the emulator served, for benchmarks (round trips vs operations, peak
 * operations per 20 s) and for the schema-conformance check (bodies). Bodies are kept by reference
 * (each is built fresh per request) and redacted only when read: hardware hashes and user
 * principal names never leave through the control API.
 */
export interface LogEntry {
  seq: number;
  /** Emulator clock, ISO. */
  time: string;
  /** Emulator clock, epoch ms (for windowing). */
  at: number;
  method: string;
  /** `/v1.0/...` or `/beta/...` including the query string. */
  path: string;
  version: string;
  status: number;
  /** True for the requests inside a $batch; the $batch POST itself is logged with `batch: true`. */
  inBatch: boolean;
  batch: boolean;
  /** request-id of the enclosing $batch, and the inner request's id, for inner requests. */
  batchRequestId?: string;
  batchItemId?: string;
  requestId: string;
  /** From the token's `appid`/`azp` claim when it is a JWT, else a fingerprint of the token. */
  appId: string;
  durationMs: number;
  throttled?: boolean;
  fault?: 'error' | 'timeout';
  requestBody?: unknown;
  responseBody?: unknown;
}

export interface LogSummary {
  /** HTTP round trips (a $batch counts once; its inner requests do not). */
  roundTrips: number;
  /** Graph operations (plain requests plus the requests inside batches). */
  operations: number;
  batches: number;
  throttled: number;
  faults: number;
  /** Most operations that started within any 20-second window (emulator clock). */
  peakOperationsPer20s: number;
  byApp: Record<string, { roundTrips: number; operations: number }>;
  byStatus: Record<string, number>;
}

const SECRET_KEYS = new Set(['hardwareidentifier', 'assigneduserprincipalname', 'userprincipalname', 'addressableusername']);

export function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = SECRET_KEYS.has(k.toLowerCase()) && typeof v === 'string' && v !== '' ? `<redacted ${v.length} chars>` : redact(v);
    }
    return out;
  }
  return value;
}

export class RequestLog {
  private entries: LogEntry[] = [];
  private nextSeq = 1;
  /** Index of the oldest entry that may still hold bodies, and the oldest that may hold a response body. */
  private bodiesFrom = 0;
  private responsesFrom = 0;

  constructor(
    private limit: () => number,
    private keepBodies: () => boolean,
    /** Only the most recent entries keep bodies, so long benchmark runs do not hoard memory. */
    private bodyLimit: () => number,
    /** Response bodies are larger (pages of devices) and kept for fewer entries. */
    private responseBodyLimit: () => number,
  ) {}

  add(entry: Omit<LogEntry, 'seq'>): void {
    const full: LogEntry = { ...entry, seq: this.nextSeq++ };
    if (!this.keepBodies()) {
      delete full.requestBody;
      delete full.responseBody;
    }
    this.entries.push(full);
    const overflow = this.entries.length - this.limit();
    if (overflow > 0) {
      this.entries.splice(0, overflow);
      this.bodiesFrom = Math.max(0, this.bodiesFrom - overflow);
      this.responsesFrom = Math.max(0, this.responsesFrom - overflow);
    }
    while (this.entries.length - this.bodiesFrom > this.bodyLimit()) {
      const old = this.entries[this.bodiesFrom++]!;
      delete old.requestBody;
      delete old.responseBody;
    }
    const keepResponses = Math.min(this.bodyLimit(), this.responseBodyLimit());
    this.responsesFrom = Math.max(this.responsesFrom, this.bodiesFrom);
    while (this.entries.length - this.responsesFrom > keepResponses) delete this.entries[this.responsesFrom++]!.responseBody;
  }

  clear(): void {
    this.entries = [];
    this.bodiesFrom = 0;
    this.responsesFrom = 0;
  }

  /** Entries with seq > since, at most limit, redacted. */
  read(since: number, limit: number, withBodies: boolean): { entries: LogEntry[]; next: number } {
    const start = this.firstIndexAfter(since);
    const slice = this.entries.slice(start, start + limit).map((e) => {
      if (!withBodies) {
        const { requestBody: _req, responseBody: _res, ...rest } = e;
        return rest;
      }
      return { ...e, requestBody: redact(e.requestBody), responseBody: redact(e.responseBody) };
    });
    const last = slice[slice.length - 1];
    return { entries: slice, next: last ? last.seq : since };
  }

  summary(): LogSummary {
    const s: LogSummary = {
      roundTrips: 0,
      operations: 0,
      batches: 0,
      throttled: 0,
      faults: 0,
      peakOperationsPer20s: 0,
      byApp: {},
      byStatus: {},
    };
    const opTimes: number[] = [];
    for (const e of this.entries) {
      const app = (s.byApp[e.appId] ??= { roundTrips: 0, operations: 0 });
      if (!e.inBatch) {
        s.roundTrips++;
        app.roundTrips++;
      }
      if (e.batch) s.batches++;
      else {
        s.operations++;
        app.operations++;
        opTimes.push(e.at);
        s.byStatus[e.status] = (s.byStatus[e.status] ?? 0) + 1;
      }
      if (e.throttled) s.throttled++;
      if (e.fault) s.faults++;
    }
    opTimes.sort((a, b) => a - b);
    let lo = 0;
    for (let hi = 0; hi < opTimes.length; hi++) {
      while (opTimes[hi]! - opTimes[lo]! >= 20_000) lo++;
      s.peakOperationsPer20s = Math.max(s.peakOperationsPer20s, hi - lo + 1);
    }
    return s;
  }

  private firstIndexAfter(seq: number): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.entries[mid]!.seq <= seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
