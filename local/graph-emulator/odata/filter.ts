/**
 * The few `$filter` shapes the emulated sets accept, parsed into clauses. Each set decides which
 * clauses it supports (the service supports far less than OData allows); anything else is a 400.
 */
export type FilterClause =
  | { kind: 'eq'; property: string; value: string }
  | { kind: 'contains' | 'startsWith'; property: string; value: string }
  | { kind: 'anyEq' | 'anyStartsWith'; property: string; value: string };

const STRING = String.raw`'((?:[^']|'')*)'`;
const PROP = String.raw`([A-Za-z][A-Za-z0-9]*)`;
const PATTERNS: [RegExp, (m: RegExpMatchArray) => FilterClause][] = [
  [new RegExp(String.raw`^${PROP}\s+eq\s+${STRING}$`, 'i'), (m) => ({ kind: 'eq', property: m[1]!, value: unquote(m[2]!) })],
  [
    new RegExp(String.raw`^contains\(\s*${PROP}\s*,\s*${STRING}\s*\)$`, 'i'),
    (m) => ({ kind: 'contains', property: m[1]!, value: unquote(m[2]!) }),
  ],
  [
    new RegExp(String.raw`^startswith\(\s*${PROP}\s*,\s*${STRING}\s*\)$`, 'i'),
    (m) => ({ kind: 'startsWith', property: m[1]!, value: unquote(m[2]!) }),
  ],
  [
    new RegExp(String.raw`^${PROP}/any\(\s*(\w+)\s*:\s*(\w+)\s+eq\s+${STRING}\s*\)$`, 'i'),
    (m) => ({ kind: 'anyEq', property: m[1]!, value: unquote(m[4]!) }),
  ],
  [
    new RegExp(String.raw`^${PROP}/any\(\s*(\w+)\s*:\s*startswith\(\s*(\w+)\s*,\s*${STRING}\s*\)\s*\)$`, 'i'),
    (m) => ({ kind: 'anyStartsWith', property: m[1]!, value: unquote(m[4]!) }),
  ],
];

function unquote(s: string): string {
  return s.replace(/''/g, "'");
}

/** Parses `clause [and clause]...`; returns undefined for anything outside the grammar. */
export function parseFilter(text: string): FilterClause[] | undefined {
  const parts = splitAnd(text.trim());
  const clauses: FilterClause[] = [];
  for (const raw of parts) {
    let part = raw.trim();
    while (part.startsWith('(') && part.endsWith(')') && balanced(part.slice(1, -1))) part = part.slice(1, -1).trim();
    const match = PATTERNS.map(([re, build]) => {
      const m = part.match(re);
      return m ? build(m) : undefined;
    }).find(Boolean);
    if (!match) return undefined;
    clauses.push(match);
  }
  return clauses.length > 0 ? clauses : undefined;
}

function balanced(s: string): boolean {
  let depth = 0;
  let quoted = false;
  for (const ch of s) {
    if (ch === "'") quoted = !quoted;
    if (quoted) continue;
    if (ch === '(') depth++;
    if (ch === ')' && --depth < 0) return false;
  }
  return depth === 0;
}

/** Splits on top-level ` and ` outside quotes and parentheses. */
function splitAnd(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === "'") quoted = !quoted;
    if (quoted) continue;
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (depth === 0 && /^\s+and\s+/i.test(text.slice(i, i + 6)) && /\s/.test(ch ?? '')) {
      const m = text.slice(i).match(/^\s+and\s+/i)!;
      out.push(text.slice(start, i));
      i += m[0].length - 1;
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out;
}
