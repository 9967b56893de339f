/**
 * The dashboard on a large run, in the browser: a real run of --devices devices through the local
 * stack (drop → parse → import → confirm → report), then headless Chromium opens its page and
 * filters its device table, timed from the click or navigation to the table showing the answer.
 * The device table is paged on the server (50 rows per answer), so the browser never holds the run.
 * Target: open and filter a 10,000-device run in under a second. Two first opens are timed before
 * the rounds: one on the host that ran the run (the server has not read it for the dashboard yet) and
 * one cold — a fresh host process (killed and started again), as after a deployment or a scale-out.
 * Run: npm run build && npx tsx bench/dashboard.ts [--devices 10000] [--rounds 5] [--tenant 0]
 */
import type { Page } from 'playwright-core';
import { z } from 'zod';
import { launchBrowser } from '../tests/support/browser';
import { benchArgs, machine, table } from './support/args';
import { deviceCsv, serialsFor } from './support/csv';
import { dropBlob, waitForRun } from './support/run';
import { startBenchStack } from './support/stack';

const USAGE = 'usage: npx tsx bench/dashboard.ts [--devices 10000] [--rounds 5] [--tenant 0]';
const args = benchArgs(
  {
    devices: z.coerce.number().int().min(1).default(10_000),
    rounds: z.coerce.number().int().min(1).default(5),
    tenant: z.coerce.number().int().min(0).default(0),
  },
  USAGE,
);

type InPage = { document: { querySelector(s: string): { textContent: string | null } | null } };

/** Milliseconds from `act` until the element holds `text`. */
async function timed(page: Page, act: () => Promise<unknown>, selector: string, text: string | RegExp): Promise<number> {
  const started = performance.now();
  await act();
  const source = typeof text === 'string' ? `^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$` : text.source;
  await page.waitForFunction(
    ([s, re]) => new RegExp(re).test((globalThis as unknown as InPage).document.querySelector(s)?.textContent ?? ''),
    [selector, source] as const,
    { timeout: 30_000 },
  );
  return performance.now() - started;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  console.log(`dashboard: ${machine()}; ${new Date().toISOString()}`);
  const n = args.devices;
  // The write budget raised so the run's cleanup (one DELETE per device) does not keep it active for half an hour.
  const stack = await startBenchStack({
    tenantDevices: args.tenant,
    appSettings: { INTUNE_WRITES_PER_20S: '5000', INTUNE_REQUESTS_PER_20S: '20000' },
  });
  const browser = await launchBrowser();
  try {
    const serials = serialsFor('DASH', n);
    const { runId, droppedAt } = await dropBlob(stack, `bench/dashboard-${n}.csv`, deviceCsv(serials, 'Bench'));
    const watch = await waitForRun(stack, runId, droppedAt, { timeoutMs: 30 * 60_000, pollMs: 1000 });
    console.log(`run ${runId}: ${n} devices, completed in ${(watch.elapsedMs / 1000).toFixed(1)} s`);
    const page = await browser.newPage();
    const url = `${stack.hostUrl}/api/dashboard/runs/${runId}`;
    const all = `1–50 of ${n.toLocaleString('en-US').replace(/,/g, '')}`;
    const rows: Record<string, number[]> = {
      'open, first (host that ran the run)': [],
      'open, cold (fresh host process)': [],
      open: [],
      search: [],
      'filter by result': [],
      'sort by serial desc': [],
      'next page': [],
    };
    rows['open, first (host that ran the run)']!.push(await timed(page, () => page.goto(url), '#devices-status', all));
    await stack.killHost();
    await stack.startHost();
    rows['open, cold (fresh host process)']!.push(await timed(page, () => page.goto(url), '#devices-status', all));
    for (let round = 0; round < args.rounds; round++) {
      rows.open!.push(await timed(page, () => page.goto(url), '#devices-status', all));
      // The summary (funnel, problems, percentiles over all devices) is part of opening.
      await page.locator('#funnel').waitFor();
      const target = serials[Math.floor(n / 2) + round]!;
      rows.search!.push(
        await timed(page, () => page.fill('input[name=q]', target.toLowerCase()), '#devices-status', `1–1 of 1 (filtered from ${n})`),
      );
      await timed(page, () => page.fill('input[name=q]', ''), '#devices-status', all);
      rows['filter by result']!.push(
        await timed(page, () => page.selectOption('select[name=result]', 'failed'), '#devices-status', /^No device matches|filtered from/),
      );
      await timed(page, () => page.selectOption('select[name=result]', ''), '#devices-status', all);
      rows['sort by serial desc']!.push(
        await timed(
          page,
          async () => {
            await page.click('th button[data-sort=serialNumber]');
            await page.click('th button[data-sort=serialNumber]');
          },
          '#devices td.serial',
          serials[n - 1]!,
        ),
      );
      rows['next page']!.push(await timed(page, () => page.click('text=next →'), '#devices-status', `51–100 of ${n}`));
    }
    // The server's share: the data routes alone, warm (no browser, no rendering).
    const server: Record<string, number[]> = {
      'GET devices page': [],
      'GET devices ?q=': [],
      'GET devices sort=serialNumber desc': [],
      'GET run summary': [],
    };
    const api = `${stack.hostUrl}/api/dashboard-data/runs/${runId}`;
    for (let round = 0; round < args.rounds; round++) {
      for (const [k, path] of [
        ['GET devices page', `${api}/devices?top=50`],
        ['GET devices ?q=', `${api}/devices?top=50&q=${serials[round]!.toLowerCase()}`],
        ['GET devices sort=serialNumber desc', `${api}/devices?top=50&sort=serialNumber&dir=desc`],
        ['GET run summary', api],
      ] as const) {
        const started = performance.now();
        const res = await page.request.get(path);
        await res.body();
        server[k]!.push(performance.now() - started);
      }
    }
    Object.assign(rows, server);
    // Where a cold open's time goes: a fresh host process again, then the runs list (the app's first
    // request builds its services; no run is read) and then the run's first page (its index read and
    // decoded, on the now warm process).
    await stack.killHost();
    await stack.startHost();
    for (const [k, path] of [
      ['fresh host: first request (services built, no run read)', `${stack.hostUrl}/api/dashboard-data/runs?top=1`],
      ["fresh host: then the run's first page (index read)", `${api}/devices?top=50`],
    ] as const) {
      const started = performance.now();
      const res = await page.request.get(path);
      await res.body();
      rows[k] = [performance.now() - started];
    }
    // What one answer weighs on the wire.
    const page1 = await page.request.get(`${stack.hostUrl}/api/dashboard-data/runs/${runId}/devices?top=50`);
    const summary = await page.request.get(`${stack.hostUrl}/api/dashboard-data/runs/${runId}`);
    console.log(
      table([
        ['step', 'median ms', 'max ms', 'rounds'],
        ...Object.entries(rows)
          .filter(([, xs]) => xs.length > 0)
          .map(([k, xs]) => [k, median(xs).toFixed(0), Math.max(...xs).toFixed(0), String(xs.length)]),
      ]),
    );
    console.log(
      `payloads: a page of 50 devices ${(await page1.body()).length} bytes; the run summary ${(await summary.body()).length} bytes`,
    );
  } finally {
    await browser.close();
    await stack.dispose();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
