/**
 * GET /api/health — the preflight (shared/preflight) as the deployed app sees its tenant: token,
 * each Graph permission, Intune subscription, expected group, profile and ESP, last sync. 200 when
 * nothing fails, 503 otherwise, with every check in the body. A function key is required: the
 * answer names the tenant's groups and profiles.
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { runPreflight } from '../shared/preflight/preflight';
import { getServices } from './composition';

export async function handleHealth(_request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const { config, graph, tokens } = getServices();
  const report = await runPreflight({ graph, token: () => tokens.getToken() }, { expected: config.settings.expected, endpoint: config.graph.endpoint });
  const failed = report.checks.filter((c) => c.status === 'fail').map((c) => c.id);
  context.log(`health: ${report.ok ? 'ready' : `not ready (${failed.join(', ')})`}`);
  return { status: report.ok ? 200 : 503, jsonBody: report };
}

app.http('health', { route: 'health', methods: ['GET'], authLevel: 'function', handler: handleHealth });
