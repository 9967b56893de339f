/**
 * One reconciliation: its state, what it examined and found per class, what it repaired, any report
 * section this page does not know (shown as it is, as text), and its findings — unresolved first, with
 * their evidence, auto actions and proposals. An Operator approves proposals from here (the server
 * checks the role again; a Reader sees no button).
 */
import type { DashboardRun } from '../functions/dashboard-runs';
import type { Finding } from '../shared/reconcile/model';
import { DRIFT_CLASSES } from '../shared/reconcile/drift-classes';
import { getJson, postJson } from './api';
import { ago, downloads, h, select, show, type Child } from './dom';
import { REFRESH_MS } from './runs-view';

interface ReconcileDetail {
  run: DashboardRun;
  report?: {
    generatedAt: string;
    mode: string;
    byClass: Record<string, number>;
    examined?: number;
    pages?: number;
    repair?: Record<string, number>;
    sync?: { status: string; note: string };
    stopped?: { phase?: string; message: string; fix?: string };
  };
  sections: Record<string, unknown>;
  listed: number;
  unresolved: number;
  proposals: { total: number; waiting: number };
  canApprove: boolean;
  canAct: boolean;
  reports?: { csv: string; json: string; summary: string };
}

type Row = Finding & { waiting: number };
interface FindingsPage {
  total: number;
  matched: number;
  skip: number;
  rows: Row[];
}
interface ApprovalLine {
  serialNumber: string;
  kind: string;
  outcome: string;
  detail?: string;
}

const PAGE = 50;
/** Every class a finding can have ('in-order' devices are not findings). */
const CLASSES = DRIFT_CLASSES.filter((c) => c !== 'in-order');

/** Any JSON as nested lists of text: a report section this page was written before. */
function anyValue(v: unknown, depth = 0): Child {
  if (v === null || v === undefined) return '–';
  if (typeof v !== 'object') return String(v);
  if (depth > 4) return JSON.stringify(v);
  if (Array.isArray(v))
    return h(
      'ol',
      {},
      ...v.slice(0, 50).map((x) => h('li', {}, anyValue(x, depth + 1))),
      v.length > 50 ? h('li', {}, `… ${v.length - 50} more`) : '',
    );
  return h('dl', {}, ...Object.entries(v).flatMap(([k, x]) => [h('dt', {}, k), h('dd', {}, anyValue(x, depth + 1))]));
}

function actionsCell(f: Row, approve: ((serialNumber: string, kind: string) => void) | undefined): HTMLElement {
  const cell = h('td', { class: 'actions' });
  f.auto.forEach((a, i) => {
    const r = f.results?.[i];
    cell.append(h('div', {}, `auto ${a.kind}: ${r ? `${r.outcome}${r.detail ? ` (${r.detail})` : ''}` : 'not attempted'}`));
  });
  f.proposed.forEach((p, i) => {
    const a = f.approvals?.[i];
    const pending = !a || a.outcome === 'failed';
    cell.append(
      h(
        'div',
        { class: 'proposal', data: { kind: p.kind } },
        `proposed ${p.kind}`,
        a ? `: approved ${a.at} — ${a.outcome}${a.detail ? ` (${a.detail})` : ''}` : ': waiting for approval',
        pending && approve
          ? h(
              'button',
              {
                type: 'button',
                class: 'approve',
                data: { serial: f.serialNumber, kind: p.kind },
                onclick: () => approve(f.serialNumber, p.kind),
              },
              'Approve',
            )
          : '',
      ),
    );
  });
  return cell;
}

