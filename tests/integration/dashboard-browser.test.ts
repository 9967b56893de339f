import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { generateHardwareHash } from '../../local/fixtures/hardware-hash-generator';
import { launchBrowser } from '../support/browser';
import { drop, waitForRun, withStack } from './support';

type Stack = Awaited<ReturnType<typeof withStack>>;

const hash = (serial: string) => generateHardwareHash({ serialNumber: serial, manufacturer: 'Contoso', model: 'Surface Laptop 7' });
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
    await waitForRun(stack, runId);
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
    await page.waitForFunction(() => document.querySelector('#runs-status')?.textContent?.startsWith('0 run'));
    expect(await page.locator('#runs tr').count()).toBe(0);
    expect(page.url()).toContain('state=Failed');
    await page.selectOption('select[name=state]', 'Completed');
    await page.locator(`tr[data-run-id="${runId}"]`).waitFor();
  });
});
