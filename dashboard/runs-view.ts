/** The runs list: every run with its source, state, progress per stage and age; filters; refreshes while runs are active. */
import type { DashboardRun } from '../functions/dashboard-runs';
import { getJson } from './api';
import { ago, h, select, show } from './dom';

const STATES: [string, string][] = [
  ['', 'any state'],
  ['active', 'active'],
  ['Running', 'Running'],
  ['Pending', 'Pending'],
  ['Completed', 'Completed'],
  ['Failed', 'Failed'],
  ['Terminated', 'Terminated'],
];

/** While a run is active, the list is read again this often. */
export const REFRESH_MS = 3000;

function progress(run: DashboardRun): HTMLElement {
  const c = run.counts;
  if (!c) return h('span', {}, run.findings !== undefined ? `${run.findings} findings` : '–');
  const parts: [string, number][] = [
    ['rows', c.rows],
    ['valid', c.valid],
    ['imported', c.imported],
    ['registered', c.registered],
    ['in group', c.inGroup],
    ['profile', c.profileAssigned],
    ['ESP', c.espConfirmed],
    ['confirmed', c.confirmed],
    ['failed', c.failed],
  ];
  return h('span', { class: 'progress' }, ...parts.map(([label, n]) => h('span', { class: 'stage', title: label }, `${label} ${n}`)));
}

function row(run: DashboardRun): HTMLTableRowElement {
  const link = h('a', { href: `/api/dashboard/runs/${encodeURIComponent(run.runId)}` }, run.runId);
  return h(
    'tr',
    { data: { runId: run.runId, state: run.state } },
    h('td', {}, link),
    h('td', {}, run.kind),
    h('td', { class: 'source' }, run.source ?? ''),
    h('td', {}, h('span', { class: `state state-${run.state.toLowerCase()}` }, run.state)),
    h('td', {}, run.phase ?? ''),
    h('td', {}, progress(run)),
    h('td', { title: run.createdTime }, ago(run.createdTime)),
  );
}

export function runsView(root: HTMLElement): void {
  const params = new URLSearchParams(location.search);
  let state = params.get('state') ?? '';
  let source = params.get('source') ?? '';
  let timer: number | undefined;
  const body = h('tbody', { id: 'runs' });
  const status = h('p', { class: 'status', id: 'runs-status' });
  const load = async () => {
    window.clearTimeout(timer);
    history.replaceState(null, '', `${location.pathname}${state || source ? `?${new URLSearchParams({ state, source })}` : ''}`);
    try {
      const data = await getJson<{ runs: DashboardRun[]; active: boolean }>('dashboard-data/runs', { state, source });
      show(body, ...data.runs.map(row));
      show(status, `${data.runs.length} run(s)`, data.active ? ' · refreshing while runs are active' : '');
      root.dataset.loaded = String(Date.now());
      if (data.active) timer = window.setTimeout(load, REFRESH_MS);
    } catch (error) {
      show(status, `Could not load the runs: ${(error as Error).message}`);
    }
  };
  const sourceBox = h('input', { type: 'search', name: 'source', placeholder: 'source contains…', value: source });
  sourceBox.addEventListener('change', () => {
    source = sourceBox.value.trim();
    void load();
  });
  show(
    root,
    h('h1', {}, 'Runs'),
    h(
      'div',
      { class: 'filters' },
      select('state', STATES, state, (v) => {
        state = v;
        void load();
      }),
      sourceBox,
    ),
    status,
    h(
      'table',
      { class: 'grid' },
      h('thead', {}, h('tr', {}, ...['Run', 'Kind', 'Source', 'State', 'Phase', 'Progress per stage', 'Age'].map((t) => h('th', {}, t)))),
      body,
    ),
  );
  void load();
}
