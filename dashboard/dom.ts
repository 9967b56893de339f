/**
 * The only way the page builds DOM: elements from a tag, a few known properties and children, where
 * every string child becomes a text node. Nothing from a CSV (serials, tags, messages) is ever parsed
 * as HTML; innerHTML and friends are banned in dashboard/ by the linter.
 */
export type Child = Node | string | number | undefined | null | false;

export interface Props {
  class?: string;
  id?: string;
  title?: string;
  /** Same-origin paths only: a link built from data can never be javascript: or another site. */
  href?: string;
  type?: string;
  value?: string;
  placeholder?: string;
  name?: string;
  download?: string;
  data?: Record<string, string>;
  onclick?: (event: Event) => void;
  oninput?: (event: Event) => void;
  onchange?: (event: Event) => void;
}

export function safeHref(href: string): string {
  const url = new URL(href, location.href);
  return url.origin === location.origin ? url.pathname + url.search : '#';
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props.class) el.className = props.class;
  if (props.id) el.id = props.id;
  if (props.title) el.title = props.title;
  if (props.href !== undefined) el.setAttribute('href', safeHref(props.href));
  if (props.download !== undefined) el.setAttribute('download', props.download);
  if (el instanceof HTMLInputElement || el instanceof HTMLSelectElement) {
    if (props.type && el instanceof HTMLInputElement) el.type = props.type;
    if (props.placeholder && el instanceof HTMLInputElement) el.placeholder = props.placeholder;
    if (props.name) el.name = props.name;
  }
  if (props.type && el instanceof HTMLButtonElement) el.type = props.type as HTMLButtonElement['type'];
  if (props.value !== undefined && (el instanceof HTMLInputElement || el instanceof HTMLOptionElement || el instanceof HTMLButtonElement))
    el.value = props.value;
  for (const [k, v] of Object.entries(props.data ?? {})) el.dataset[k] = v;
  if (props.onclick) el.addEventListener('click', props.onclick);
  if (props.oninput) el.addEventListener('input', props.oninput);
  if (props.onchange) el.addEventListener('change', props.onchange);
  append(el, ...children);
  return el;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    parent.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

/** Replaces an element's content. */
export function show(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, ...children);
}

export function select(name: string, options: readonly [string, string][], selected: string | undefined, onchange: (v: string) => void) {
  const s = h('select', { name, onchange: () => onchange(s.value) }, ...options.map(([value, label]) => h('option', { value }, label)));
  s.value = selected ?? '';
  return s;
}

export function ago(iso: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 90) return `${s} s ago`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min ago`;
  if (s < 36 * 3600) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

export function duration(seconds: number | undefined): string {
  if (seconds === undefined) return '–';
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${(seconds / 60).toFixed(1)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/** The report's three files (paths under /api/), or a line saying when they come. */
export function downloads(reports: { csv: string; json: string; summary: string } | undefined, what: string): HTMLParagraphElement {
  if (!reports) return h('p', { class: 'status' }, `The report is written when the ${what} reaches its report phase.`);
  const link = (path: string, name: string) => h('a', { href: `/api/${path}`, download: '' }, name);
  return h(
    'p',
    { id: 'downloads' },
    'Download: ',
    link(reports.csv, 'report.csv'),
    ' · ',
    link(reports.json, 'report.json'),
    ' · ',
    link(reports.summary, 'summary.md'),
  );
}
