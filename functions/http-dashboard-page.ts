/**
 * The dashboard's page and assets, served by the app itself (no separate server, no CDN):
 *   /api/dashboard, /api/dashboard/runs/{runId}, /api/dashboard/devices   one HTML shell; the script picks the view from the path
 *   /api/dashboard-assets/{file}                                           app.js and app.css, built by `npm run build` into dist/dashboard-assets
 * The shell holds no data, and the Content-Security-Policy allows only our own script and style:
 * even a row that slipped past the page's textContent-only rendering could not run inline script.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { HttpRequest, HttpResponseInit } from '@azure/functions';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const SECURITY_HEADERS = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

const SHELL = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Autopilot intake</title>
<link rel="stylesheet" href="/api/dashboard-assets/app.css">
<script defer src="/api/dashboard-assets/app.js"></script>
</head>
<body>
<header><a href="/api/dashboard" id="home">Autopilot intake</a><nav><a href="/api/dashboard">Runs</a><a href="/api/dashboard/devices">Device search</a></nav></header>
<main id="app"><p>Loading…</p></main>
</body>
</html>
`;

export function dashboardPageHandler() {
  return async (): Promise<HttpResponseInit> => ({
    status: 200,
    body: SHELL,
    headers: { ...SECURITY_HEADERS, 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-cache' },
  });
}

const ASSET_TYPES: Record<string, string> = {
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
};

/** `dir`: where the build put the assets (dist/dashboard-assets beside dist/functions). */
export function dashboardAssetHandler(dir: string) {
  const cache = new Map<string, Buffer>();
  return async (request: HttpRequest): Promise<HttpResponseInit> => {
    const file = request.params.file ?? '';
    const type = ASSET_TYPES[file];
    if (!type) return { status: 404, body: 'not found' };
    let body = cache.get(file);
    if (!body) {
      try {
        body = await readFile(join(dir, file));
      } catch {
        return { status: 404, body: `${file} is missing: run npm run build` };
      }
      cache.set(file, body);
    }
    return { status: 200, body, headers: { ...SECURITY_HEADERS, 'Content-Type': type, 'Cache-Control': 'no-cache' } };
  };
}
