/** The dashboard's one script: the view is chosen by the page's path (functions/http-dashboard-page.ts serves one shell). */
import { deviceView } from './device-view';
import { reconcileView } from './reconcile-view';
import { runView } from './run-view';
import { runsView } from './runs-view';

function start(): void {
  const root = document.getElementById('app');
  if (!root) return;
  const path = location.pathname.replace(/\/+$/, '');
  const run = /\/dashboard\/runs\/([^/]+)$/.exec(path);
  const id = run?.[1] ? decodeURIComponent(run[1]) : undefined;
  if (id?.startsWith('reconcile-')) reconcileView(root, id);
  else if (id) runView(root, id);
  else if (path.endsWith('/dashboard/devices')) deviceView(root);
  else runsView(root);
}

start();
