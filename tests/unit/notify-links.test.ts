import { describe, expect, it } from 'vitest';
import { linksFor } from '../../shared/notify/links';

const RUN = 'intake-0123456789abcdef0123456789abcdef';

describe('links from a notification to the dashboard', () => {
  it('a run: its page under the dashboard, its report.csv from the dashboard data route beside it', () => {
    expect(linksFor('https://func-x.azurewebsites.net/api/dashboard/', RUN)).toEqual({
      run: `https://func-x.azurewebsites.net/api/dashboard/runs/${RUN}`,
      report: `https://func-x.azurewebsites.net/api/dashboard-data/runs/${RUN}/report/report.csv`,
    });
  });

  it('a reconciliation: its page only (the report route serves intake runs)', () => {
    expect(linksFor('https://func-x.azurewebsites.net/api/dashboard', 'reconcile-20261207T030000000Z')).toEqual({
      run: 'https://func-x.azurewebsites.net/api/dashboard/runs/reconcile-20261207T030000000Z',
    });
  });

  it('a dashboard elsewhere (not the app’s own /dashboard): the page only, no guessed report route; none without DASHBOARD_URL', () => {
    expect(linksFor('https://intake.contoso.com/portal', RUN)).toEqual({ run: `https://intake.contoso.com/portal/runs/${RUN}` });
    expect(linksFor(undefined, RUN)).toEqual({});
  });
});
