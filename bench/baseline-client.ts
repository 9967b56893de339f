/**
 * "Today's tools": the pattern the community scripts use (Get-WindowsAutopilotInfo -Online and its
 * forks; graph-api reference §8, anchors (c)), written as a small Graph client so it can be measured
 * against the same emulator in the same run as the pipeline:
 *   1. one POST /importedWindowsAutopilotDeviceIdentities per device, one after another;
 *   2. poll the WHOLE imported-records collection (every page) every 15 s until each of its
 *      devices is complete or error;
 *   3. one GET /windowsAutopilotDeviceIdentities/{deviceRegistrationId} per device to confirm it,
 *      again every 15 s until each is found.
 * It checks less than the pipeline (no group, profile or ESP verification, no cleanup of import
 * records), so its traffic is a lower bound for that pattern.
 */
import { z } from 'zod';
import { hashFor } from './support/csv';

export const BASELINE_TOKEN = 'baseline-client-token';

export interface BaselineOptions {
  /** Emulator root, e.g. http://127.0.0.1:1234 (requests go to /v1.0/...). */
  graphUrl: string;
  serials: string[];
  pollSeconds?: number;
  /** Give up after this long (a device that never finishes). */
  timeoutMs?: number;
  token?: string;
}

export interface BaselineResult {
  elapsedMs: number;
  imported: number;
  errors: number;
  confirmed: number;
  polls: number;
}

const Record_ = z.object({
  id: z.string(),
  serialNumber: z.string().nullish(),
  state: z.object({ deviceImportStatus: z.string(), deviceRegistrationId: z.string().nullish() }).passthrough().nullish(),
});
const Page = z.object({ value: z.array(Record_), '@odata.nextLink': z.string().optional() });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runBaseline(options: BaselineOptions): Promise<BaselineResult> {
  const started = Date.now();
  const pollMs = (options.pollSeconds ?? 15) * 1000;
  const deadline = started + (options.timeoutMs ?? 30 * 60_000);
  const headers = { Authorization: `Bearer ${options.token ?? BASELINE_TOKEN}`, 'Content-Type': 'application/json' };
  const root = `${options.graphUrl}/v1.0/deviceManagement`;

  async function call(method: string, url: string, body?: unknown): Promise<{ status: number; json: unknown }> {
    for (let attempt = 0; ; attempt++) {
      const res = await fetch(url, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
      const text = await res.text();
      if ((res.status === 429 || res.status >= 500) && attempt < 5) {
        // The scripts' Graph SDK retries throttling and server errors after Retry-After.
        await sleep(Number(res.headers.get('Retry-After') ?? '2') * 1000);
        continue;
      }
      return { status: res.status, json: text ? (JSON.parse(text) as unknown) : undefined };
    }
  }

  const ids = new Map<string, string>();
  for (const serial of options.serials) {
    const res = await call('POST', `${root}/importedWindowsAutopilotDeviceIdentities`, {
      '@odata.type': '#microsoft.graph.importedWindowsAutopilotDeviceIdentity',
      serialNumber: serial,
      hardwareIdentifier: hashFor(serial),
      productKey: '',
      groupTag: '',
    });
    if (res.status !== 201) throw new Error(`baseline: import of one device answered ${res.status}`);
    ids.set(serial.toLowerCase(), Record_.parse(res.json).id);
  }

  // Poll the whole collection until every one of ours is final.
  const registrationIds = new Map<string, string>();
  let errors = 0;
  let polls = 0;
  for (;;) {
    polls++;
    const final = new Map<string, z.infer<typeof Record_>>();
    let url: string | undefined = `${root}/importedWindowsAutopilotDeviceIdentities`;
    while (url) {
      const res = await call('GET', url);
      if (res.status !== 200) throw new Error(`baseline: listing import records answered ${res.status}`);
      const page = Page.parse(res.json);
      for (const r of page.value) {
        const status = r.state?.deviceImportStatus ?? 'unknown';
        if (ids.get((r.serialNumber ?? '').toLowerCase()) === r.id && (status === 'complete' || status === 'error')) final.set(r.id, r);
      }
      url = page['@odata.nextLink'];
    }
    if (final.size === ids.size) {
      for (const r of final.values()) {
        if (r.state?.deviceImportStatus === 'complete' && r.state.deviceRegistrationId)
          registrationIds.set(r.id, r.state.deviceRegistrationId);
        else errors++;
      }
      break;
    }
    if (Date.now() > deadline) throw new Error(`baseline: ${ids.size - final.size} imports still processing at the deadline`);
    await sleep(pollMs);
  }

  // One GET per device until each is registered.
  const unconfirmed = new Set(registrationIds.values());
  for (;;) {
    for (const id of [...unconfirmed]) {
      const res = await call('GET', `${root}/windowsAutopilotDeviceIdentities/${id}`);
      if (res.status === 200) unconfirmed.delete(id);
    }
    if (unconfirmed.size === 0) break;
    if (Date.now() > deadline) throw new Error(`baseline: ${unconfirmed.size} devices not registered at the deadline`);
    await sleep(pollMs);
  }
  return { elapsedMs: Date.now() - started, imported: registrationIds.size, errors, confirmed: registrationIds.size, polls };
}
