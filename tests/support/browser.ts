/**
 * Headless Chromium from the system (Debian's `chromium` package; .ci/run installs it when absent),
 * driven by playwright-core — no browser is downloaded. CHROMIUM_PATH overrides where it is.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export function chromiumPath(): string {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((p): p is string => !!p);
  const found = candidates.find((p) => existsSync(p));
  if (found) return found;
  try {
    return execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('No Chromium found: install the Debian package (sudo apt-get install -y chromium) or set CHROMIUM_PATH.');
  }
}

export function launchBrowser(): Promise<Browser> {
  // --no-sandbox: containers (CI) usually lack the user namespaces Chromium's sandbox needs.
  return chromium.launch({ executablePath: chromiumPath(), headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}
