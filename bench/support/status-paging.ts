/**
 * Paging a run's rows through the status API as a client does (issue 16): GET /api/runs/{runId}
 * with `?top=`, then every `nextLink` as given until it is absent. Checks that the pages hold every
 * row once, in file order, and times them.
 */
import { z } from 'zod';

const Page = z.object({
  rowCount: z.number().int().optional(),
  rows: z.array(z.object({ line: z.number().int(), result: z.string().optional() }).passthrough()),
  nextLink: z.string().url().optional(),
});

export interface PagingFigures {
  pages: number;
  rows: number;
  rowCount: number | undefined;
  confirmed: number;
  elapsedMs: number;
  slowestPageMs: number;
}

export async function pageThroughRun(hostUrl: string, runId: string, top: number): Promise<PagingFigures> {
  let url: string | undefined = `${hostUrl}/api/runs/${encodeURIComponent(runId)}?top=${top}`;
  const figures: PagingFigures = { pages: 0, rows: 0, rowCount: undefined, confirmed: 0, elapsedMs: 0, slowestPageMs: 0 };
  const started = Date.now();
  let lastLine = -Infinity;
  while (url) {
    const pageStarted = Date.now();
    const res = await fetch(url);
    if (res.status !== 200) throw new Error(`GET ${url} answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
    const page = Page.parse(await res.json());
    figures.slowestPageMs = Math.max(figures.slowestPageMs, Date.now() - pageStarted);
    figures.pages++;
    figures.rowCount = page.rowCount;
    for (const row of page.rows) {
      if (row.line <= lastLine)
        throw new Error(`page ${figures.pages}: line ${row.line} after ${lastLine} (rows repeated or out of order)`);
      lastLine = row.line;
      if (row.result === 'confirmed') figures.confirmed++;
    }
    figures.rows += page.rows.length;
    url = page.nextLink;
  }
  figures.elapsedMs = Date.now() - started;
  if (figures.rowCount !== undefined && figures.rows !== figures.rowCount)
    throw new Error(`paged ${figures.rows} rows of a run of ${figures.rowCount}`);
  return figures;
}
