/**
 * Who may see the dashboard. In Azure, App Service Authentication (Easy Auth) signs people in with
 * Entra ID before a request reaches the app and passes the signed-in principal in the
 * `x-ms-client-principal` header (base64 JSON: claims, and `role_typ` naming the role claim). "External
 * requests aren't allowed to set these headers" while authentication is on (Learn, "Work with user
 * identities in Azure App Service authentication"), so the header is trusted only then — which App
 * Service reports as WEBSITE_AUTH_ENABLED=True (the variable Microsoft.Identity.Web's
 * AppServicesAuthenticationInformation reads; Azure/data-api-builder#596, PR#1011). The app roles
 * (infra/dashboard-app-roles.json): Reader views; Operator also acts (and can view). Off Azure (the
 * local stack) the dashboard is open.
 */
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { z } from 'zod';

export type DashboardRole = 'Reader' | 'Operator';
export type AuthMode = 'open' | 'easy-auth' | 'closed';

/** WEBSITE_SITE_NAME is set on every App Service / Functions site; WEBSITE_AUTH_ENABLED when authentication is on. */
export function authModeOf(env: Record<string, string | undefined>): AuthMode {
  if (!env.WEBSITE_SITE_NAME) return 'open';
  return env.WEBSITE_AUTH_ENABLED?.toLowerCase() === 'true' ? 'easy-auth' : 'closed';
}

const ClientPrincipal = z.object({
  auth_typ: z.string().optional(),
  role_typ: z.string().optional(),
  claims: z.array(z.object({ typ: z.string(), val: z.string() })).default([]),
});

const ROLE_CLAIMS = ['roles', 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role'];

/** The app roles in the principal header; undefined when there is no (readable) principal. */
export function rolesOf(header: string | null | undefined): string[] | undefined {
  if (!header) return undefined;
  try {
    const principal = ClientPrincipal.parse(JSON.parse(Buffer.from(header, 'base64').toString('utf8')));
    const types = new Set([...ROLE_CLAIMS, ...(principal.role_typ ? [principal.role_typ] : [])]);
    return principal.claims.filter((c) => types.has(c.typ)).map((c) => c.val);
  } catch {
    return undefined;
  }
}

/** Operator includes Reader. */
export function allows(roles: readonly string[], needed: DashboardRole): boolean {
  return roles.includes('Operator') || (needed === 'Reader' && roles.includes('Reader'));
}

/** Where App Service authentication signs a browser in and then sends it back to `request`'s page. */
export function signInLocation(request: HttpRequest): string {
  const url = new URL(request.url);
  return `/.auth/login/aad?post_login_redirect_uri=${encodeURIComponent(url.pathname + url.search)}`;
}

/**
 * The answer for a request that may not go on, or undefined when it may. Without a signed-in
 * principal a page (`page: true`) sends the browser to sign in; data and actions answer 401, which a
 * script or a machine can act on (a redirect to a login page is neither). App Service has one
 * unauthenticated action for the whole site, so with DASHBOARD_SIGN_IN it lets such requests through
 * (AllowAnonymous, infra/modules/function-app.bicep) and this decides per route.
 */
export function denied(
  mode: AuthMode,
  request: HttpRequest,
  needed: DashboardRole,
  options: { page?: boolean } = {},
): HttpResponseInit | undefined {
  if (mode === 'open') return undefined;
  const headers = { 'Cache-Control': 'no-store' };
  if (mode === 'closed')
    return {
      status: 403,
      headers,
      jsonBody: { error: 'The dashboard needs App Service Authentication with Entra ID on this app (docs/DEPLOY.md, "The dashboard").' },
    };
  const roles = rolesOf(request.headers.get('x-ms-client-principal'));
  if (!roles && options.page) return { status: 302, headers: { ...headers, Location: signInLocation(request) } };
  if (!roles) return { status: 401, headers, jsonBody: { error: 'Sign in first: /.auth/login/aad' } };
  if (!allows(roles, needed))
    return {
      status: 403,
      headers,
      jsonBody: { error: `You need the ${needed} app role on the autopilot-intake app registration (ask an admin to assign it).` },
    };
  return undefined;
}

type Handler = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;

/**
 * An action's request must come from the dashboard's own page. The session is a cookie (Easy Auth's),
 * so another site could make a signed-in browser send a request: a form or a "simple" fetch can only
 * send text/plain, form or multipart bodies, so requiring application/json forces a CORS preflight,
 * which this app never grants; and a browser that names where the request comes from (Sec-Fetch-Site,
 * Origin) must name this site.
 */
export function crossSite(request: HttpRequest): HttpResponseInit | undefined {
  const headers = { 'Cache-Control': 'no-store' };
  const type = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json')
    return { status: 415, headers, jsonBody: { error: 'An action is a POST with a JSON body (Content-Type: application/json).' } };
  const site = request.headers.get('sec-fetch-site');
  const origin = request.headers.get('origin');
  const host = request.headers.get('x-forwarded-host') ?? request.headers.get('host') ?? new URL(request.url).host;
  let originHost: string | undefined;
  try {
    originHost = origin ? new URL(origin).host : undefined;
  } catch {
    originHost = '(unreadable)';
  }
  if ((site && site !== 'same-origin') || (origin && originHost !== host))
    return { status: 403, headers, jsonBody: { error: "Actions are taken from the dashboard's own pages only." } };
  return undefined;
}

/** Whether this request's caller may act (Operator), for the page to offer the action or not. */
export function canAct(mode: AuthMode, request: HttpRequest): boolean {
  if (mode === 'open') return true;
  if (mode === 'closed') return false;
  const roles = rolesOf(request.headers.get('x-ms-client-principal'));
  return roles !== undefined && allows(roles, 'Operator');
}

/** An action: the Operator role (Reader views only), then a same-site JSON request. */
export function operatorAction(mode: () => AuthMode, handler: Handler): Handler {
  return async (request, context) => denied(mode(), request, 'Operator') ?? crossSite(request) ?? handler(request, context);
}

export function guarded(mode: () => AuthMode, needed: DashboardRole, handler: Handler, options: { page?: boolean } = {}): Handler {
  return async (request, context) => denied(mode(), request, needed, options) ?? handler(request, context);
}

/**
 * The machine API (function keys) behind App Service authentication: a caller with no token is
 * refused with 401 here too, since with DASHBOARD_SIGN_IN the platform lets unauthenticated requests
 * through to the app. App Service passes the claims of every validated token, "whether from an
 * authenticated end user or a client application", in x-ms-client-principal (Learn, "Work with user
 * identities in Azure App Service authentication"), so a daemon's bearer token passes as before.
 */
export function signedIn<R>(mode: () => AuthMode, handler: (request: HttpRequest, context: InvocationContext) => R) {
  return (request: HttpRequest, context: InvocationContext): R | HttpResponseInit => {
    if (mode() !== 'easy-auth' || request.headers.get('x-ms-client-principal')) return handler(request, context);
    return {
      status: 401,
      headers: { 'Cache-Control': 'no-store', 'WWW-Authenticate': 'Bearer' },
      jsonBody: { error: 'A bearer token for this app is required (docs/DEPLOY.md, "Entra ID in front").' },
    };
  };
}
