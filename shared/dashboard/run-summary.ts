/**
 * What the run page shows above its table, computed from the run's rows: the funnel (how many got
 * through each stage), the problems (one line per failure code, with its remediation and the first
 * lines) and the time each device took to be registered and to get its profile (p50/p95) — the
 * figure admins ask Microsoft for (IntuneDocs#2262).
 */
import type { DashboardDevice } from './device-index';

export interface FunnelStep {
  stage: string;
  count: number;
}

/** In pipeline order; each count is the devices that passed that stage. */
export function funnel(devices: readonly DashboardDevice[]): FunnelStep[] {
  const passed = (key: string) => devices.filter((d) => d.at[key] !== undefined).length;
  return [
    { stage: 'rows', count: devices.length },
    { stage: 'valid', count: devices.filter((d) => d.rowStatus === 'valid').length },
    { stage: 'imported', count: passed('imported') },
    { stage: 'registered', count: passed('registered') },
    { stage: 'inGroup', count: passed('inGroup') },
    { stage: 'profileAssigned', count: passed('profileAssigned') },
    { stage: 'espConfirmed', count: passed('espConfirmed') },
    { stage: 'confirmed', count: devices.filter((d) => d.result === 'confirmed').length },
  ];
}

export interface Problem {
  code: string;
  stage?: string;
  message?: string;
  remediation?: string;
  count: number;
  /** The first lines of the CSV with this problem (the rest are counted). */
  lines: number[];
}

const LINES_SHOWN = 10;

/** Failed devices and rejected rows grouped by code, most frequent first. */
export function problems(devices: readonly DashboardDevice[]): Problem[] {
  const byCode = new Map<string, Problem>();
  for (const d of devices) {
    if (d.result !== 'failed' && d.result !== 'rejected' && d.result !== 'duplicate') continue;
    const code = d.code ?? d.result;
    const key = `${d.stage ?? ''}|${code}`;
    let p = byCode.get(key);
    if (!p) byCode.set(key, (p = { code, stage: d.stage, message: d.message, remediation: d.remediation, count: 0, lines: [] }));
    p.count++;
    if (p.lines.length < LINES_SHOWN) p.lines.push(d.line);
  }
  return [...byCode.values()].sort((a, b) => b.count - a.count || a.code.localeCompare(b.code));
}

export interface Percentiles {
  /** Devices with both times. */
  count: number;
  p50Seconds?: number;
  p95Seconds?: number;
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: readonly number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function durations(devices: readonly DashboardDevice[], to: string): Percentiles {
  const seconds: number[] = [];
  for (const d of devices) {
    // From the moment the import was sent (the device's clock starts when we hand it to Intune).
    const from = d.at.importSent ?? d.at.imported;
    const end = d.at[to];
    if (!from || !end) continue;
    const s = (Date.parse(end) - Date.parse(from)) / 1000;
    if (Number.isFinite(s) && s >= 0) seconds.push(s);
  }
  seconds.sort((a, b) => a - b);
  return { count: seconds.length, p50Seconds: percentile(seconds, 50), p95Seconds: percentile(seconds, 95) };
}

export interface Timings {
  registered: Percentiles;
  profileAssigned: Percentiles;
}

export function timings(devices: readonly DashboardDevice[]): Timings {
  return { registered: durations(devices, 'registered'), profileAssigned: durations(devices, 'profileAssigned') };
}

export interface RunSummary {
  funnel: FunnelStep[];
  problems: Problem[];
  timings: Timings;
}

/** Computed once per read of a run's rows (the cache hands out the same array until the run moves on). */
const summaries = new WeakMap<readonly DashboardDevice[], RunSummary>();

export function runSummary(devices: readonly DashboardDevice[]): RunSummary {
  let s = summaries.get(devices);
  if (!s) summaries.set(devices, (s = { funnel: funnel(devices), problems: problems(devices), timings: timings(devices) }));
  return s;
}
