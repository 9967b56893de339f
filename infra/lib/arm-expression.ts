/**
 * A small evaluator for the ARM template expressions the Bicep compiler emits (`[func(args).x[0]]`),
 * so policy tests can ask what the compiled JSON will actually produce for given parameters: which
 * role a loop assigns, which scope a role lands on, what an IP rule becomes, which app settings a
 * union() yields. Pure functions are computed; anything only Azure knows at deployment time
 * (resourceId, reference, guid, list*, ...) becomes an Opaque value that renders as its call text,
 * so it can still be compared and searched (e.g. "no listKeys in app settings").
 */

export class Opaque {
  constructor(readonly text: string) {}
  toString(): string {
    return `<${this.text}>`;
  }
  /** So JSON.stringify of an evaluated resource shows the call text, comparable and searchable. */
  toJSON(): string {
    return `<${this.text}>`;
  }
}

/** What `fail()` raises: the deployment would stop with this message. */
export class ArmFail extends Error {}

class Lambda {
  constructor(
    readonly params: string[],
    readonly body: Node,
  ) {}
}
export type ArmValue = string | number | boolean | null | ArmValue[] | { [k: string]: ArmValue } | Opaque | Lambda;

type Node =
  | { k: 'str'; v: string }
  | { k: 'num'; v: number }
  | { k: 'call'; name: string; args: Node[] }
  | { k: 'prop'; obj: Node; name: string }
  | { k: 'index'; obj: Node; index: Node };

export function isExpression(s: string): boolean {
  return s.startsWith('[') && s.endsWith(']') && !s.startsWith('[[');
}

export function parseExpression(text: string): Node {
  let i = 0;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i] ?? '')) i++;
  };
  const expect = (c: string) => {
    ws();
    if (text[i] !== c) throw new Error(`expected '${c}' at ${i} in ${text}`);
    i++;
  };
  const primary = (): Node => {
    ws();
    const c = text[i] ?? '';
    if (c === "'") {
      let v = '';
      i++;
      for (;;) {
        if (i >= text.length) throw new Error(`unterminated string in ${text}`);
        if (text[i] === "'") {
          if (text[i + 1] === "'") {
            v += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        v += text[i++];
      }
      return { k: 'str', v };
    }
    const num = /^-?\d+(\.\d+)?/.exec(text.slice(i));
    if (num) {
      i += num[0].length;
      return { k: 'num', v: Number(num[0]) };
    }
    const id = /^[A-Za-z_$][\w$.]*/.exec(text.slice(i));
    if (!id) throw new Error(`unexpected '${c}' at ${i} in ${text}`);
    i += id[0].length;
    expect('(');
    const args: Node[] = [];
    ws();
    if (text[i] === ')') i++;
    else {
      for (;;) {
        args.push(expression());
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        expect(')');
        break;
      }
    }
    return { k: 'call', name: id[0], args };
  };
  const expression = (): Node => {
    let node = primary();
    for (;;) {
      ws();
      if (text[i] === '.') {
        i++;
        const name = /^[A-Za-z_$][\w$]*/.exec(text.slice(i))?.[0];
        if (!name) throw new Error(`property name expected at ${i} in ${text}`);
        i += name.length;
        node = { k: 'prop', obj: node, name };
      } else if (text[i] === '[') {
        i++;
        const index = expression();
        expect(']');
        node = { k: 'index', obj: node, index };
      } else return node;
    }
  };
  const node = expression();
  ws();
  if (i !== text.length) throw new Error(`trailing text at ${i} in ${text}`);
  return node;
}

export interface Scope {
  parameters: Record<string, ArmValue>;
  /** The template's `variables` section, evaluated on demand. */
  variables: Record<string, unknown>;
  /** copyIndex() of the resource loop being evaluated, and copyIndex('name') of variable loops. */
  copyIndex?: number;
  loopIndexes?: Record<string, number>;
  lambdaVars?: Record<string, ArmValue>;
}

function isObject(v: ArmValue | undefined): v is { [k: string]: ArmValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Opaque) && !(v instanceof Lambda);
}

/** Text of a call whose value only Azure knows, with its evaluated arguments, for comparisons. */
function render(v: ArmValue): string {
  if (v instanceof Opaque) return v.text;
  if (typeof v === 'string') return `'${v}'`;
  return JSON.stringify(v);
}

