/**
 * One run: its summary, the funnel (devices through each stage), the problems with their
 * remediation, p50/p95 timings, report downloads, and the device table — paged, sorted, filtered and
 * searched on the server (a 10,000-device run sends one page). Refreshes while the run is active.
 */
import type { DashboardRun } from '../functions/dashboard-runs';
import type { DashboardDevice, DevicePage } from '../shared/dashboard/device-index';
import type { FunnelStep, Problem, Timings } from '../shared/dashboard/run-summary';
import { getJson } from './api';
import { timingsChart } from './chart';
import { ago, downloads, h, select, show } from './dom';
import { REFRESH_MS } from './runs-view';

interface RunDetail {
  run: DashboardRun;
  expected?: { groupIds: string[]; profileId?: string; espId?: string };
  fileRejected?: string;
  warnings: string[];
  funnel: FunnelStep[];
  problems: Problem[];
  timings: Timings;
  reports?: { csv: string; json: string; summary: string };
}

const RESULTS: [string, string][] = [
  ['', 'any result'],
  ['confirmed', 'confirmed'],
  ['failed', 'failed'],
  ['pending', 'pending'],
  ['rejected', 'rejected'],
  ['duplicate', 'duplicate'],
];
const STAGES: [string, string][] = [
  ['', 'any stage'],
  ...['import', 'registration', 'group', 'profile', 'esp', 'done'].map((s): [string, string] => [s, s]),
];
const COLUMNS: [string, string | undefined][] = [
  ['Line', 'line'],
  ['Serial number', 'serialNumber'],
  ['Result', 'result'],
  ['Stage', 'stage'],
  ['Problem', 'code'],
  ['Group tag', 'groupTag'],
  ['Timeline', 'registered'],
];
const PAGE = 50;

const TIMELINE: [string, string][] = [
  ['importSent', 'sent'],
  ['imported', 'imported'],
  ['registered', 'registered'],
  ['inGroup', 'in group'],
  ['profileAssigned', 'profile'],
  ['espConfirmed', 'ESP'],
];

function timeline(d: DashboardDevice): HTMLElement {
  const start = d.at.importSent ?? d.at.imported;
  const parts = TIMELINE.filter(([k]) => d.at[k]).map(([k, label]) => {
    const at = d.at[k]!;
    const offset = start ? `+${Math.round((Date.parse(at) - Date.parse(start)) / 1000)} s` : '';
    return h('span', { title: at }, `${label} ${offset}`.trim());
  });
  const out = h('span', { class: 'timeline' });
  parts.forEach((p, i) => {
    if (i > 0) out.appendChild(document.createTextNode(' → '));
    out.appendChild(p);
  });
  return out;
}

function deviceRow(d: DashboardDevice): HTMLTableRowElement {
  return h(
    'tr',
    { data: { line: String(d.line) } },
    h('td', {}, d.line),
    h('td', { class: 'serial' }, d.serialNumber),
    h('td', { class: `result-${d.result}` }, d.result),
    h('td', {}, d.stage ?? ''),
    h(
      'td',
      {},
      d.code ? h('strong', {}, d.code, ' ') : '',
      d.message ?? '',
      d.remediation ? h('div', { class: 'remediation' }, d.remediation) : '',
    ),
    h('td', { class: 'tag' }, d.groupTag ?? ''),
    h('td', {}, timeline(d)),
  );
}

function funnelView(steps: FunnelStep[]): HTMLElement {
  const max = Math.max(1, ...steps.map((s) => s.count));
  const grid = h('div', { class: 'funnel', id: 'funnel' });
  for (const s of steps) {
    const bar = h('div', { class: 'bar' });
    // CSSOM, not a style attribute: allowed under the page's CSP.
    bar.style.width = `${(s.count / max) * 100}%`;
    grid.append(h('span', {}, s.stage), bar, h('span', { data: { stage: s.stage } }, s.count));
  }
  return grid;
}

function problemsView(problems: Problem[]): HTMLElement {
  if (problems.length === 0) return h('p', { class: 'status' }, 'No problems.');
  return h(
    'ul',
    { class: 'problems', id: 'problems' },
    ...problems.map((p) =>
      h(
        'li',
        {},
        h('strong', {}, p.code),
        p.stage ? ` (${p.stage})` : '',
        ` × ${p.count}: `,
        p.message ?? '',
        p.remediation ? h('div', { class: 'remediation' }, 'Fix: ', p.remediation) : '',
        h('div', { class: 'status' }, `lines ${p.lines.join(', ')}${p.count > p.lines.length ? ', …' : ''}`),
      ),
    ),
  );
}

