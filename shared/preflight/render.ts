/** The preflight report as an admin reads it in a terminal: one line per check, the fix under a failure. */
import type { CheckStatus, PreflightReport } from './preflight';

const MARK: Record<CheckStatus, string> = { ok: '✔', warn: '!', fail: '✘', skip: '-' };

export function renderPreflight(report: PreflightReport): string {
  const lines: string[] = [];
  for (const check of report.checks) {
    lines.push(`${MARK[check.status]} ${check.title}`);
    if (check.detail) lines.push(`    ${check.detail}`);
    if (check.fix && check.status !== 'ok') lines.push(`    fix: ${check.fix}`);
  }
  const failed = report.checks.filter((c) => c.status === 'fail').length;
  const warned = report.checks.filter((c) => c.status === 'warn').length;
  lines.push(
    '',
    failed === 0
      ? `Ready: no problem found${warned ? ` (${warned} warning${warned > 1 ? 's' : ''})` : ''}.`
      : `Not ready: ${failed} problem${failed > 1 ? 's' : ''} to fix before the first drop.`,
  );
  return `${lines.join('\n')}\n`;
}