function str(v: ArmValue): string {
  if (typeof v === 'string') return v;
  if (v instanceof Opaque) return `<${v.text}>`;
  return JSON.stringify(v);
}

function num(v: ArmValue): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^-?\d+$/.test(v.trim())) return Number(v);
  throw new Error(`not a number: ${render(v)}`);
}

function ipv4(text: string): number {
  const parts = text.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) throw new ArmFail(`invalid IPv4 address ${text}`);
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
}
const dotted = (n: number): string => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');

/** ARM's parseCidr, IPv4 only (what the templates use it for). */
function parseCidr(cidr: string): Record<string, ArmValue> {
  const [addr = '', prefixText] = cidr.split('/');
  if (prefixText === undefined || !/^\d+$/.test(prefixText) || Number(prefixText) > 32) throw new ArmFail(`invalid CIDR ${cidr}`);
  const prefix = Number(prefixText);
  const size = 2 ** (32 - prefix);
  const network = Math.floor(ipv4(addr) / size) * size;
  return {
    network: dotted(network),
    netmask: dotted(2 ** 32 - size),
    broadcast: dotted(network + size - 1),
    firstUsable: dotted(prefix >= 31 ? network : network + 1),
    lastUsable: dotted(prefix >= 31 ? network + size - 1 : network + size - 2),
    cidr: prefix,
  };
}

const equal = (a: ArmValue, b: ArmValue): boolean =>
  a instanceof Opaque || b instanceof Opaque ? render(a) === render(b) : JSON.stringify(a) === JSON.stringify(b);

export function evaluate(value: unknown, scope: Scope): ArmValue {
  if (typeof value === 'string')
    return isExpression(value) ? evalNode(parseExpression(value.slice(1, -1)), scope) : value.startsWith('[[') ? value.slice(1) : value;
  if (Array.isArray(value)) return value.map((v) => evaluate(v, scope));
  if (value && typeof value === 'object') {
    const out: Record<string, ArmValue> = {};
    for (const [k, v] of Object.entries(value)) out[k] = evaluate(v, scope);
    return out;
  }
  return value as ArmValue;
}

function variable(name: string, scope: Scope): ArmValue {
  const loops = scope.variables.copy;
  if (Array.isArray(loops)) {
    const loop = (loops as { name: string; count: unknown; input: unknown }[]).find((l) => l.name === name);
    if (loop) {
      const count = num(evaluate(loop.count, scope));
      return Array.from({ length: count }, (_, i) => evaluate(loop.input, { ...scope, loopIndexes: { ...scope.loopIndexes, [name]: i } }));
    }
  }
  if (!(name in scope.variables)) throw new Error(`unknown variable ${name}`);
  return evaluate(scope.variables[name], scope);
}

function evalNode(node: Node, scope: Scope): ArmValue {
  switch (node.k) {
    case 'str':
      return node.v;
    case 'num':
      return node.v;
    case 'prop': {
      const obj = evalNode(node.obj, scope);
      if (obj instanceof Opaque) return new Opaque(`${obj.text}.${node.name}`);
      if (isObject(obj)) {
        const hit = Object.keys(obj).find((k) => k.toLowerCase() === node.name.toLowerCase());
        if (hit === undefined) throw new Error(`no property ${node.name} in ${render(obj)}`);
        return obj[hit] as ArmValue;
      }
      throw new Error(`.${node.name} of a non-object ${render(obj)}`);
    }
    case 'index': {
      const obj = evalNode(node.obj, scope);
      const index = evalNode(node.index, scope);
      if (obj instanceof Opaque || index instanceof Opaque) return new Opaque(`${render(obj)}[${render(index)}]`);
      if (Array.isArray(obj)) {
        const v = obj[num(index)];
        if (v === undefined) throw new ArmFail(`index ${render(index)} out of range`);
        return v;
      }
      if (isObject(obj) && typeof index === 'string') return obj[index] as ArmValue;
      throw new Error(`cannot index ${render(obj)}`);
    }
    case 'call':
      return call(node, scope);
  }
}

