import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Expands a package.json `main` pattern (the worker uses globby). Supports `*`, `?` and `**` path
 * segments, which is what Functions apps use (`dist/src/functions/*.js`). Results are sorted.
 */
export function expandGlob(baseDir: string, pattern: string): string[] {
  const segments = pattern
    .replace(/^\.\//, '')
    .split('/')
    .filter((s) => s.length > 0);
  const out = new Set<string>();
  walk(baseDir, segments, out);
  return [...out].sort();
}

function toRegex(segment: string): RegExp {
  const body = segment
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '[^/]*')
    .replace(/\?/g, '[^/]');
  return new RegExp(`^${body}$`);
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function walk(dir: string, segments: string[], out: Set<string>): void {
  const [head, ...rest] = segments;
  if (head === undefined) {
    if (isFile(dir)) out.add(dir);
    return;
  }
  if (head === '**') {
    walk(dir, rest, out);
    for (const entry of safeReaddir(dir)) {
      if (entry === 'node_modules' || entry.startsWith('.')) continue;
      const child = join(dir, entry);
      if (isDir(child)) walk(child, segments, out);
    }
    return;
  }
  if (!/[*?]/.test(head)) {
    walk(join(dir, head), rest, out);
    return;
  }
  const re = toRegex(head);
  for (const entry of safeReaddir(dir)) if (re.test(entry)) walk(join(dir, entry), rest, out);
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
