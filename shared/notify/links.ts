/**
 * Links from a notification to the dashboard (the dashboard's routes, functions/index.ts):
 *   a run's page      {DASHBOARD_URL}/runs/{runId}   (a reconciliation's too, by its id)
 *   its report.csv    {…}/dashboard-data/runs/{runId}/report/report.csv, beside /dashboard — intake runs
 *                     only, and only when DASHBOARD_URL ends in /dashboard (the app's own routes)
 * No DASHBOARD_URL, no links: the notification names the report's storage path instead.
 */
const INTAKE_RUN = /^intake-[0-9a-f]{32}$/;

export function linksFor(dashboardUrl: string | undefined, subjectId: string): { run?: string; report?: string } {
  if (!dashboardUrl) return {};
  const base = dashboardUrl.replace(/\/+$/, '');
  const id = encodeURIComponent(subjectId);
  const run = `${base}/runs/${id}`;
  if (!INTAKE_RUN.test(subjectId) || !base.endsWith('/dashboard')) return { run };
  return { run, report: `${base}-data/runs/${id}/report/report.csv` };
}
