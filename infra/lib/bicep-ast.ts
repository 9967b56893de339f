/**
 * A small, read-only view of Bicep files for the offline infra tests, on top of tree-sitter-bicep.
 * It gives syntax errors with positions and a few lookups (resources, modules, variables, object
 * properties, literal values). It is a syntax tree, not the Bicep compiler: no types, no schemas.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import Parser from 'tree-sitter';
import Bicep from 'tree-sitter-bicep';

export type SyntaxNode = Parser.SyntaxNode;

export interface BicepFile {
  /** Path relative to the repository root, for messages. */
  path: string;
  source: string;
  root: SyntaxNode;
}

export interface SyntaxProblem {
  kind: 'ERROR' | 'MISSING';
  line: number;
  column: number;
  text: string;
}

export interface ResourceDecl {
  symbol: string;
  /** e.g. `Microsoft.Storage/storageAccounts@2023-05-01` */
  typeWithVersion: string;
  /** Type without the API version, e.g. `Microsoft.Storage/storageAccounts`. */
  type: string;
  existing: boolean;
  loop: boolean;
  condition: boolean;
  /** The resource body (inside `if (...)` or `[for ...]` when present). */
  body: SyntaxNode;
  node: SyntaxNode;
}

export interface ModuleDecl {
  symbol: string;
  path: string;
  body: SyntaxNode;
}

export const REPO_ROOT = join(__dirname, '..', '..');
export const INFRA_DIR = join(REPO_ROOT, 'infra');

let parser: Parser | undefined;
function bicepParser(): Parser {
  if (!parser) {
    parser = new Parser();
    parser.setLanguage(Bicep as unknown as Parser.Language);
  }
  return parser;
}

/** Grammar 1.1.0 predates the `extension` statement: blank it out (same length, so positions hold). */
function blankExtensionStatements(source: string): string {
  return source.replace(/^extension\s+\w+.*$/gm, (line) => ' '.repeat(line.length));
}

export function parseBicepSource(source: string, path = '<inline>'): BicepFile {
  const tree = bicepParser().parse(blankExtensionStatements(source));
  return { path, source, root: tree.rootNode };
}

export function parseBicepFile(absPath: string): BicepFile {
  return parseBicepSource(readFileSync(absPath, 'utf8'), relative(REPO_ROOT, absPath));
}

/** Every .bicep file of the project; dot-folders (infra/.bicep holds the compiler and its output) are not sources. */
export function listBicepFiles(dir: string = INFRA_DIR): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    if (entry.startsWith('.')) continue;
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) out.push(...listBicepFiles(full));
    else if (entry.endsWith('.bicep')) out.push(full);
  }
  return out.sort();
}

export function syntaxProblems(file: BicepFile): SyntaxProblem[] {
  const problems: SyntaxProblem[] = [];
  const visit = (n: SyntaxNode): void => {
    if (n.type === 'ERROR' || n.isMissing) {
      problems.push({
        kind: n.isMissing ? 'MISSING' : 'ERROR',
        line: n.startPosition.row + 1,
        column: n.startPosition.column + 1,
        text: n.isMissing ? n.type : n.text.slice(0, 60),
      });
    }
    for (const c of n.children) visit(c);
  };
  visit(file.root);
  return problems;
}

export function descendants(node: SyntaxNode, type: string): SyntaxNode[] {
  return node.descendantsOfType(type);
}

function firstNamed(node: SyntaxNode, type: string): SyntaxNode | undefined {
  return node.namedChildren.find((c) => c.type === type);
}

