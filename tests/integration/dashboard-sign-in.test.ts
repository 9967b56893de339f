/**
 * The built app as App Service runs it behind App Service authentication with DASHBOARD_SIGN_IN
 * (AllowAnonymous at the platform, infra/modules/function-app.bicep): the app itself answers per
 * route. The local host plays App Service's side by the two settings App Service sets
 * (WEBSITE_SITE_NAME, WEBSITE_AUTH_ENABLED) and by the principal header App Service injects.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withStack } from './support';

type Stack = Awaited<ReturnType<typeof withStack>>;

const principal = (roles: string[]) =>
  Buffer.from(JSON.stringify({ auth_typ: 'aad', role_typ: 'roles', claims: roles.map((val) => ({ typ: 'roles', val })) })).toString(
    'base64',
  );

describe('behind App Service authentication: pages redirect to sign in, data and machine calls answer 401', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await withStack({ appSettings: { WEBSITE_SITE_NAME: 'func-test', WEBSITE_AUTH_ENABLED: 'True' } });
  }, 120_000);
  afterAll(async () => stack?.dispose());

  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${stack.hostUrl}${path}`, { redirect: 'manual', headers: { Accept: 'application/json', ...headers } });

  it('a page without a session sends the browser to sign in and back to that page', async () => {
    const res = await get('/api/dashboard/runs/intake-00000000000000000000000000000001?q=x', { Accept: 'text/html' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(
      `/.auth/login/aad?post_login_redirect_uri=${encodeURIComponent('/api/dashboard/runs/intake-00000000000000000000000000000001?q=x')}`,
    );
  });

  it('data routes and the machine API answer 401 to a call without a token, never a redirect', async () => {
    for (const path of ['/api/dashboard-data/runs', '/api/runs', '/api/reconcile/reconcile-1']) {
      const res = await get(path);
      expect([path, res.status]).toEqual([path, 401]);
    }
  });

  it('a Reader views; only an Operator acts, with a same-site JSON request', async () => {
    expect((await get('/api/dashboard-data/runs', { 'x-ms-client-principal': principal(['Reader']) })).status).toBe(200);
    const approve = (roles: string[], contentType: string) =>
      fetch(`${stack.hostUrl}/api/dashboard-data/reconciliations/reconcile-1/approve`, {
        method: 'POST',
        headers: { 'Content-Type': contentType, 'x-ms-client-principal': principal(roles) },
        body: '{"all":true}',
      });
    expect((await approve(['Reader'], 'application/json')).status).toBe(403);
    expect((await approve(['Operator'], 'text/plain')).status).toBe(415);
    // Past both checks: the approve handler itself answers (no such reconciliation).
    expect((await approve(['Operator'], 'application/json')).status).toBe(404);
  });
});