export function runView(root: HTMLElement, runId: string): void {
  const params = new URLSearchParams(location.search);
  const q = {
    q: params.get('q') ?? '',
    result: params.get('result') ?? '',
    stage: params.get('stage') ?? '',
    sort: params.get('sort') ?? 'line',
    dir: params.get('dir') ?? 'asc',
    skip: Number(params.get('skip') ?? '0') || 0,
  };
  const summary = h('section', { id: 'summary' }, h('p', {}, 'Loading…'));
  const body = h('tbody', { id: 'devices' });
  const tableStatus = h('p', { class: 'status', id: 'devices-status' });
  const prev = h('button', { type: 'button', onclick: () => page(-PAGE) }, '← previous');
  const next = h('button', { type: 'button', onclick: () => page(PAGE) }, 'next →');
  const head = h('tr', {});
  let timer: number | undefined;
  let requestSeq = 0;

  const loadDevices = async () => {
    const seq = ++requestSeq;
    const query = Object.fromEntries(Object.entries(q).filter(([k, v]) => v !== '' && !(k === 'skip' && v === 0))) as Record<
      string,
      string
    >;
    history.replaceState(null, '', `${location.pathname}${Object.keys(query).length ? `?${new URLSearchParams(query)}` : ''}`);
    const data = await getJson<DevicePage>(`dashboard-data/runs/${encodeURIComponent(runId)}/devices`, { ...q, top: PAGE });
    // A slower answer to an older query must not overwrite a newer one.
    if (seq !== requestSeq) return;
    show(body, ...data.rows.map(deviceRow));
    const last = Math.min(data.skip + data.rows.length, data.matched);
    show(
      tableStatus,
      data.matched === 0 ? 'No device matches.' : `${data.skip + 1}–${last} of ${data.matched}`,
      data.matched !== data.total ? ` (filtered from ${data.total})` : '',
    );
    prev.disabled = data.skip === 0;
    next.disabled = last >= data.matched;
    root.dataset.devicesLoaded = String(seq);
  };
  const page = (delta: number) => {
    q.skip = Math.max(0, q.skip + delta);
    void loadDevices();
  };
  const refilter = () => {
    q.skip = 0;
    void loadDevices();
  };
  const renderHead = () =>
    show(
      head,
      ...COLUMNS.map(([label, key]) =>
        h(
          'th',
          {},
          key
            ? h(
                'button',
                {
                  type: 'button',
                  data: { sort: key },
                  onclick: () => {
                    q.dir = q.sort === key && q.dir === 'asc' ? 'desc' : 'asc';
                    q.sort = key;
                    renderHead();
                    refilter();
                  },
                },
                label,
                q.sort === key ? (q.dir === 'asc' ? ' ▲' : ' ▼') : '',
              )
            : label,
        ),
      ),
    );

  const loadSummary = async () => {
    window.clearTimeout(timer);
    try {
      const d = await getJson<RunDetail>(`dashboard-data/runs/${encodeURIComponent(runId)}`);
      const r = d.run;
      show(
        summary,
        h(
          'p',
          {},
          h('span', { class: `state state-${r.state.toLowerCase()}`, id: 'run-state' }, r.state),
          ` · ${r.phase ?? ''} · `,
          h('span', { class: 'source' }, r.source ?? ''),
          ` · started ${ago(r.createdTime)}`,
        ),
        d.fileRejected ? h('p', { class: 'mismatch' }, `File rejected: ${d.fileRejected}`) : '',
        d.expected
          ? h(
              'p',
              { class: 'status' },
              `Expected: group ${d.expected.groupIds.join(', ') || '–'} · profile ${d.expected.profileId ?? '–'} · ESP ${d.expected.espId ?? '–'}`,
            )
          : '',
        downloads(d.reports, 'run'),
        h(
          'div',
          { class: 'cards' },
          h('div', {}, h('h2', {}, 'Devices per stage'), funnelView(d.funnel)),
          h('div', { id: 'timings' }, h('h2', {}, 'Time to registered / assigned'), timingsChart(d.timings)),
        ),
        h('h2', {}, 'Problems'),
        problemsView(d.problems),
      );
      root.dataset.summaryLoaded = String(Date.now());
      if (r.active)
        timer = window.setTimeout(() => {
          void loadSummary();
          void loadDevices();
        }, REFRESH_MS);
    } catch (error) {
      show(summary, h('p', { class: 'mismatch' }, `Could not load the run: ${(error as Error).message}`));
    }
  };

  const search = h('input', { type: 'search', name: 'q', placeholder: 'serial, tag, code…', value: q.q });
  let debounce: number | undefined;
  search.addEventListener('input', () => {
    window.clearTimeout(debounce);
    debounce = window.setTimeout(() => {
      q.q = search.value.trim();
      refilter();
    }, 200);
  });
  renderHead();
  show(
    root,
    h('h1', {}, 'Run ', runId),
    summary,
    h('h2', {}, 'Devices'),
    h(
      'div',
      { class: 'filters' },
      search,
      select('result', RESULTS, q.result, (v) => {
        q.result = v;
        refilter();
      }),
      select('stage', STAGES, q.stage, (v) => {
        q.stage = v;
        refilter();
      }),
    ),
    tableStatus,
    h('table', { class: 'grid' }, h('thead', {}, head), body),
    h('div', { class: 'pager' }, prev, next),
  );
  void loadSummary();
  void loadDevices().catch((error: Error) => show(tableStatus, `Could not load the devices: ${error.message}`));
}
