/**
 * Builds the dashboard's assets into dist/dashboard-assets/ (part of `npm run build`, so they ship
 * with the app): dashboard/main.ts bundled and minified into one app.js by esbuild, app.css copied.
 * Prints each asset's size, raw and gzipped (docs/DASHBOARD.md states them).
 */
import { copyFileSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { buildSync } from 'esbuild';

const root = join(__dirname, '..');
const out = join(root, 'dist', 'dashboard-assets');
mkdirSync(out, { recursive: true });
buildSync({
  entryPoints: [join(root, 'dashboard', 'main.ts')],
  outfile: join(out, 'app.js'),
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2022'],
  platform: 'browser',
  legalComments: 'none',
  logLevel: 'warning',
});
copyFileSync(join(root, 'dashboard', 'app.css'), join(out, 'app.css'));
for (const f of ['app.js', 'app.css']) {
  const path = join(out, f);
  console.log(`dashboard ${f}: ${statSync(path).size} bytes (${gzipSync(readFileSync(path)).length} gzipped)`);
}
