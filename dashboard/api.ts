/** The dashboard's data routes (functions/http-dashboard-data.ts), fetched same-origin. */
export const API = '/api/';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function getJson<T>(path: string, query: Record<string, string | number | undefined> = {}): Promise<T> {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') params.set(k, String(v));
  const qs = params.toString();
  const res = await fetch(`${API}${path}${qs ? `?${qs}` : ''}`, { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
  // The session ended while the page was open (data routes answer 401, never a login page): sign in again, back to this page.
  if (res.status === 401)
    location.assign(`/.auth/login/aad?post_login_redirect_uri=${encodeURIComponent(location.pathname + location.search)}`);
  if (!res.ok) {
    const body = (await res.json().catch(() => ({}))) as { error?: string };
    throw new ApiError(res.status, body.error ?? `${res.status} ${res.statusText}`);
  }
  return (await res.json()) as T;
}

/** An action: a same-origin POST with a JSON body (the server refuses any other kind: functions/dashboard-auth.ts). */
export async function postJson<T>(path: string, body: unknown): Promise<T> {
  const res = await fetch(`${API}${path}`, {
    method: 'POST',
    headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
    credentials: 'same-origin',
    body: JSON.stringify(body),
  });
  if (!res.ok) {
    const answer = (await res.json().catch(() => ({}))) as { error?: string };
    throw new ApiError(res.status, answer.error ?? `${res.status} ${res.statusText}`);
  }
  return (await res.json()) as T;
}
