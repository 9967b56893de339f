/**
 * "Where is serial X?": GET /api/dashboard-data/devices?serial= looks the serial up in the
 * provenance ledger (one point read: the latest run that handled it and what that run expected) and
 * in the rows of the most recent intake runs (runs still going are not in the ledger yet), and
 * answers every run it was in with its stage, expected vs actual group/profile/ESP and the reason.
 */
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { z } from 'zod';
import { IntakeInput } from '../shared/contracts/run';
import type { DashboardDevice } from '../shared/dashboard/device-index';
import { runDevices } from '../shared/dashboard/run-devices';
import { serialKey } from '../shared/ledger/entry';
import type { DashboardDataDeps } from './http-dashboard-data';
import { dashboardRun, type DashboardRun } from './dashboard-runs';
import { statusOf } from './durable-status';

/** Runs searched, newest first: each is read whole (or found in the cache), so the search stays bounded. */
export const RUNS_SEARCHED = 20;
const MATCHES_SHOWN = 100;

const SearchQuery = z.object({ serial: z.string().trim().min(1).max(100) });

export interface DeviceMatch {
  runId: string;
  source?: string;
  createdTime: string;
  state: string;
  device: DashboardDevice;
  expected?: { groupIds: string[]; profileId?: string; espId?: string };
  /** Why it is where it is: the failure's message and remediation, or the stage it waits in. */
  reason: string;
}

function reasonOf(d: DashboardDevice): string {
  if (d.result === 'confirmed') return 'in the expected group, with the expected profile and ESP';
  if (d.result === 'pending') return `waiting at stage ${d.stage ?? 'import'}`;
  return [d.code, d.message, d.remediation].filter(Boolean).join(' — ');
}

export function dashboardDeviceSearchHandler(deps: DashboardDataDeps) {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const q = SearchQuery.safeParse({ serial: request.query.get('serial') ?? '' });
    if (!q.success) return { status: 400, jsonBody: { error: 'serial: 1 to 100 characters' } };
    const key = serialKey(q.data.serial);
    const client = deps.clientOf(context);
    const runs = (await client.getStatusBy({}))
      .map(dashboardRun)
      .filter((r): r is DashboardRun => r?.kind === 'intake')
      .sort((a, b) => b.createdTime.localeCompare(a.createdTime));
    const searched = runs.slice(0, RUNS_SEARCHED);
    const matches: DeviceMatch[] = [];
    for (const run of searched) {
      const devices = await deps.cache.get(run.runId, run.lastUpdatedTime, () => runDevices(deps, run.runId));
      const found = devices.filter((d) => serialKey(d.serialNumber).includes(key));
      if (found.length === 0) continue;
      const input = IntakeInput.safeParse((await statusOf(client, run.runId))?.input);
      for (const device of found)
        matches.push({
          runId: run.runId,
          source: run.source,
          createdTime: run.createdTime,
          state: run.state,
          device,
          expected: input.success ? input.data.settings.expected : undefined,
          reason: reasonOf(device),
        });
      if (matches.length >= MATCHES_SHOWN) break;
    }
    const ledger = await deps.ledger.get(q.data.serial);
    return {
      status: 200,
      headers: { 'Cache-Control': 'no-store' },
      jsonBody: {
        serial: q.data.serial,
        ledger,
        matches: matches.slice(0, MATCHES_SHOWN),
        runsSearched: searched.length,
        runsNotSearched: runs.length - searched.length,
      },
    };
  };
}