/** The value of a plain string literal (no interpolation), else undefined. */
export function stringLiteral(node: SyntaxNode | undefined): string | undefined {
  if (!node || node.type !== 'string') return undefined;
  if (node.namedChildren.some((c) => c.type !== 'string_content' && c.type !== 'escape_sequence')) return undefined;
  return node.text.slice(1, -1).replace(/\\'/g, "'");
}

/** A literal's JS value (string without interpolation, boolean, number, null), else undefined. */
export function literalValue(node: SyntaxNode | undefined): string | boolean | number | null | undefined {
  if (!node) return undefined;
  switch (node.type) {
    case 'string':
      return stringLiteral(node);
    case 'boolean':
      return node.text === 'true';
    case 'number':
      return Number(node.text);
    case 'null':
      return null;
    default:
      return undefined;
  }
}

/** Unwrap `if (cond) {...}` and `[for x in y: {...}]` to the object body. */
function bodyOf(node: SyntaxNode): { body: SyntaxNode; loop: boolean; condition: boolean } | undefined {
  const obj = firstNamed(node, 'object');
  if (obj) return { body: obj, loop: false, condition: false };
  const cond = firstNamed(node, 'if_statement');
  if (cond) {
    const inner = firstNamed(cond, 'object');
    return inner ? { body: inner, loop: false, condition: true } : undefined;
  }
  const loop = firstNamed(node, 'for_statement');
  if (loop) {
    const inner = loop.childForFieldName('body') ?? firstNamed(loop, 'object');
    if (!inner) return undefined;
    if (inner.type === 'if_statement') {
      const obj2 = firstNamed(inner, 'object');
      return obj2 ? { body: obj2, loop: true, condition: true } : undefined;
    }
    return { body: inner, loop: true, condition: false };
  }
  return undefined;
}

export function resources(file: BicepFile): ResourceDecl[] {
  return file.root.namedChildren
    .filter((n) => n.type === 'resource_declaration')
    .map((n) => {
      const symbol = firstNamed(n, 'identifier')?.text ?? '';
      const typeWithVersion = stringLiteral(firstNamed(n, 'string')) ?? '';
      const shape = bodyOf(n);
      if (!shape) throw new Error(`${file.path}: resource ${symbol} has no object body`);
      return {
        symbol,
        typeWithVersion,
        type: typeWithVersion.split('@')[0] ?? '',
        existing: n.children.some((c) => c.type === 'existing'),
        ...shape,
        node: n,
      };
    });
}

export function resourcesOfType(file: BicepFile, type: string, opts: { includeExisting?: boolean } = {}): ResourceDecl[] {
  return resources(file).filter((r) => r.type === type && (opts.includeExisting || !r.existing));
}

export function modules(file: BicepFile): ModuleDecl[] {
  return file.root.namedChildren
    .filter((n) => n.type === 'module_declaration')
    .map((n) => {
      const symbol = firstNamed(n, 'identifier')?.text ?? '';
      const path = stringLiteral(firstNamed(n, 'string')) ?? '';
      const shape = bodyOf(n);
      if (!shape) throw new Error(`${file.path}: module ${symbol} has no object body`);
      return { symbol, path, body: shape.body };
    });
}

/** `var name = <value>` declarations: name -> value node. */
export function variables(file: BicepFile): Map<string, SyntaxNode> {
  const out = new Map<string, SyntaxNode>();
  for (const n of file.root.namedChildren) {
    if (n.type !== 'variable_declaration') continue;
    const [name, value] = n.namedChildren;
    if (name && value) out.set(name.text, value);
  }
  return out;
}

export interface ParamDecl {
  name: string;
  type: string;
  defaultValue: SyntaxNode | undefined;
  decorators: string[];
}

export function parameters(file: BicepFile): Map<string, ParamDecl> {
  const out = new Map<string, ParamDecl>();
  const top = file.root.namedChildren;
  top.forEach((n, i) => {
    if (n.type !== 'parameter_declaration') return;
    const [name, type, value] = n.namedChildren;
    if (!name || !type) return;
    const prev = top[i - 1];
    const decorators = prev?.type === 'decorators' ? prev.namedChildren.map((d) => d.text) : [];
    out.set(name.text, { name: name.text, type: type.text, defaultValue: value, decorators });
  });
  return out;
}

export function outputNames(file: BicepFile): string[] {
  return file.root.namedChildren.filter((n) => n.type === 'output_declaration').map((n) => firstNamed(n, 'identifier')?.text ?? '');
}

/** The key of an object_property (identifier or quoted string). */
export function propertyKey(prop: SyntaxNode): string {
  const key = prop.namedChildren[0];
  if (!key) return '';
  return key.type === 'string' ? (stringLiteral(key) ?? key.text) : key.text;
}

/** The value node of an object_property (everything after the key). */
export function propertyValue(prop: SyntaxNode): SyntaxNode | undefined {
  return prop.namedChildren[1];
}

export function objectProperties(obj: SyntaxNode): Map<string, SyntaxNode> {
  const out = new Map<string, SyntaxNode>();
  for (const p of obj.namedChildren) {
    if (p.type !== 'object_property') continue;
    const v = propertyValue(p);
    if (v) out.set(propertyKey(p), v);
  }
  return out;
}

/** Follow a dotted path of object properties from an object node, e.g. `properties.siteConfig`. */
export function getPath(obj: SyntaxNode | undefined, path: string): SyntaxNode | undefined {
  let cur = obj;
  for (const key of path.split('.')) {
    if (!cur || cur.type !== 'object') return undefined;
    cur = objectProperties(cur).get(key);
  }
  return cur;
}

/** Every call of `name(...)` anywhere in the file. */
export function callsTo(file: BicepFile, name: string): SyntaxNode[] {
  return descendants(file.root, 'call_expression').filter((c) => c.childForFieldName('function')?.text === name);
}

export interface MemberChain {
  /** The identifier the chain starts from, e.g. `account` in `account.properties.primaryEndpoints.blob`. */
  base: string;
  /** Property names after the base; `[]` stands for an index (`zones[i].id` -> base zones, path ['[]', 'id']). */
  path: string[];
  node: SyntaxNode;
}

/** Every maximal `a.b.c` / `a[i].b` chain that starts from a plain identifier. */
export function memberChains(file: BicepFile): MemberChain[] {
  const chains: MemberChain[] = [];
  const isLink = (n: SyntaxNode | null): boolean => n?.type === 'member_expression' || n?.type === 'subscript_expression';
  for (const top of [...descendants(file.root, 'member_expression'), ...descendants(file.root, 'subscript_expression')]) {
    const parent = top.parent;
    if (isLink(parent) && parent?.childForFieldName('object')?.id === top.id) continue; // not the outermost link
    const path: string[] = [];
    let cur: SyntaxNode | null = top;
    while (isLink(cur)) {
      if (cur?.type === 'member_expression') path.unshift(cur.childForFieldName('property')?.text ?? '');
      else path.unshift('[]');
      cur = cur?.childForFieldName('object') ?? null;
    }
    if (cur?.type === 'identifier') chains.push({ base: cur.text, path, node: top });
  }
  return chains;
}
