/**
 * The Teams rendering: an Adaptive Card 1.4 in the message envelope a Teams Workflows webhook
 * ("When a Teams webhook request is received") posts to a channel. Only what a webhook card can do:
 * text, facts and `Action.OpenUrl` to the dashboard (Action.Submit would need a bot).
 *
 * Teams refuses messages over about 28 KB. The card is summarised to stay under a smaller budget
 * (the workflow wraps it before posting): the facts, the reasons, the most frequent problems with
 * a few serial numbers each — and if that is still too large, fewer problems and shorter texts,
 * down to the bare summary. A 10,000-device run renders about as large as a 10-device one.
 *
 * Text from a CSV (serial numbers, file names) is escaped so that it cannot add links or formatting.
 * Properties outside the 1.4 schema (e.g. `msteams.width`) are left out: tests validate every card.
 */
import type { Notification, Problem } from './payload';

/** Teams' documented message size limit. */
export const TEAMS_LIMIT_BYTES = 28 * 1024;
/** What a card may take: the limit less room for the workflow's own envelope. */
export const CARD_BUDGET_BYTES = 24 * 1024;

type Element = Record<string, unknown>;

/** CommonMark punctuation Teams' card markdown interprets, escaped; line breaks flattened. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_[\]()<>#~|!]/g, (c) => `\\${c}`).replace(/\r?\n/g, ' ');
}

const n = (v: number) => v.toLocaleString('en-US');
const clip = (s: string, max: number) => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);
const block = (text: string, extra: Element = {}): Element => ({ type: 'TextBlock', text, wrap: true, ...extra });

interface Shape {
  problems: number;
  examples: number;
  textMax: number;
}

const SHAPES: Shape[] = [
  { problems: 5, examples: 5, textMax: 500 },
  { problems: 5, examples: 3, textMax: 250 },
  { problems: 3, examples: 2, textMax: 150 },
  { problems: 1, examples: 1, textMax: 120 },
  { problems: 0, examples: 0, textMax: 100 },
];

function facts(n0: Notification): Element {
  const f: { title: string; value: string }[] = [];
  if (n0.run) {
    const c = n0.run.counts;
    f.push({ title: 'Rows', value: n(c.rows) }, { title: 'Confirmed', value: n(c.confirmed) }, { title: 'Failed', value: n(c.failed) });
    if (c.pending) f.push({ title: 'Pending', value: n(c.pending) });
    if (c.rejectedRows) f.push({ title: 'Rejected rows', value: n(c.rejectedRows) });
    if (c.duplicateRows) f.push({ title: 'Duplicate rows', value: n(c.duplicateRows) });
  }
  if (n0.baseline) f.push({ title: 'Changes', value: n(n0.baseline.changes) }, { title: 'Conflicts', value: n(n0.baseline.conflicts) });
  if (n0.reconcile) {
    const r = n0.reconcile;
    f.push(
      { title: 'Examined', value: n(r.examined) },
      { title: 'Unresolved', value: n(r.unresolved) },
      { title: 'Proposals waiting', value: n(r.proposalsWaiting) },
    );
    if (r.repair) f.push({ title: 'Repaired', value: `${n(r.repair.done)} (${n(r.repair.failed)} failed)` });
  }
  return { type: 'FactSet', facts: f };
}

function problemBlocks(p: Problem, shape: Shape): Element[] {
  const out = [
    block(`**${escapeMarkdown(p.code)}** · ${n(p.count)} · ${escapeMarkdown(p.stage ?? '')}`, { spacing: 'Medium' }),
    block(escapeMarkdown(clip(p.message, shape.textMax)), { isSubtle: true, spacing: 'None' }),
  ];
  if (p.remediation) out.push(block(`What to do: ${escapeMarkdown(clip(p.remediation, shape.textMax))}`, { spacing: 'None' }));
  const ex = p.examples.slice(0, shape.examples);
  if (ex.length) out.push(block(`e.g. ${ex.map((s) => escapeMarkdown(clip(s, 40))).join(', ')}`, { isSubtle: true, spacing: 'None' }));
  return out;
}

function card(n0: Notification, shape: Shape): Element {
  const attention = n0.attention.length > 0;
  const body: Element[] = [
    {
      type: 'Container',
      style: attention ? 'attention' : 'good',
      bleed: true,
      items: [
        block(escapeMarkdown(clip(n0.title, 200)), { weight: 'Bolder', size: 'Medium' }),
        block(escapeMarkdown(n0.summary), { spacing: 'None' }),
      ],
    },
    facts(n0),
  ];
  if (attention) {
    body.push(block('**Needs attention**', { spacing: 'Medium' }));
    for (const a of n0.attention) body.push(block(`• ${escapeMarkdown(clip(a.detail, shape.textMax))}`, { spacing: 'None' }));
  }
  const problems = n0.run?.problems ?? [];
  if (shape.problems > 0 && problems.length > 0) {
    body.push(block('**Top problems**', { spacing: 'Medium', separator: true }));
    for (const p of problems.slice(0, shape.problems)) body.push(...problemBlocks(p, shape));
  }
  const more = (n0.run?.problemCodes ?? 0) - Math.min(shape.problems, problems.length);
  if (more > 0) body.push(block(`${more} more problem code(s) in the report.`, { isSubtle: true }));
  const examples = n0.reconcile?.examples ?? [];
  if (shape.examples > 0 && examples.length > 0) {
    body.push(block('**Oldest unresolved**', { spacing: 'Medium', separator: true }));
    for (const f of examples.slice(0, shape.examples))
      body.push(
        block(
          `${escapeMarkdown(clip(f.serialNumber, 40))} · ${escapeMarkdown(f.class)}${f.proposed.length ? ` · proposed: ${f.proposed.join(', ')}` : ''}`,
          { spacing: 'None' },
        ),
      );
  }
  const plan = n0.baseline?.lines ?? [];
  if (shape.examples > 0 && plan.length > 0) {
    body.push(block('**Baseline plan**', { spacing: 'Medium', separator: true }));
    for (const line of plan.slice(0, shape.examples * 2)) body.push(block(escapeMarkdown(clip(line, shape.textMax)), { spacing: 'None' }));
    const left = plan.length - Math.min(plan.length, shape.examples * 2) + (n0.baseline?.more ?? 0);
    if (left > 0) body.push(block(`${left} more line(s) in the reconciliation's summary.md.`, { isSubtle: true }));
  }
  const reportPath = n0.run?.reportPath ?? n0.reconcile?.reportPath;
  if (reportPath) body.push(block(`Report: ${escapeMarkdown(reportPath)}`, { isSubtle: true, size: 'Small' }));
  const actions: Element[] = [];
  if (n0.links.run) actions.push({ type: 'Action.OpenUrl', title: 'Open the run', url: n0.links.run });
  if (n0.links.report) actions.push({ type: 'Action.OpenUrl', title: 'Download report.csv', url: n0.links.report });
  return {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.4',
    fallbackText: escapeMarkdown(clip(`${n0.title}: ${n0.summary}`, 400)),
    body,
    ...(actions.length ? { actions } : {}),
  };
}

/** The Workflows webhook envelope around a card. */
export function envelope(content: Element): Element {
  return { type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content }] };
}

/** The message to post: the fullest shape that fits the budget. */
export function teamsMessage(notification: Notification): { body: string; bytes: number; card: Element; shape: number } {
  for (let i = 0; i < SHAPES.length; i++) {
    const c = card(notification, SHAPES[i]!);
    const body = JSON.stringify(envelope(c));
    const bytes = Buffer.byteLength(body, 'utf8');
    if (bytes <= CARD_BUDGET_BYTES || i === SHAPES.length - 1) return { body, bytes, card: c, shape: i };
  }
  throw new Error('unreachable');
}
