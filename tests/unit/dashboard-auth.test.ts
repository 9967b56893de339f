import { HttpRequest } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { authModeOf, canAct, denied, operatorAction, rolesOf, signedIn } from '../../functions/dashboard-auth';
import { InvocationContext } from '@azure/functions';

/** The header Easy Auth sends: base64 JSON of the principal (Learn, "Work with user identities in Azure App Service authentication"). */
const principal = (roles: string[], roleTyp = 'roles') =>
  Buffer.from(
    JSON.stringify({
      auth_typ: 'aad',
      name_typ: 'name',
      role_typ: roleTyp,
      claims: [{ typ: 'name', val: 'Ada' }, ...roles.map((val) => ({ typ: roleTyp, val }))],
    }),
  ).toString('base64');

const request = (header?: string) =>
  new HttpRequest({ method: 'GET', url: 'https://app.example/api/dashboard', headers: header ? { 'x-ms-client-principal': header } : {} });

describe('dashboard access', () => {
  it('is open off Azure, behind Easy Auth in Azure, and closed in Azure without it', () => {
    expect(authModeOf({})).toBe('open');
    expect(authModeOf({ WEBSITE_SITE_NAME: 'func-x', WEBSITE_AUTH_ENABLED: 'True' })).toBe('easy-auth');
    expect(authModeOf({ WEBSITE_SITE_NAME: 'func-x' })).toBe('closed');
    expect(authModeOf({ WEBSITE_SITE_NAME: 'func-x', WEBSITE_AUTH_ENABLED: 'False' })).toBe('closed');
  });

  it('reads the app roles from the principal, whichever claim type it names', () => {
    expect(rolesOf(principal(['Reader']))).toEqual(['Reader']);
    expect(rolesOf(principal(['Operator'], 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role'))).toEqual(['Operator']);
    expect(rolesOf('not base64 json')).toBeUndefined();
    expect(rolesOf(undefined)).toBeUndefined();
  });

  it('lets Reader view, Operator view and act, and no one without a role; says what is missing', () => {
    expect(denied('open', request(), 'Operator')).toBeUndefined();
    expect(denied('easy-auth', request(principal(['Reader'])), 'Reader')).toBeUndefined();
    expect(denied('easy-auth', request(principal(['Operator'])), 'Reader')).toBeUndefined();
    expect(denied('easy-auth', request(principal(['Operator'])), 'Operator')).toBeUndefined();
    expect(denied('easy-auth', request(principal(['Reader'])), 'Operator')).toMatchObject({ status: 403 });
    expect(JSON.stringify(denied('easy-auth', request(principal([])), 'Reader')?.jsonBody)).toContain('Reader app role');
    expect(denied('easy-auth', request(), 'Reader')).toMatchObject({ status: 401 });
    // A principal header sent by a client where Easy Auth is off is not trusted.
    expect(denied('closed', request(principal(['Operator'])), 'Reader')).toMatchObject({ status: 403 });
  });

  it('without a session a page redirects the browser to sign in and back; data and machine calls answer 401', async () => {
    const page = new HttpRequest({ method: 'GET', url: 'https://app.example/api/dashboard/runs/intake-1?q=a%20b' });
    expect(denied('easy-auth', page, 'Reader', { page: true })).toMatchObject({
      status: 302,
      headers: { Location: `/.auth/login/aad?post_login_redirect_uri=${encodeURIComponent('/api/dashboard/runs/intake-1?q=a%20b')}` },
    });
    expect(denied('easy-auth', page, 'Reader')).toMatchObject({ status: 401 });
    // Signed in without the role: 403 on a page too (signing in again would not help).
    expect(denied('easy-auth', request(principal([])), 'Reader', { page: true })).toMatchObject({ status: 403 });
    const machine = signedIn(
      () => 'easy-auth',
      () => ({ status: 200 }),
    );
    expect(machine(request(), new InvocationContext())).toMatchObject({ status: 401 });
    // A daemon's token (an app principal, no roles for the dashboard) passes to the function key check.
    expect(machine(request(principal([])), new InvocationContext())).toEqual({ status: 200 });
    expect(
      signedIn(
        () => 'open',
        () => ({ status: 200 }),
      )(request(), new InvocationContext()),
    ).toEqual({ status: 200 });
    expect(
      signedIn(
        () => 'closed',
        () => ({ status: 200 }),
      )(request(), new InvocationContext()),
    ).toEqual({ status: 200 });
  });

  describe('an action (approving proposals)', () => {
    const post = (headers: Record<string, string>) =>
      new HttpRequest({
        method: 'POST',
        url: 'https://app.example/api/dashboard-data/reconciliations/reconcile-1/approve',
        headers: { host: 'app.example', ...headers },
        body: { string: '{"all":true}' },
      });
    const json = { 'content-type': 'application/json' };
    const sameSite = { ...json, origin: 'https://app.example', 'sec-fetch-site': 'same-origin' };
    const run = async (mode: 'open' | 'easy-auth' | 'closed', headers: Record<string, string>) => {
      let reached = 0;
      const handler = operatorAction(
        () => mode,
        async () => {
          reached++;
          return { status: 200 };
        },
      );
      const res = await handler(post(headers), new InvocationContext());
      return { status: res.status, reached };
    };

    it('needs the Operator role: a Reader views but cannot act, and the page is told which', async () => {
      expect(await run('easy-auth', { ...sameSite, 'x-ms-client-principal': principal(['Reader']) })).toEqual({ status: 403, reached: 0 });
      expect(await run('easy-auth', sameSite)).toEqual({ status: 401, reached: 0 });
      expect(await run('closed', { ...sameSite, 'x-ms-client-principal': principal(['Operator']) })).toEqual({ status: 403, reached: 0 });
      expect(await run('easy-auth', { ...sameSite, 'x-ms-client-principal': principal(['Operator']) })).toEqual({
        status: 200,
        reached: 1,
      });
      expect(await run('open', sameSite)).toEqual({ status: 200, reached: 1 });
      expect(canAct('easy-auth', request(principal(['Reader'])))).toBe(false);
      expect(canAct('easy-auth', request(principal(['Operator'])))).toBe(true);
      expect(canAct('easy-auth', request())).toBe(false);
      expect(canAct('closed', request(principal(['Operator'])))).toBe(false);
    });

    it('is a same-site JSON POST: a form, a text/plain fetch or another site is refused before it acts', async () => {
      const operator = { 'x-ms-client-principal': principal(['Operator']) };
      expect(await run('easy-auth', { ...operator, 'content-type': 'application/x-www-form-urlencoded' })).toEqual({
        status: 415,
        reached: 0,
      });
      expect(await run('easy-auth', { ...operator, 'content-type': 'text/plain' })).toEqual({ status: 415, reached: 0 });
      expect(await run('easy-auth', { ...operator, ...json, origin: 'https://evil.example' })).toEqual({ status: 403, reached: 0 });
      expect(await run('easy-auth', { ...operator, ...json, 'sec-fetch-site': 'cross-site' })).toEqual({ status: 403, reached: 0 });
      expect(await run('easy-auth', { ...operator, 'content-type': 'application/json; charset=utf-8' })).toEqual({
        status: 200,
        reached: 1,
      });
    });
  });
});
