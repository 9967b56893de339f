/**
 * docs/dashboard.png, the README's picture of the dashboard, from the browser test's screenshot of a
 * run page after real runs on the local stack (tests/integration/dashboard-browser.test.ts writes
 * .artifacts/dashboard/run.png) instead of a copy made by hand. `npm run dashboard:screenshot` runs the
 * build, that test, then this; it refuses a missing, stale or non-PNG screenshot.
 * Run: npx tsx scripts/dashboard-screenshot.ts [--max-age-minutes 30]
 */
import { copyFileSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
const SOURCE = join(ROOT, '.artifacts', 'dashboard', 'run.png');
const TARGET = join(ROOT, 'docs', 'dashboard.png');
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const flag = process.argv.indexOf('--max-age-minutes');
const maxAgeMinutes = flag === -1 ? 30 : Number(process.argv[flag + 1]);
if (!Number.isFinite(maxAgeMinutes) || maxAgeMinutes <= 0)
  throw new Error('usage: npx tsx scripts/dashboard-screenshot.ts [--max-age-minutes 30]');

let age: number;
try {
  age = (Date.now() - statSync(SOURCE).mtimeMs) / 60_000;
} catch {
  throw new Error(
    `${SOURCE} is missing: run npx vitest run tests/integration/dashboard-browser.test.ts first (or npm run dashboard:screenshot)`,
  );
}
if (age > maxAgeMinutes) throw new Error(`${SOURCE} is ${age.toFixed(0)} min old: run the browser test again (or pass --max-age-minutes)`);
if (!readFileSync(SOURCE).subarray(0, 8).equals(PNG)) throw new Error(`${SOURCE} is not a PNG`);
copyFileSync(SOURCE, TARGET);
console.log(`docs/dashboard.png ← .artifacts/dashboard/run.png (${statSync(TARGET).size} bytes, ${age.toFixed(1)} min old)`);
