/**
 * "Where is serial X?": GET /api/dashboard-data/devices?serial= looks the serial up in the
 * provenance ledger (one point read: the latest run that handled it and what that run expected) and
 * in every intake run — through each reported run's serial list, then the rows of the runs that hold
 * it (runs still going are read whole) — and answers every run it was in (up to 100 matches) with its
 * stage, expected vs actual group/profile/ESP and the reason.
 */
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { z } from 'zod';
import { IntakeInput } from '../shared/contracts/run';
import type { DashboardDevice } from '../shared/dashboard/device-index';
import { runDevices } from '../shared/dashboard/run-devices';
import { serialLine } from '../shared/dashboard/serial-list';
import type { DashboardDataDeps } from './http-dashboard-data';
import { dashboardRun, type DashboardRun } from './dashboard-runs';
import { statusOf } from './durable-status';

const MATCHES_SHOWN = 100;
/** Serial lists read at once (one small blob per run, the first time a run is searched). */
const READ_AHEAD = 8;

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
    const key = serialLine(q.data.serial);
    const client = deps.clientOf(context);
    const runs = (await client.getStatusBy({}))
      .map(dashboardRun)
      .filter((r): r is DashboardRun => r?.kind === 'intake')
      .sort((a, b) => b.createdTime.localeCompare(a.createdTime));
    const matches: DeviceMatch[] = [];
    // Every run, newest first: its serial list says whether to open it (serial-list.ts); a run without
    // one (not reported yet, or reported before lists existed: opening it writes one) is opened to look.
    let searched = 0;
    for (let i = 0; i < runs.length && matches.length < MATCHES_SHOWN; i += READ_AHEAD) {
      const batch = runs.slice(i, i + READ_AHEAD);
      const lists = await Promise.all(batch.map((run) => deps.serials.get(deps.objects, run.runId)));
      for (const [j, run] of batch.entries()) {
        searched++;
        const list = lists[j];
        if (list !== undefined && !list.includes(key)) continue;
        const devices = await deps.cache.get(run.runId, run.lastUpdatedTime, () => runDevices(deps, run.runId));
        const found = devices.filter((d) => serialLine(d.serialNumber).includes(key));
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
    }
    const ledger = await deps.ledger.get(q.data.serial);
    return {
      status: 200,
      headers: { 'Cache-Control': 'no-store' },
      jsonBody: {
        serial: q.data.serial,
        ledger,
        matches: matches.slice(0, MATCHES_SHOWN),
        runsSearched: searched,
        // Only when the matches filled the answer before the oldest runs were read.
        runsNotSearched: runs.length - searched,
      },
    };
  };
}
