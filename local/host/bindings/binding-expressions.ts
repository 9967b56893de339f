import { randomUUID } from 'node:crypto';

/**
 * Binding expressions in output paths, as the host resolves them:
 * - `%Setting%`: an app setting (environment variable);
 * - `{name}`: trigger binding data (case-insensitive, as the host's binding data is), `{a.b}` for a
 *   property of an object value;
 * - `{rand-guid}` / `{sys.randguid}`: a new GUID; `{DateTime}`: UTC now as yyyy-MM-ddTHH-mm-ssZ;
 *   `{sys.utcnow}`: UTC now, ISO 8601;
 * - `{{` and `}}`: literal braces.
 * Anything unresolvable fails loudly instead of writing to a wrong path.
 */

/** A template split into literal text and `{token}`s, with `%Setting%` references already substituted. */
export type TemplatePart = { literal: string } | { token: string };

/**
 * Parses a template and substitutes its app settings. Syntax errors, formatted expressions and unset
 * settings throw here, so the host can check a binding at start-up before any invocation needs it.
 */
export function parseBindingTemplate(template: string, env: NodeJS.ProcessEnv = process.env): TemplatePart[] {
  const withSettings = template.replace(/%([^%]+)%/g, (_m, name: string) => {
    const value = env[name];
    if (value === undefined) throw new Error(`Binding expression '%${name}%' in '${template}': app setting '${name}' is not set.`);
    return value;
  });
  const parts: TemplatePart[] = [];
  let literal = '';
  let i = 0;
  while (i < withSettings.length) {
    const pair = withSettings.slice(i, i + 2);
    const ch = withSettings[i] as string;
    if (pair === '{{' || pair === '}}') {
      literal += ch;
      i += 2;
    } else if (ch === '{') {
      const close = withSettings.indexOf('}', i);
      if (close < 0) throw new Error(`Binding expression '${template}': unclosed '{'.`);
      const token = withSettings.slice(i + 1, close).trim();
      if (token.includes(':'))
        throw new Error(`Binding expression '{${token}}' in '${template}': formatted expressions are not supported by the local host.`);
      if (literal) parts.push({ literal });
      literal = '';
      parts.push({ token });
      i = close + 1;
    } else if (ch === '}') {
      throw new Error(`Binding expression '${template}': unmatched '}' (write '}}' for a literal brace).`);
    } else {
      literal += ch;
      i += 1;
    }
  }
  if (literal) parts.push({ literal });
  return parts;
}

function lookup(data: Record<string, unknown>, key: string): unknown {
  const exact = data[key];
  if (exact !== undefined) return exact;
  const lower = key.toLowerCase();
  const found = Object.keys(data).find((k) => k.toLowerCase() === lower);
  return found === undefined ? undefined : data[found];
}

function resolveToken(token: string, data: Record<string, unknown>, template: string, now: Date): string {
  const lower = token.toLowerCase();
  if (lower === 'rand-guid' || lower === 'sys.randguid') return randomUUID();
  if (lower === 'datetime') return `${now.toISOString().slice(0, 19).replace(/:/g, '-')}Z`;
  if (lower === 'sys.utcnow') return now.toISOString();
  const [head, ...rest] = token.split('.');
  let value: unknown = lookup(data, head ?? '');
  for (const part of rest) {
    value = value !== null && typeof value === 'object' ? lookup(value as Record<string, unknown>, part) : undefined;
  }
  if (value === undefined || value === null) {
    const available = Object.keys(data).join(', ') || 'none';
    throw new Error(`Binding expression '{${token}}' in '${template}' has no value in the trigger data (available: ${available}).`);
  }
  if (typeof value === 'object') {
    throw new Error(`Binding expression '{${token}}' in '${template}' resolves to an object, not a value.`);
  }
  return String(value);
}

export function resolveBindingExpression(
  template: string,
  data: Record<string, unknown>,
  env: NodeJS.ProcessEnv = process.env,
  now: Date = new Date(),
): string {
  return parseBindingTemplate(template, env)
    .map((p) => ('literal' in p ? p.literal : resolveToken(p.token, data, template, now)))
    .join('');
}
