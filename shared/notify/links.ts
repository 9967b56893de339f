/**
 * Links from a notification to the dashboard: a run's page is `{DASHBOARD_URL}/runs/{runId}` (the
 * same for a reconciliation, by its id) and its report `{DASHBOARD_URL}/runs/{runId}/report.csv`.
 * No DASHBOARD_URL, no links: the notification names the report's storage path instead.
 */
export function linksFor(dashboardUrl: string | undefined, subjectId: string): { run?: string; report?: string } {
  if (!dashboardUrl) return {};
  const run = `${dashboardUrl.replace(/\/+$/, '')}/runs/${encodeURIComponent(subjectId)}`;
  return { run, report: `${run}/report.csv` };
}
