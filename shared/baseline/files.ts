/** Where the baseline and its published schema live in the repository, and writing them (init, schema). */
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { renderDefaultBaseline } from './default';
import { baselineJsonSchema, parseBaseline, type Baseline } from './schema';

const ROOT = join(__dirname, '..', '..');
export const DEFAULT_BASELINE_FILE = join(ROOT, 'baseline', 'tenant.json');
export const BASELINE_SCHEMA_FILE = join(ROOT, 'docs', 'schemas', 'baseline-v1.schema.json');

export function renderBaselineSchema(): string {
  return `${JSON.stringify(baselineJsonSchema(), null, 2)}\n`;
}

/** Writes the tutorial default; refuses to overwrite an existing file unless `force`. */
export function initBaseline(file: string, force: boolean): void {
  if (existsSync(file) && !force) throw new Error(`${file} exists; pass --force to overwrite it with the tutorial default`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, renderDefaultBaseline());
}

export function readBaseline(file: string): Baseline {
  if (!existsSync(file)) throw new Error(`no baseline at ${file}: write the tutorial default with \`npm run baseline -- init\``);
  return parseBaseline(readFileSync(file, 'utf8'), file);
}
