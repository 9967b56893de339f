/** The p50/p95 chart: time to registered and to profile assigned, as horizontal bars in a small SVG (built node by node, no markup). */
import type { Timings } from '../shared/dashboard/run-summary';
import { duration } from './dom';

const NS = 'http://www.w3.org/2000/svg';

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

export function timingsChart(t: Timings): SVGSVGElement {
  const rows = [
    { label: 'registered p50', value: t.registered.p50Seconds, fill: '#7aa7f0' },
    { label: 'registered p95', value: t.registered.p95Seconds, fill: '#0b57d0' },
    { label: 'assigned p50', value: t.profileAssigned.p50Seconds, fill: '#8fcf9f' },
    { label: 'assigned p95', value: t.profileAssigned.p95Seconds, fill: '#137333' },
  ];
  const max = Math.max(1, ...rows.map((r) => r.value ?? 0));
  const width = 420;
  const labelW = 110;
  const valueW = 70;
  const barMax = width - labelW - valueW;
  const rowH = 22;
  const chart = svg('svg', {
    class: 'chart',
    width,
    height: rows.length * rowH + 4,
    viewBox: `0 0 ${width} ${rows.length * rowH + 4}`,
    role: 'img',
  });
  chart.appendChild(svg('title', {}, 'Time from import to registered and to profile assigned (p50, p95)'));
  rows.forEach((r, i) => {
    const y = i * rowH + 2;
    chart.appendChild(svg('text', { x: 0, y: y + 15 }, r.label));
    const w = r.value === undefined ? 0 : Math.max(1, (r.value / max) * barMax);
    chart.appendChild(svg('rect', { x: labelW, y: y + 3, width: w, height: rowH - 8, fill: r.fill, 'data-seconds': r.value ?? '' }));
    chart.appendChild(svg('text', { x: labelW + w + 6, y: y + 15 }, duration(r.value)));
  });
  return chart;
}
