import { RuleSyntaxError } from './errors';

/**
 * Tokens of the Entra dynamic membership rule language. Operators are recognised in the parser,
 * not here, because the service accepts them with or without the leading hyphen ("-eq" or "eq"):
 * a hyphenated word becomes `dashWord`, a bare word stays `word`, and the parser decides by
 * position whether a word is an operator, a keyword (true/false/null) or a property.
 */
export type Token =
  | { kind: 'lparen' | 'rparen' | 'lbracket' | 'rbracket' | 'comma' | 'end'; pos: number }
  | { kind: 'string'; value: string; pos: number }
  | { kind: 'number'; value: number; pos: number }
  | { kind: 'word'; text: string; pos: number }
  | { kind: 'dashWord'; text: string; pos: number };

const PUNCTUATION: Record<string, 'lparen' | 'rparen' | 'lbracket' | 'rbracket' | 'comma'> = {
  '(': 'lparen',
  ')': 'rparen',
  '[': 'lbracket',
  ']': 'rbracket',
  ',': 'comma',
};

// The published examples use both ASCII hyphen and the en dash ("user.mail –ne null"), so both
// introduce an operator.
const DASHES = new Set(['-', '\u2013']);
const WORD_START = /[A-Za-z_$]/;
const WORD_PART = /[A-Za-z0-9_.$]/;
const DIGIT = /[0-9]/;

export function tokenize(rule: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < rule.length) {
    const ch = rule[i] as string;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const punct = PUNCTUATION[ch];
    if (punct) {
      tokens.push({ kind: punct, pos: i });
      i++;
      continue;
    }
    if (ch === '"' || ch === "'") {
      const { value, next } = readString(rule, i);
      tokens.push({ kind: 'string', value, pos: i });
      i = next;
      continue;
    }
    if (DASHES.has(ch)) {
      const after = rule[i + 1];
      if (after !== undefined && WORD_START.test(after)) {
        const end = scanWhile(rule, i + 1, WORD_PART);
        tokens.push({ kind: 'dashWord', text: rule.slice(i + 1, end), pos: i });
        i = end;
        continue;
      }
      if (after !== undefined && DIGIT.test(after)) {
        const end = scanNumber(rule, i + 1);
        tokens.push({ kind: 'number', value: Number(rule.slice(i, end)), pos: i });
        i = end;
        continue;
      }
      throw new RuleSyntaxError(`'${ch}' must be followed by an operator name such as -eq`, i);
    }
    if (DIGIT.test(ch)) {
      const end = scanNumber(rule, i);
      tokens.push({ kind: 'number', value: Number(rule.slice(i, end)), pos: i });
      i = end;
      continue;
    }
    if (WORD_START.test(ch)) {
      const end = scanWhile(rule, i, WORD_PART);
      tokens.push({ kind: 'word', text: rule.slice(i, end), pos: i });
      i = end;
      continue;
    }
    if (ch === '\u201c' || ch === '\u201d') {
      throw new RuleSyntaxError('typographic quote found; use straight double quotes (")', i);
    }
    throw new RuleSyntaxError(`unexpected character '${ch}'`, i);
  }
  tokens.push({ kind: 'end', pos: rule.length });
  return tokens;
}

function scanWhile(text: string, from: number, pattern: RegExp): number {
  let end = from;
  while (end < text.length && pattern.test(text[end] as string)) end++;
  return end;
}

function scanNumber(text: string, from: number): number {
  const end = scanWhile(text, from, DIGIT);
  if (text[end] === '.' && DIGIT.test(text[end + 1] ?? '')) return scanWhile(text, end + 1, DIGIT);
  return end;
}

/**
 * Strings are double- or single-quoted. The backtick escapes the next character (the service's
 * documented way to put a double quote inside a value: `"Sales`"`); inside single quotes a doubled
 * quote ('') stands for one, as the reference describes.
 */
function readString(text: string, start: number): { value: string; next: number } {
  const quote = text[start] as string;
  let value = '';
  let i = start + 1;
  while (i < text.length) {
    const ch = text[i] as string;
    if (ch === '`') {
      const escaped = text[i + 1];
      if (escaped === undefined) break;
      value += escaped;
      i += 2;
      continue;
    }
    if (ch === quote) {
      if (quote === "'" && text[i + 1] === "'") {
        value += "'";
        i += 2;
        continue;
      }
      return { value, next: i + 1 };
    }
    value += ch;
    i++;
  }
  throw new RuleSyntaxError(`unterminated string starting with ${quote}`, start);
}
