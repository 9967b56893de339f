import { errors, GraphError, type ErrorFlavor } from './errors';
import { parseFilter, type FilterClause } from './filter';

export interface ODataQuery {
  select: string[] | undefined;
  expand: string[] | undefined;
  top: number | undefined;
  skipToken: number | undefined;
  count: boolean;
  filter: FilterClause[] | undefined;
  filterText: string | undefined;
}

const KNOWN = new Set(['$select', '$expand', '$top', '$skiptoken', '$count', '$filter', '$orderby', '$search', '$skip', '$format']);

/** Splits a comma list at top level (ignores commas inside parentheses, e.g. `$expand=a($select=x,y)`). */
function list(value: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    if (value[i] === '(') depth++;
    else if (value[i] === ')') depth--;
    else if (value[i] === ',' && depth === 0) {
      out.push(value.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(value.slice(start).trim());
  return out.filter(Boolean);
}

export function encodeSkipToken(position: number): string {
  return Buffer.from(`p:${position}`).toString('base64url');
}

function decodeSkipToken(token: string, flavor: ErrorFlavor): number {
  const text = Buffer.from(token, 'base64url').toString('utf8');
  const m = /^p:(\d+)$/.exec(text);
  if (!m) throw errors.badRequest(`The skip token '${token}' is not valid.`, flavor);
  return Number(m[1]);
}

export function parseQuery(params: URLSearchParams, flavor: ErrorFlavor): ODataQuery {
  const get = (name: string): string | undefined => {
    for (const [k, v] of params) if (k.toLowerCase() === name) return v;
    return undefined;
  };
  for (const key of params.keys()) {
    const lower = key.toLowerCase();
    if (!lower.startsWith('$')) continue;
    if (!KNOWN.has(lower)) throw errors.badRequest(`Query option '${key}' is not allowed.`, flavor);
    if (lower === '$orderby' || lower === '$search' || lower === '$skip' || lower === '$format') {
      throw new GraphError(501, 'NotImplemented', `The Graph emulator does not implement the query option ${key}.`, flavor);
    }
  }
  const topText = get('$top');
  let top: number | undefined;
  if (topText !== undefined) {
    top = Number(topText);
    if (!Number.isInteger(top) || top < 0) throw errors.badRequest(`Invalid value '${topText}' for $top query option found.`, flavor);
  }
  const countText = get('$count');
  if (countText !== undefined && !/^(true|false)$/i.test(countText))
    throw errors.badRequest(`'${countText}' is not a valid count option.`, flavor);
  const filterText = get('$filter');
  let filter: FilterClause[] | undefined;
  if (filterText !== undefined) {
    filter = parseFilter(filterText);
    if (!filter)
      throw errors.badRequest(`Invalid filter clause: the emulated service does not support the filter '${filterText}'.`, flavor);
  }
  const skip = get('$skiptoken');
  return {
    select: get('$select') !== undefined ? list(get('$select')!) : undefined,
    expand: get('$expand') !== undefined ? list(get('$expand')!) : undefined,
    top,
    skipToken: skip !== undefined ? decodeSkipToken(skip, flavor) : undefined,
    count: countText?.toLowerCase() === 'true',
    filter,
    filterText,
  };
}