/** Functions whose value exists only at deployment time: kept as their call text. */
const DEPLOYMENT_TIME =
  /^(resourceId|subscriptionResourceId|extensionResourceId|tenantResourceId|resourceGroup|subscription|tenant|environment|deployer|deployment|reference|guid|uniqueString|newGuid|utcNow|managementGroup|list\w*|pickZones)$/;

function call(node: Extract<Node, { k: 'call' }>, scope: Scope): ArmValue {
  const name = node.name;
  const args = () => node.args.map((a) => evalNode(a, scope));
  if (DEPLOYMENT_TIME.test(name)) return new Opaque(`${name}(${args().map(render).join(', ')})`);
  switch (name) {
    case 'parameters': {
      const p = str(args()[0] ?? '');
      if (!(p in scope.parameters)) throw new Error(`no value given for parameter ${p}`);
      return scope.parameters[p] as ArmValue;
    }
    case 'variables':
      return variable(str(args()[0] ?? ''), scope);
    case 'copyIndex': {
      const a = args();
      const offset = typeof a[a.length - 1] === 'number' ? num(a[a.length - 1] as ArmValue) : 0;
      if (typeof a[0] === 'string') return (scope.loopIndexes?.[a[0]] ?? NaN) + offset;
      if (scope.copyIndex === undefined) throw new Error('copyIndex() outside a loop');
      return scope.copyIndex + offset;
    }
    case 'if': {
      // Lazy, as in ARM: only the chosen branch is evaluated (so fail() in the other is harmless).
      const cond = evalNode(node.args[0] as Node, scope);
      if (cond instanceof Opaque) return new Opaque(`if(${cond.text}, ...)`);
      return evalNode(node.args[cond ? 1 : 2] as Node, scope);
    }
    case 'lambda': {
      const params = node.args.slice(0, -1).map((a) => str(evalNode(a, scope)));
      return new Lambda(params, node.args[node.args.length - 1] as Node);
    }
    case 'lambdaVariables':
      return scope.lambdaVars?.[str(args()[0] ?? '')] ?? null;
    case 'fail':
      throw new ArmFail(str(args()[0] ?? ''));
  }
  const a = args();
  const apply = (fn: ArmValue, ...values: ArmValue[]): ArmValue => {
    if (!(fn instanceof Lambda)) throw new Error(`${name}() expects a lambda`);
    return evalNode(fn.body, {
      ...scope,
      lambdaVars: { ...scope.lambdaVars, ...Object.fromEntries(fn.params.map((p, i) => [p, values[i] ?? null])) },
    });
  };
  const [x, y, z] = a as [ArmValue, ArmValue, ArmValue];
  if (
    a.some((v) => v instanceof Opaque) &&
    !['format', 'concat', 'createObject', 'createArray', 'union', 'string', 'equals', 'not', 'empty', 'coalesce'].includes(name)
  ) {
    return new Opaque(`${name}(${a.map(render).join(', ')})`);
  }
  switch (name) {
    case 'true':
      return true;
    case 'false':
      return false;
    case 'null':
      return null;
    case 'not':
      return x instanceof Opaque ? new Opaque(`not(${x.text})`) : !x;
    case 'and':
      return a.every(Boolean);
    case 'or':
      return a.some(Boolean);
    case 'equals':
      return equal(x, y);
    case 'greater':
      return num(x) > num(y);
    case 'greaterOrEquals':
      return num(x) >= num(y);
    case 'less':
      return num(x) < num(y);
    case 'lessOrEquals':
      return num(x) <= num(y);
    case 'add':
      return num(x) + num(y);
    case 'sub':
      return num(x) - num(y);
    case 'mul':
      return num(x) * num(y);
    case 'div':
      return Math.trunc(num(x) / num(y));
    case 'mod':
      return num(x) % num(y);
    case 'min':
      return Math.min(...(Array.isArray(x) ? x : a).map(num));
    case 'max':
      return Math.max(...(Array.isArray(x) ? x : a).map(num));
    case 'int':
      if (typeof x === 'string' && !/^\s*-?\d+\s*$/.test(x)) throw new ArmFail(`int('${x}'): not an integer`);
      return num(x);
    case 'string':
      return typeof x === 'string' ? x : x instanceof Opaque ? new Opaque(`string(${x.text})`) : JSON.stringify(x);
    case 'length':
      return typeof x === 'string' || Array.isArray(x) ? x.length : Object.keys(x as object).length;
    case 'empty':
      if (x instanceof Opaque) return new Opaque(`empty(${x.text})`);
      return x === null || x === '' || (Array.isArray(x) && x.length === 0) || (isObject(x) && Object.keys(x).length === 0);
    case 'contains':
      return typeof x === 'string' ? x.includes(str(y)) : Array.isArray(x) ? x.some((v) => equal(v, y)) : str(y) in (x as object);
    case 'startsWith':
      return str(x).toLowerCase().startsWith(str(y).toLowerCase());
    case 'endsWith':
      return str(x).toLowerCase().endsWith(str(y).toLowerCase());
    case 'indexOf':
      return str(x).toLowerCase().indexOf(str(y).toLowerCase());
    case 'substring': {
      const s = str(x);
      const start = num(y);
      const len = z === undefined ? s.length - start : num(z);
      if (start < 0 || len < 0 || start + len > s.length) throw new ArmFail(`substring out of range: '${s}', ${start}, ${len}`);
      return s.substring(start, start + len);
    }
    case 'split':
      return str(x).split(str(y));
    case 'join':
      return (x as ArmValue[]).map(str).join(str(y));
    case 'trim':
      return str(x).trim();
    case 'toLower':
      return str(x).toLowerCase();
    case 'toUpper':
      return str(x).toUpperCase();
    case 'replace':
      return str(x).split(str(y)).join(str(z));
    case 'format':
      return str(x).replace(/\{(\d+)(:[^}]*)?\}/g, (_m, i: string) => str(a[Number(i) + 1] ?? ''));
    case 'concat':
      return Array.isArray(x) ? a.flatMap((v) => v as ArmValue[]) : a.map(str).join('');
    case 'createArray':
      return a;
    case 'createObject': {
      const o: Record<string, ArmValue> = {};
      for (let i = 0; i + 1 < a.length; i += 2) o[str(a[i] as ArmValue)] = a[i + 1] as ArmValue;
      return o;
    }
    case 'union':
      if (a.some((v) => v instanceof Opaque)) return new Opaque(`union(${a.map(render).join(', ')})`);
      return Array.isArray(x)
        ? [...new Set(a.flatMap((v) => (v as ArmValue[]).map((e) => JSON.stringify(e))))].map((e) => JSON.parse(e) as ArmValue)
        : Object.assign({}, ...a);
    case 'coalesce':
      return a.find((v) => v !== null) ?? null;
    case 'first':
      return Array.isArray(x) ? (x[0] ?? null) : str(x).slice(0, 1);
    case 'last':
      return Array.isArray(x) ? (x[x.length - 1] ?? null) : str(x).slice(-1);
    case 'skip':
      return Array.isArray(x) ? x.slice(num(y)) : str(x).slice(num(y));
    case 'take':
      return Array.isArray(x) ? x.slice(0, num(y)) : str(x).slice(0, num(y));
    case 'range':
      return Array.from({ length: num(y) }, (_, i) => num(x) + i);
    case 'items':
      return Object.entries(x as Record<string, ArmValue>).map(([key, value]) => ({ key, value }));
    case 'map':
      return (x as ArmValue[]).map((v, i) => apply(y, v, i));
    case 'filter':
      return (x as ArmValue[]).filter((v, i) => apply(y, v, i) === true);
    case 'toObject':
      return Object.fromEntries((x as ArmValue[]).map((v) => [str(apply(y, v)), z === undefined ? v : apply(z, v)]));
    case 'parseCidr':
      return parseCidr(str(x));
    case 'tryGet': {
      // `a.?b` / `a[?b]`: null where a property or index is missing, at any depth.
      let v: ArmValue = x;
      for (const k of a.slice(1)) {
        if (Array.isArray(v)) v = v[num(k)] ?? null;
        else if (isObject(v)) v = (v[str(k)] as ArmValue | undefined) ?? null;
        else return null;
      }
      return v;
    }
    case 'array':
      return Array.isArray(x) ? x : [x];
    case 'json':
      return JSON.parse(str(x)) as ArmValue;
    default:
      throw new Error(`arm-expression: ${name}() is not implemented`);
  }
}