export function reconcileView(root: HTMLElement, reconcileId: string): void {
  const summary = h('section', { id: 'summary' }, h('p', {}, 'Loading…'));
  const body = h('tbody', { id: 'findings' });
  const tableStatus = h('p', { class: 'status', id: 'findings-status' });
  const approveStatus = h('div', { id: 'approve-status', class: 'status' });
  const actionsBar = h('div', { class: 'filters', id: 'approve-bar' });
  const prev = h('button', { type: 'button', onclick: () => page(-PAGE) }, '← previous');
  const next = h('button', { type: 'button', onclick: () => page(PAGE) }, 'next →');
  const q = { class: '', waiting: '', skip: 0 };
  let detail: ReconcileDetail | undefined;
  let timer: number | undefined;
  let seq = 0;

  const approve = async (body: { all: true } | { actions: { serialNumber: string; kind: string }[] }) => {
    show(approveStatus, 'Approving…');
    try {
      const res = await postJson<{ approvals: ApprovalLine[] }>(
        `dashboard-data/reconciliations/${encodeURIComponent(reconcileId)}/approve`,
        body,
      );
      show(
        approveStatus,
        h(
          'ul',
          {},
          ...res.approvals.map((l) =>
            h(
              'li',
              { data: { serial: l.serialNumber, outcome: l.outcome } },
              `${l.serialNumber} ${l.kind}: ${l.outcome}${l.detail ? ` — ${l.detail}` : ''}`,
            ),
          ),
        ),
      );
    } catch (error) {
      show(approveStatus, h('p', { class: 'mismatch' }, `Not approved: ${(error as Error).message}`));
    }
    await Promise.all([loadSummary(), loadFindings()]);
  };
  const approveOne = (serialNumber: string, kind: string) => void approve({ actions: [{ serialNumber, kind }] });

  const loadFindings = async () => {
    const mine = ++seq;
    const data = await getJson<FindingsPage>(`dashboard-data/runs/${encodeURIComponent(reconcileId)}/findings`, { ...q, top: PAGE });
    if (mine !== seq) return;
    const acting = detail?.canAct && detail.canApprove ? approveOne : undefined;
    show(
      body,
      ...data.rows.map((f) =>
        h(
          'tr',
          { data: { serial: f.serialNumber, class: f.class } },
          h('td', { class: 'serial' }, f.serialNumber),
          h('td', {}, f.class),
          h('td', {}, f.evidence.join('; ')),
          h('td', {}, f.since ? ago(f.since) : '–'),
          actionsCell(f, acting),
        ),
      ),
    );
    const last = Math.min(data.skip + data.rows.length, data.matched);
    show(
      tableStatus,
      data.matched === 0 ? 'No finding matches.' : `${data.skip + 1}–${last} of ${data.matched}`,
      data.matched !== data.total ? ` (filtered from ${data.total})` : '',
    );
    prev.disabled = data.skip === 0;
    next.disabled = last >= data.matched;
  };
  const page = (delta: number) => {
    q.skip = Math.max(0, q.skip + delta);
    void loadFindings();
  };

  const loadSummary = async () => {
    window.clearTimeout(timer);
    try {
      const d = (detail = await getJson<ReconcileDetail>(`dashboard-data/runs/${encodeURIComponent(reconcileId)}`));
      const r = d.report;
      show(
        summary,
        h(
          'p',
          {},
          h('span', { class: `state state-${d.run.state.toLowerCase()}`, id: 'run-state' }, d.run.state),
          ` · ${d.run.phase ?? ''} · reconciliation · started ${ago(d.run.createdTime)}`,
          r ? ` · mode ${r.mode} · ${r.examined ?? 0} devices and records examined from ${r.pages ?? 0} pages of reads` : '',
        ),
        r?.stopped
          ? h(
              'p',
              { class: 'mismatch' },
              `Stopped${r.stopped.phase ? ` in ${r.stopped.phase}` : ''}: ${r.stopped.message}`,
              r.stopped.fix ? h('div', { class: 'remediation' }, 'Fix: ', r.stopped.fix) : '',
            )
          : '',
        downloads(d.reports, 'reconciliation'),
        r
          ? h(
              'table',
              { class: 'grid', id: 'classes' },
              h('thead', {}, h('tr', {}, h('th', {}, 'Class'), h('th', {}, 'Devices'))),
              h(
                'tbody',
                {},
                ...Object.entries(r.byClass)
                  .sort((a, b) => b[1] - a[1])
                  .map(([c, n]) => h('tr', {}, h('td', {}, c), h('td', { data: { class: c } }, n))),
              ),
            )
          : '',
        r?.repair
          ? h(
              'p',
              { id: 'repair' },
              `Repair: ${Object.entries(r.repair)
                .map(([k, n]) => `${k} ${n}`)
                .join(', ')}`,
            )
          : '',
        r?.sync ? h('p', {}, `Sync: ${r.sync.status} (${r.sync.note})`) : '',
        h(
          'p',
          { id: 'proposals' },
          `${d.unresolved} of ${d.listed} findings unresolved · ${d.proposals.waiting} of ${d.proposals.total} proposed actions waiting for approval`,
        ),
        ...Object.entries(d.sections).map(([k, v]) =>
          h('section', { class: 'section', data: { section: k } }, h('h2', {}, k), anyValue(v)),
        ),
      );
      show(
        actionsBar,
        d.proposals.waiting === 0
          ? ''
          : !d.canAct
            ? h('p', { class: 'status' }, 'Approving needs the Operator app role; you can view.')
            : !d.canApprove
              ? h('p', { class: 'status' }, 'Proposals can be approved once the reconciliation has written its report.')
              : h(
                  'button',
                  { type: 'button', id: 'approve-all', onclick: () => void approve({ all: true }) },
                  `Approve all ${d.proposals.waiting} waiting`,
                ),
      );
      root.dataset.summaryLoaded = String(Date.now());
      if (d.run.active)
        timer = window.setTimeout(() => {
          void loadSummary();
          void loadFindings();
        }, REFRESH_MS);
    } catch (error) {
      show(summary, h('p', { class: 'mismatch' }, `Could not load the reconciliation: ${(error as Error).message}`));
    }
  };

  const waitingOnly = h('input', { type: 'checkbox', name: 'waiting' });
  waitingOnly.addEventListener('change', () => {
    q.waiting = waitingOnly.checked ? 'true' : '';
    q.skip = 0;
    void loadFindings();
  });
  show(
    root,
    h('h1', {}, 'Reconciliation ', reconcileId),
    summary,
    actionsBar,
    approveStatus,
    h('h2', {}, 'Findings'),
    h(
      'div',
      { class: 'filters' },
      select('class', [['', 'any class'], ...CLASSES.map((c): [string, string] => [c, c])], '', (v) => {
        q.class = v;
        q.skip = 0;
        void loadFindings();
      }),
      h('label', {}, waitingOnly, ' waiting for approval'),
    ),
    tableStatus,
    h(
      'table',
      { class: 'grid' },
      h('thead', {}, h('tr', {}, ...['Serial number', 'Class', 'Evidence', 'Since', 'Actions'].map((c) => h('th', {}, c)))),
      body,
    ),
    h('div', { class: 'pager' }, prev, next),
  );
  // The summary first: it says whether this user may approve, which the findings' buttons need.
  void loadSummary()
    .then(loadFindings)
    .catch((error: Error) => show(tableStatus, `Could not load the findings: ${error.message}`));
}
