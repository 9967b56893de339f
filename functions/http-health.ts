/**
 * GET /api/health — the preflight (shared/preflight) as the deployed app sees its tenant: token,
 * each Graph permission, Intune subscription, expected group, profile and ESP, last sync. 200 when
 * nothing fails, 503 otherwise, with every check in the body. A function key is required: the
 * answer names the tenant's groups and profiles.
 */
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { runPreflight, type PreflightDeps, type PreflightInput } from '../shared/preflight/preflight';

export function healthHandler(deps: PreflightDeps & PreflightInput) {
  return async (_request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const report = await runPreflight(deps, deps);
    const failed = report.checks.filter((c) => c.status === 'fail').map((c) => c.id);
    context.log(`health: ${report.ok ? 'ready' : `not ready (${failed.join(', ')})`}`);
    return { status: report.ok ? 200 : 503, jsonBody: report };
  };
}
