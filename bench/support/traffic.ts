/**
 * Reading the Graph emulator's request log the way issue 6 counts traffic: a round trip is one
 * HTTP request (a $batch counts once), an operation is one Graph request (each request inside a
 * $batch counts, the $batch envelope does not).
 */
import type { GraphEmulator, LogEntry } from '../../local/graph-emulator';

export interface Traffic {
  roundTrips: number;
  operations: number;
  batches: number;
  throttled: number;
  faults: number;
  /** Most operations started within any 20 s window of emulator time. */
  peakOpsPer20s: number;
  /** Same, writes only (POST/PATCH/DELETE/PUT operations). */
  peakWritesPer20s: number;
  firstAt: number;
  lastAt: number;
  /** Operations by "METHOD /path-with-ids-replaced", most first. */
  byKind: [string, number][];
}

/** All entries after seq `since`, in pages (the control API caps a read). */
export function logEntries(emulator: GraphEmulator, since = 0): LogEntry[] {
  const out: LogEntry[] = [];
  let cursor = since;
  for (;;) {
    const page = emulator.requestLog(cursor, 50_000);
    if (page.entries.length === 0) return out;
    out.push(...page.entries);
    cursor = page.next;
  }
}

export function lastSeq(emulator: GraphEmulator): number {
  let cursor = 0;
  for (;;) {
    const page = emulator.requestLog(cursor, 50_000);
    if (page.entries.length === 0) return cursor;
    cursor = page.next;
  }
}

const GUIDISH = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(_\w+)?/gi;

export function kindOf(e: LogEntry): string {
  const path = e.path
    .split('?')[0]!
    .replace(GUIDISH, '{id}')
    .replace(/\/intake-[0-9a-f]+-c\d+/g, '/{id}');
  const query = e.path.includes('?') ? (/\$filter=contains/.test(e.path) ? '?$filter=contains(serial)' : '?…') : '';
  return `${e.method} ${path}${query}`;
}

/** Most of `times` (ms) inside any window of `windowMs`: the figure Microsoft's per-window limits bound. */
export function peakPerWindow(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i]! - sorted[j]! >= windowMs) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

export function summarize(entries: LogEntry[]): Traffic {
  const kinds = new Map<string, number>();
  const opTimes: number[] = [];
  const writeTimes: number[] = [];
  const t: Traffic = {
    roundTrips: 0,
    operations: 0,
    batches: 0,
    throttled: 0,
    faults: 0,
    peakOpsPer20s: 0,
    peakWritesPer20s: 0,
    firstAt: Infinity,
    lastAt: 0,
    byKind: [],
  };
  for (const e of entries) {
    t.firstAt = Math.min(t.firstAt, e.at);
    t.lastAt = Math.max(t.lastAt, e.at);
    if (!e.inBatch) t.roundTrips++;
    if (e.batch) {
      t.batches++;
      continue;
    }
    t.operations++;
    opTimes.push(e.at);
    if (e.method !== 'GET') writeTimes.push(e.at);
    if (e.throttled) t.throttled++;
    if (e.fault) t.faults++;
    const k = kindOf(e);
    kinds.set(k, (kinds.get(k) ?? 0) + 1);
  }
  t.peakOpsPer20s = peakPerWindow(opTimes, 20_000);
  t.peakWritesPer20s = peakPerWindow(writeTimes, 20_000);
  t.byKind = [...kinds].sort((a, b) => b[1] - a[1]);
  return t;
}

const ImportBody = (body: unknown): string[] => {
  if (!body || typeof body !== 'object') return [];
  const b = body as Record<string, unknown>;
  const list = Array.isArray(b.importedWindowsAutopilotDeviceIdentities) ? (b.importedWindowsAutopilotDeviceIdentities as unknown[]) : [b];
  return list.flatMap((d) =>
    d && typeof d === 'object' && typeof (d as Record<string, unknown>).serialNumber === 'string'
      ? [(d as Record<string, string>).serialNumber!]
      : [],
  );
};

/**
 * Serials the service accepted for import, counted per serial (lower case): every successful
 * import call (the `/import` action answering 200, or a single POST answering 201) that named it.
 * Needs request bodies in the log (settings.logBodies, and logBodyLimit above the run's size).
 */
export function importsPerSerial(entries: LogEntry[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const e of entries) {
    if (
      e.method !== 'POST' ||
      e.batch ||
      !/\/deviceManagement\/importedWindowsAutopilotDeviceIdentities(\/import)?$/i.test(e.path.split('?')[0]!)
    )
      continue;
    if (e.status !== 200 && e.status !== 201) continue;
    if (e.requestBody === undefined) throw new Error(`import request ${e.seq} has no body in the log: raise the emulator's logBodyLimit`);
    for (const serial of ImportBody(e.requestBody)) counts.set(serial.toLowerCase(), (counts.get(serial.toLowerCase()) ?? 0) + 1);
  }
  return counts;
}

/** Every call of the Autopilot sync action (whatever the answer), emulator time. */
export function syncCalls(entries: LogEntry[]): { at: number; status: number }[] {
  return entries
    .filter((e) => e.method === 'POST' && !e.batch && /windowsAutopilotSettings\/sync$/i.test(e.path.split('?')[0]!))
    .map((e) => ({ at: e.at, status: e.status }));
}

export interface Phases {
  /** Drop → first Graph request of the run (blob trigger latency + parse). */
  toFirstRequestMs: number;
  /** First import call → last import call or poll of an import record (deletes alongside included). */
  importMs: number;
  /** First request of the confirm phase → its last one (the last request other than an import-record DELETE). */
  confirmMs: number;
  /** Last confirm-phase request → the report (finalize: report blobs, archive). */
  toReportMs: number;
  /** Deletes of import records after the confirm phase's last request (the cleanup phase, after the report). */
  cleanupMs: number;
  /** Last Graph request → run completed (orchestration completion). */
  afterLastRequestMs: number;
}

/**
 * Splits a run's requests into its phases by what they touch: the import phase sends and polls
 * import records, the confirm phase reads Autopilot, groups and configurations, and the cleanup
 * phase (after the report) deletes import records. Deletes sent alongside import polls fall in
 * the import phase.
 */
export function phases(entries: LogEntry[], droppedAt: number, completedAt: number, reportedAt = completedAt): Phases {
  const ops = entries.filter((e) => !e.batch);
  const isImport = (e: LogEntry) => /importedWindowsAutopilotDeviceIdentities/i.test(e.path);
  const isDelete = (e: LogEntry) => isImport(e) && e.method === 'DELETE';
  const first = ops[0]?.at ?? completedAt;
  const last = ops.at(-1)?.at ?? completedAt;
  const importReads = ops.filter((e) => isImport(e) && !isDelete(e));
  const importStart = importReads[0]?.at ?? first;
  const importEnd = importReads.at(-1)?.at ?? importStart;
  const confirmOps = ops.filter((e) => !isImport(e) && e.at >= importEnd);
  const confirmStart = confirmOps[0]?.at ?? importEnd;
  const confirmEnd = confirmOps.at(-1)?.at ?? confirmStart;
  const lastDelete = ops.filter(isDelete).at(-1)?.at ?? confirmEnd;
  return {
    toFirstRequestMs: first - droppedAt,
    importMs: importEnd - importStart,
    confirmMs: confirmEnd - confirmStart,
    toReportMs: Math.max(0, reportedAt - confirmEnd),
    cleanupMs: Math.max(0, lastDelete - confirmEnd),
    afterLastRequestMs: completedAt - last,
  };
}
