import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { generateHardwareHash } from '../../local/fixtures/hardware-hash-generator';
import { launchBrowser } from '../support/browser';
import { CONTAINERS } from '../../shared/storage/object-store';
import { blobs, drop, waitForRun, withStack } from './support';

type Stack = Awaited<ReturnType<typeof withStack>>;

/** The page's document, as seen by a function run in the page (this file is compiled without the DOM library). */
type InPage = { document: { querySelector(selector: string): { textContent: string | null } | null } };

/**
 * Waits until the first element matching `selector` holds exactly `text` (the page answers
 * asynchronously). A function, not a string: the page's CSP forbids eval.
 */
const textIs = (page: Page, selector: string, text: string) =>
  page.waitForFunction(([s, t]) => (globalThis as unknown as InPage).document.querySelector(s)?.textContent === t, [
    selector,
    text,
  ] as const);

const hash = (serial: string) => generateHardwareHash({ serialNumber: serial, manufacturer: 'Contoso', model: 'Surface Laptop 7' });
/** A CSV field, quoted as RFC 4180 quotes it (payloads hold commas and quotes). */
const field = (v: string) => `"${v.replace(/"/g, '""')}"`;

/**
 * Serials and tags a hostile or careless CSV could carry: markup, event handlers, script URLs,
 * template syntax, a formula, table-breaking markup. Rendered, every one must stay text.
 */
const XSS_CORPUS = [
  '<script>globalThis.__xss=1</script>',
  '<img src=x onerror="globalThis.__xss=2">',
  '"><svg onload=globalThis.__xss=3>',
  'javascript:globalThis.__xss=4',
  "{{constructor.constructor('globalThis.__xss=5')()}}",
  '</td></tr><tr><td class=serial>INJECTED',
  '=HYPERLINK("http://evil.example","x")',
  '<iframe srcdoc="<script>parent.__xss=6</script>">',
];

/** Where the browser tests leave their screenshots (gitignored; CI keeps them as artifacts). */
const ARTIFACTS = join(__dirname, '..', '..', '.artifacts', 'dashboard');

const csv = (rows: string[]) => ['Device Serial Number,Windows Product ID,Hardware Hash,Group Tag', ...rows].join('\r\n') + '\r\n';

/**
 * The dashboard in a real browser (headless Chromium) against the built app on the local stack:
 * the pages read what real runs wrote.
 */
