/**
 * Reads the Bicep CLI's diagnostics (its default one-line format, which `bicep build` and
 * `bicep lint` both print) into records, and decides what fails the build.
 *
 *   /abs/path/infra/main.bicep(154,46) : Warning BCP318: The value of type ... [https://aka.ms/...]
 */
import { isAbsolute, relative } from 'node:path';
import { REPO_ROOT } from './bicep-ast';
import type { Diagnostic } from './bicep-build-layout';

const LINE = /^(.+?)\((\d+),(\d+)\) : (Error|Warning|Info) ([\w-]+): (.*)$/;

export function parseDiagnostics(output: string, repoRoot: string = REPO_ROOT): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const raw of output.split('\n')) {
    const m = LINE.exec(raw.trim());
    if (!m) continue;
    const [, file = '', line = '0', column = '0', level, code = '', message = ''] = m;
    out.push({
      file: isAbsolute(file) ? relative(repoRoot, file) : file,
      line: Number(line),
      column: Number(column),
      level: level as Diagnostic['level'],
      code,
      message: message.replace(/\s*\[https:\/\/aka\.ms\/[^\]]+\]$/, ''),
    });
  }
  return out;
}

/** `build` repeats the linter's findings and the main file repeats its modules' errors: keep one of each. */
export function dedupe(diagnostics: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diagnostics.filter((d) => {
    const key = `${d.file}:${d.line}:${d.column}:${d.code}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Errors fail the build, and so do warnings: the tree is kept warning-free, so a new warning is a
 * finding to fix or to turn off in bicepconfig.json with a reason, never noise to scroll past.
 * (The security rules are `error` in bicepconfig.json itself, so `azd provision` refuses them too.)
 */
export function failing(diagnostics: Diagnostic[]): Diagnostic[] {
  return diagnostics.filter((d) => d.level !== 'Info');
}

export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.column} ${d.level} ${d.code}: ${d.message}`;
}
