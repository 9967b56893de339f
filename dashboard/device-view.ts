/**
 * "Where is serial X?": every recent run the serial was in, its stage and result, expected vs
 * actual group / profile / ESP with the reason, and the provenance ledger's record.
 */
import type { DeviceMatch } from '../functions/dashboard-device-search';
import type { LedgerEntry } from '../shared/ledger/entry';
import { getJson } from './api';
import { ago, h, show, type Child } from './dom';

interface SearchAnswer {
  serial: string;
  ledger?: LedgerEntry;
  matches: DeviceMatch[];
  runsSearched: number;
  runsNotSearched: number;
}

function compare(label: string, expected: string | undefined, actual: string | undefined): Child[] {
  const differs = expected !== undefined && actual !== undefined && expected !== actual;
  return [
    h('dt', {}, label),
    h('dd', { class: differs ? 'mismatch' : '' }, `expected ${expected ?? '–'} · actual ${actual ?? '–'}`, differs ? ' (differs)' : ''),
  ];
}

function matchCard(m: DeviceMatch): HTMLElement {
  const d = m.device;
  const expectedGroups = m.expected?.groupIds.join(', ');
  const actualGroups = d.groupIds?.filter((g) => m.expected?.groupIds.includes(g)).join(', ') || undefined;
  return h(
    'div',
    { class: 'match', data: { runId: m.runId } },
    h('a', { href: `/api/dashboard/runs/${encodeURIComponent(m.runId)}?q=${encodeURIComponent(d.serialNumber)}` }, m.runId),
    ` · ${m.state} · started ${ago(m.createdTime)}`,
    h(
      'dl',
      {},
      h('dt', {}, 'Serial number'),
      h('dd', { class: 'serial' }, d.serialNumber),
      h('dt', {}, 'Source'),
      h('dd', {}, m.source ?? '', ` (line ${d.line})`),
      h('dt', {}, 'Result'),
      h('dd', { class: `result-${d.result}` }, d.result, d.stage ? ` at stage ${d.stage}` : ''),
      h('dt', {}, 'Group tag'),
      h('dd', { class: 'tag' }, d.groupTag ?? ''),
      ...compare('Group', expectedGroups, actualGroups),
      ...compare('Profile', m.expected?.profileId, d.profileId),
      ...compare('ESP', m.expected?.espId, d.espId),
      h('dt', {}, 'Why'),
      h('dd', { class: 'reason' }, m.reason),
    ),
  );
}

function ledgerCard(e: LedgerEntry): HTMLElement {
  return h(
    'div',
    { class: 'match', id: 'ledger' },
    h('strong', {}, 'Provenance ledger'),
    h(
      'dl',
      {},
      h('dt', {}, 'Latest run'),
      h('dd', {}, h('a', { href: `/api/dashboard/runs/${encodeURIComponent(e.runId)}` }, e.runId)),
      h('dt', {}, 'Imported'),
      h('dd', {}, `${e.import.outcome}${e.import.at ? ` at ${e.import.at}` : ''}`),
      h('dt', {}, 'Confirmation'),
      h('dd', {}, [e.confirm.outcome, e.confirm.stage, e.confirm.code].filter(Boolean).join(' · ')),
      h('dt', {}, 'Autopilot id'),
      h('dd', {}, e.ztdId ?? '–'),
    ),
  );
}

export function deviceView(root: HTMLElement): void {
  const results = h('section', { id: 'results' });
  const box = h('input', {
    type: 'search',
    name: 'serial',
    placeholder: 'serial number',
    value: new URLSearchParams(location.search).get('serial') ?? '',
  });
  const run = async () => {
    const serial = box.value.trim();
    if (!serial) return;
    history.replaceState(null, '', `${location.pathname}?${new URLSearchParams({ serial })}`);
    show(results, h('p', { class: 'status' }, 'Searching…'));
    try {
      const a = await getJson<SearchAnswer>('dashboard-data/devices', { serial });
      show(
        results,
        h(
          'p',
          { class: 'status', id: 'search-status' },
          `${a.matches.length} match(es) in ${a.runsSearched} run(s) searched`,
          a.runsNotSearched > 0 ? `; ${a.runsNotSearched} older run(s) not searched after the first 100 matches` : '',
        ),
        a.ledger ? ledgerCard(a.ledger) : '',
        ...a.matches.map(matchCard),
      );
    } catch (error) {
      show(results, h('p', { class: 'mismatch' }, `Search failed: ${(error as Error).message}`));
    }
  };
  const form = h('form', { class: 'filters' }, box, h('button', { type: 'submit' }, 'Search'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void run();
  });
  show(
    root,
    h('h1', {}, 'Device search'),
    h('p', { class: 'status' }, 'A serial number (or part of one) across the recent runs.'),
    form,
    results,
  );
  if (box.value) void run();
}