describe('dashboard in the browser', () => {
  let stack: Stack;
  let browser: Browser;
  let page: Page;
  let runId: string;
  let mixedId: string;
  let xssId: string;

  beforeAll(async () => {
    [stack, browser] = await Promise.all([
      withStack({ seed: undefined, appSettings: { POLL_INITIAL_SECONDS: '0.2', POLL_MAX_SECONDS: '1' } }),
      launchBrowser(),
    ]);
    ({ runId } = await drop(
      stack,
      'oem/contoso/dash-1.csv',
      csv(['DASH-0001,,' + hash('DASH-0001') + ',Sales', 'DASH-0002,,' + hash('DASH-0002') + ',']),
    ));
    // A run with problems: a row whose hash is not base64 (rejected before Intune) and a duplicate serial.
    ({ runId: mixedId } = await drop(
      stack,
      'oem/fabrikam/mixed.csv',
      csv([
        'MIX-0001,,' + hash('MIX-0001') + ',Lab',
        'MIX-0002,,' + hash('MIX-0002') + ',Lab',
        'MIX-0003,,not-a-hash!,Lab',
        'MIX-0001,,' + hash('MIX-0001') + ',Lab',
        'MIX-0004,,' + hash('MIX-0004') + ',Sales',
      ]),
    ));
    ({ runId: xssId } = await drop(
      stack,
      'oem/<b>hostile</b>/xss.csv',
      csv(XSS_CORPUS.map((p, i) => [field(p), '', hash(p), field(i % 2 ? p : 'Lab')].join(','))),
    ));
    await Promise.all([waitForRun(stack, runId), waitForRun(stack, mixedId), waitForRun(stack, xssId)]);
    mkdirSync(ARTIFACTS, { recursive: true });
    page = await browser.newPage();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.dispose();
  });

  it('the runs list shows the run with its source, state and counts per stage, under a strict CSP', async () => {
    const response = await page.goto(`${stack.hostUrl}/api/dashboard`);
    expect(response?.status()).toBe(200);
    const csp = response?.headers()['content-security-policy'] ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    const row = page.locator(`tr[data-run-id="${runId}"]`);
    await row.waitFor();
    expect(await row.locator('td').nth(2).textContent()).toBe('autopilot-intake/oem/contoso/dash-1.csv');
    expect(await row.locator('.state').textContent()).toBe('Completed');
    expect(await row.locator('.progress').textContent()).toContain('confirmed 2');
  });

  it('filters the runs list by state on the server', async () => {
    await page.goto(`${stack.hostUrl}/api/dashboard`);
    await page.locator(`tr[data-run-id="${runId}"]`).waitFor();
    await page.selectOption('select[name=state]', 'Failed');
    await textIs(page, '#runs-status', '0 run(s)');
    expect(await page.locator('#runs tr').count()).toBe(0);
    expect(page.url()).toContain('state=Failed');
    await page.selectOption('select[name=state]', 'Completed');
    await page.locator(`tr[data-run-id="${runId}"]`).waitFor();
  });

  it("a run's page: funnel, problems with remediation, p50/p95 chart, report downloads and the device table", async () => {
    await page.goto(`${stack.hostUrl}/api/dashboard/runs/${mixedId}`);
    await page.locator('#funnel').waitFor();
    expect(await page.locator('#funnel [data-stage=rows]').textContent()).toBe('5');
    expect(await page.locator('#funnel [data-stage=confirmed]').textContent()).toBe('3');
    const problems = await page.locator('#problems').textContent();
    expect(problems).toContain('duplicate');
    expect(problems).toMatch(/line(s)? 4/);
    // Both percentiles of time to registered are drawn from the devices' own timestamps.
    const seconds = await page.locator('#timings rect').evaluateAll((rects) => rects.map((r) => r.getAttribute('data-seconds')));
    expect(seconds.filter((v) => v !== '')).toHaveLength(4);
    await page.locator('#devices tr').first().waitFor();
    expect(await page.locator('#devices tr').count()).toBe(5);
    expect(await page.locator('#devices-status').textContent()).toBe('1–5 of 5');
    const csvHref = await page.locator('#downloads a', { hasText: 'report.csv' }).getAttribute('href');
    const download = await page.request.get(`${stack.hostUrl}${csvHref}`);
    expect(download.status()).toBe(200);
    expect(download.headers()['content-disposition']).toContain('attachment');
    expect(await download.text()).toContain('MIX-0004');
  });

  it('the device table searches, filters and sorts on the server', async () => {
    await page.goto(`${stack.hostUrl}/api/dashboard/runs/${mixedId}`);
    await page.locator('#devices tr').first().waitFor();
    await page.fill('input[name=q]', 'mix-0004');
    await textIs(page, '#devices-status', '1–1 of 1 (filtered from 5)');
    expect(await page.locator('#devices td.serial').allTextContents()).toEqual(['MIX-0004']);
    expect(page.url()).toContain('q=mix-0004');
    await page.fill('input[name=q]', '');
    await page.selectOption('select[name=result]', 'confirmed');
    await textIs(page, '#devices-status', '1–3 of 3 (filtered from 5)');
    await page.click('th button[data-sort=serialNumber]');
    await page.click('th button[data-sort=serialNumber]');
    await textIs(page, '#devices td.serial', 'MIX-0004');
    expect(await page.locator('#devices td.serial').allTextContents()).toEqual(['MIX-0004', 'MIX-0002', 'MIX-0001']);
  });

  it('device search: every run a serial was in, with expected vs actual group, profile and ESP and the reason', async () => {
    await page.goto(`${stack.hostUrl}/api/dashboard/devices`);
    await page.fill('input[name=serial]', 'mix-0002');
    await page.click('button[type=submit]');
    await page.locator(`.match[data-run-id="${mixedId}"]`).waitFor();
    const card = page.locator(`.match[data-run-id="${mixedId}"]`);
    expect(await card.locator('.serial').textContent()).toBe('MIX-0002');
    expect(await card.locator('.reason').textContent()).toBe('in the expected group, with the expected profile and ESP');
    const text = await card.textContent();
    expect(text).toMatch(/Profile\s*expected \S+ · actual \S+/);
    expect(text).not.toContain('(differs)');
    // The ledger's record of the device (written when its run finished).
    expect(await page.locator('#ledger').textContent()).toContain(mixedId);
    expect(page.url()).toContain('serial=mix-0002');
    await page.screenshot({ path: join(ARTIFACTS, 'device-search.png'), fullPage: true });
  });

  it('a hostile CSV stays text: serials, tags and source path from the XSS corpus render inert in every view', async () => {
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    const inPage = () => page.evaluate(() => (globalThis as { __xss?: unknown }).__xss);
    const noMarkup = async (scope: string) =>
      expect(await page.locator(`${scope} :is(script, img, svg:not(.chart), iframe)`).count()).toBe(0);

    await page.goto(`${stack.hostUrl}/api/dashboard`);
    await page.locator(`tr[data-run-id="${xssId}"]`).waitFor();
    expect(await page.locator(`tr[data-run-id="${xssId}"] td.source`).textContent()).toBe('autopilot-intake/oem/<b>hostile</b>/xss.csv');
    await noMarkup('#runs');

    await page.goto(`${stack.hostUrl}/api/dashboard/runs/${xssId}?top=50`);
    await page.locator('#devices tr').first().waitFor();
    await textIs(page, '#devices-status', `1–${XSS_CORPUS.length} of ${XSS_CORPUS.length}`);
    // Each payload is a cell's text, exactly; nothing broke out of its cell or became an element.
    expect(await page.locator('#devices td.serial').allTextContents()).toEqual(XSS_CORPUS);
    expect(await page.locator('#devices tr').count()).toBe(XSS_CORPUS.length);
    await noMarkup('#devices');
    await noMarkup('#problems');
    await page.screenshot({ path: join(ARTIFACTS, 'xss-run.png'), fullPage: true });

    await page.goto(`${stack.hostUrl}/api/dashboard/devices?serial=${encodeURIComponent('<img')}`);
    await page.locator(`.match[data-run-id="${xssId}"]`).first().waitFor();
    expect(await page.locator('.match .serial').allTextContents()).toContain(XSS_CORPUS[1]);
    await noMarkup('#results');

    expect(await inPage()).toBeUndefined();
    expect(dialogs).toEqual([]);
  });

  it("a reconciliation's page: classes, findings, a report section it does not know as text, and an Operator approving a proposal", async () => {
    // Drift: MIX-0002's Entra device deleted (a proposal: delete and import again); MIX-0004 enrolled and re-tagged (a proposal: retag).
    for (const [name, body] of [
      ['delete-entra-device', { serialNumber: 'MIX-0002' }],
      ['enrollment-state', { serialNumber: 'MIX-0004', enrollmentState: 'enrolled' }],
      ['group-tag', { serialNumber: 'MIX-0004', groupTag: 'Moved' }],
    ] as const) {
      const res = await fetch(`${stack.emulator.url}/_emulator/drift/${name}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(200);
    }
    const started = (await (await fetch(`${stack.hostUrl}/api/reconcile`, { method: 'POST' })).json()) as { reconcileId: string };
    const id = started.reconcileId;
    const deadline = Date.now() + 120_000;
    for (;;) {
      const res = await fetch(`${stack.hostUrl}/api/reconcile/${id}`);
      const body = res.status === 200 ? ((await res.json()) as { runtimeStatus: string }) : undefined;
      if (body?.runtimeStatus === 'Completed') break;
      if (body?.runtimeStatus === 'Failed' || Date.now() > deadline) throw new Error(`${id}: ${JSON.stringify(body)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    // A section a newer reconciliation may add to its report (this page predates it): shown, as text.
    const reports = blobs(stack).getContainerClient(CONTAINERS.reports).getBlockBlobClient(`${id}/report.json`);
    const report = JSON.parse((await reports.downloadToBuffer()).toString('utf8')) as Record<string, unknown>;
    const section = JSON.stringify({ ...report, baselineDrift: { changed: [XSS_CORPUS[1]], objects: 1 } });
    await reports.upload(section, Buffer.byteLength(section));

    // The runs list links the reconciliation; its page opens (it answered 400 before).
    await page.goto(`${stack.hostUrl}/api/dashboard`);
    await page.locator(`tr[data-run-id="${id}"] a`).click();
    await page.locator('#classes').waitFor();
    expect(page.url()).toContain(`/api/dashboard/runs/${id}`);
    expect(await page.locator('#classes [data-class=entra-device-deleted]').textContent()).toBe('1');
    expect(await page.locator('#proposals').textContent()).toContain('2 of 2 proposed actions waiting for approval');
    expect(await page.locator('[data-section=baselineDrift]').textContent()).toContain(XSS_CORPUS[1]);
    expect(await page.locator('[data-section=baselineDrift] img').count()).toBe(0);
    const row = page.locator('#findings tr[data-serial="MIX-0002"]');
    await row.waitFor();
    expect(await row.textContent()).toContain('proposed delete-and-reimport: waiting for approval');

    // Approve one proposal: the tenant's registration is deleted, the finding records it.
    await row.locator('button.approve[data-kind=delete-and-reimport]').click();
    await page.locator('#approve-status li[data-serial="MIX-0002"]').waitFor();
    expect(await page.locator('#approve-status li[data-serial="MIX-0002"]').getAttribute('data-outcome')).toBe('done');
    await page.locator('#proposals', { hasText: '1 of 2 proposed actions waiting for approval' }).waitFor();
    expect(await row.textContent()).toMatch(/approved \S+ — done/);
    expect(await row.locator('button.approve').count()).toBe(0);
    // The retag proposal still waits, with its button.
    expect(await page.locator('#findings tr[data-serial="MIX-0004"] button.approve').count()).toBe(1);
    await page.screenshot({ path: join(ARTIFACTS, 'reconciliation.png'), fullPage: true });
  }, 180_000);

  it('screenshot of a run page for the test artifacts', async () => {
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${stack.hostUrl}/api/dashboard/runs/${mixedId}`);
    await page.locator('#devices tr').first().waitFor();
    await page.locator('#funnel').waitFor();
    const path = join(ARTIFACTS, 'run.png');
    await page.screenshot({ path, fullPage: true });
    expect(statSync(path).size).toBeGreaterThan(10_000);
  });
});
