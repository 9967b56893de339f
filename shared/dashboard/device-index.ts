/**
 * A run's devices as the dashboard shows them: one compact row per CSV row (its verdict joined with
 * its device's state, as the report joins them), and the one query the run page needs — filter,
 * search, sort and a page — answered on the server, so a 10,000-device run sends the browser one
 * page of rows, never the run.
 */
import { z } from 'zod';
import { joinReportRows } from '../report/report-stream';
import type { ReportRow } from '../report/run-report';
import type { RunStore } from '../run/run-store';

export const RESULTS = ['confirmed', 'failed', 'pending', 'rejected', 'duplicate'] as const;
export type DeviceResult = (typeof RESULTS)[number];

export interface DashboardDevice {
  line: number;
  serialNumber: string;
  rowStatus: 'valid' | 'rejected' | 'duplicate';
  result: DeviceResult;
  /** Where the device is (or stopped): import, registration, group, profile, esp, done; absent for a rejected row. */
  stage?: string;
  code?: string;
  message?: string;
  remediation?: string;
  groupTag?: string;
  manufacturer?: string;
  model?: string;
  autopilotId?: string;
  importStatus?: string;
  profileStatus?: string;
  profileId?: string;
  espId?: string;
  groupIds?: string[];
  /** When each stage was passed (ISO times; the stage timeline). */
  at: Record<string, string>;
}

export function dashboardDevice(row: ReportRow): DashboardDevice {
  const d = row.device;
  const at: Record<string, string> = {};
  for (const [k, v] of Object.entries(d?.at ?? {})) if (typeof v === 'string') at[k] = v;
  return {
    line: row.line,
    serialNumber: row.serialNumber ?? '',
    rowStatus: row.status,
    result: row.status !== 'valid' ? row.status : (d?.result ?? 'pending'),
    stage: d?.failure?.stage ?? d?.stage,
    code: d?.failure?.code ?? row.code,
    message: d?.failure?.message ?? row.message,
    remediation: d?.failure?.remediation,
    groupTag: row.groupTag,
    manufacturer: row.manufacturer,
    model: row.model,
    autopilotId: d?.ztdId,
    importStatus: d?.importStatus,
    profileStatus: d?.profileStatus,
    profileId: d?.profileId,
    espId: d?.espId,
    groupIds: d?.groupIds,
    at,
  };
}

/** Report rows as dashboard rows, one at a time. */
export async function* dashboardDevices(rows: AsyncIterable<ReportRow>): AsyncGenerator<DashboardDevice> {
  for await (const row of rows) yield dashboardDevice(row);
}

/** Every row of a parsed run (an empty list before the parse has written its manifest). */
export async function loadDevices(runs: RunStore, runId: string): Promise<DashboardDevice[]> {
  const manifest = await runs.readManifest(runId);
  if (!manifest) return [];
  const out: DashboardDevice[] = [];
  for await (const row of joinReportRows(runs.rows(manifest), runs.chunkStates(runId, manifest.chunkCount))) out.push(dashboardDevice(row));
  return out;
}

export const SORT_KEYS = ['line', 'serialNumber', 'result', 'stage', 'code', 'groupTag', 'registered', 'profileAssigned'] as const;

/** The device table's query string, validated once here (the page's links and the bench build it). */
export const DeviceQuery = z.object({
  q: z.string().trim().max(200).optional(),
  result: z.enum(RESULTS).optional(),
  stage: z.string().max(40).optional(),
  sort: z.enum(SORT_KEYS).default('line'),
  dir: z.enum(['asc', 'desc']).default('asc'),
  skip: z.coerce.number().int().min(0).default(0),
  top: z.coerce.number().int().min(1).max(500).default(50),
});
export type DeviceQuery = z.infer<typeof DeviceQuery>;

function sortValue(d: DashboardDevice, key: DeviceQuery['sort']): string | number {
  switch (key) {
    case 'line':
      return d.line;
    case 'registered':
    case 'profileAssigned':
      return d.at[key] ?? '';
    default:
      // Case-insensitive, as the service compares serials.
      return (d[key] ?? '').toLowerCase();
  }
}

export interface DevicePage {
  total: number;
  matched: number;
  skip: number;
  rows: DashboardDevice[];
}

/** Filter (result, stage), search (serial, tag, code, Autopilot id; case-insensitive substring), sort, page. */
export function queryDevices(devices: readonly DashboardDevice[], query: DeviceQuery): DevicePage {
  const needle = query.q?.toLowerCase();
  const matched = devices.filter(
    (d) =>
      (!query.result || d.result === query.result) &&
      (!query.stage || d.stage === query.stage) &&
      (!needle || [d.serialNumber, d.groupTag, d.code, d.autopilotId].some((v) => v?.toLowerCase().includes(needle))),
  );
  const sign = query.dir === 'desc' ? -1 : 1;
  // Each device's key computed once, not twice per comparison (a 10,000-device run: ~130,000 comparisons).
  const sorted =
    query.sort === 'line' && query.dir === 'asc'
      ? matched
      : matched
          .map((d) => ({ d, k: sortValue(d, query.sort) }))
          .sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0) * sign || a.d.line - b.d.line) // ties keep file order
          .map((e) => e.d);
  return { total: devices.length, matched: matched.length, skip: query.skip, rows: sorted.slice(query.skip, query.skip + query.top) };
}
