/**
 * ASP.NET-style route templates as Functions uses them: literal segments (case-insensitive),
 * `{name}`, optional `{name?}`, catch-all `{*name}` and constraints `{name:int}` (int, long, double,
 * decimal, float, bool, alpha, guid, datetime, minlength(n), maxlength(n), length(n), min(n), max(n)).
 */

type Constraint = (value: string) => boolean;

interface Segment {
  literal?: string;
  param?: string;
  optional?: boolean;
  catchAll?: boolean;
  constraints: Constraint[];
}

export interface RouteTemplate {
  template: string;
  segments: Segment[];
}

const NUMERIC = /^-?\d+(\.\d+)?$/;
const SIMPLE: Record<string, Constraint> = {
  int: (v) => /^-?\d+$/.test(v) && Math.abs(Number(v)) <= 2 ** 31,
  long: (v) => /^-?\d+$/.test(v),
  double: (v) => NUMERIC.test(v),
  float: (v) => NUMERIC.test(v),
  decimal: (v) => NUMERIC.test(v),
  bool: (v) => /^(true|false)$/i.test(v),
  alpha: (v) => /^[a-z]+$/i.test(v),
  guid: (v) => /^\{?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\}?$/i.test(v),
  datetime: (v) => !Number.isNaN(Date.parse(v)),
};

function constraint(spec: string, template: string): Constraint {
  const simple = SIMPLE[spec.toLowerCase()];
  if (simple) return simple;
  const m = /^(minlength|maxlength|length|min|max)\((-?\d+)\)$/i.exec(spec);
  if (m) {
    const n = Number(m[2]);
    switch ((m[1] ?? '').toLowerCase()) {
      case 'minlength':
        return (v) => v.length >= n;
      case 'maxlength':
        return (v) => v.length <= n;
      case 'length':
        return (v) => v.length === n;
      case 'min':
        return (v) => /^-?\d+$/.test(v) && Number(v) >= n;
      default:
        return (v) => /^-?\d+$/.test(v) && Number(v) <= n;
    }
  }
  throw new Error(`Route '${template}': the local host does not support the route constraint '${spec}'.`);
}

export function parseRoute(template: string): RouteTemplate {
  const segments = template
    .split('/')
    .filter((s) => s.length > 0)
    .map((raw): Segment => {
      const m = /^\{(\*)?([A-Za-z_][\w]*)(\?)?((?::[^:}]+)*)\}$/.exec(raw);
      if (!m) {
        if (/[{}]/.test(raw)) throw new Error(`Route '${template}': unsupported segment '${raw}'.`);
        return { literal: raw.toLowerCase(), constraints: [] };
      }
      const specs = (m[4] ?? '').split(':').filter(Boolean);
      return { param: m[2], optional: !!m[3], catchAll: !!m[1], constraints: specs.map((s) => constraint(s, template)) };
    });
  return { template, segments };
}

/** Route values for a path (already split, decoded), or undefined when the route does not match. */
export function matchRoute(route: RouteTemplate, parts: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  let i = 0;
  for (const seg of route.segments) {
    if (seg.catchAll && seg.param) {
      const rest = parts.slice(i).join('/');
      if (rest || seg.optional !== false) params[seg.param] = rest;
      i = parts.length;
      continue;
    }
    const part = parts[i];
    if (part === undefined) {
      if (seg.param && seg.optional) continue;
      return undefined;
    }
    if (seg.literal !== undefined) {
      if (part.toLowerCase() !== seg.literal) return undefined;
    } else if (seg.param) {
      if (!seg.constraints.every((c) => c(part))) return undefined;
      params[seg.param] = part;
    }
    i++;
  }
  return i === parts.length ? params : undefined;
}
