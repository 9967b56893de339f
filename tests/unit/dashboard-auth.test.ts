import { HttpRequest } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { authModeOf, denied, rolesOf } from '../../functions/dashboard-auth';

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
});
