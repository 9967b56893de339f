/**
 * Every Graph failure falls in one of three classes, and each class is acted on differently:
 * - transient (network, 5xx, 408, 429 the client's own retries did not absorb): thrown as
 *   GraphTransientError so the activity's retry policy and the orchestration's polling apply;
 * - permanent (401/403 — the app's identity or grant is wrong; a contract break — a 400 to a request
 *   we built, or an answer that does not match the schema we rely on): thrown as a
 *   GraphPermanentError, which the activity turns into a typed "stop" result so the run reports it
 *   at once, naming the operation and the fix, instead of retrying until its deadlines;
 * - per-item answers (404, an import error code, 409/429 the caller accepts): values, decided by
 *   the caller.
 */
export class GraphTransientError extends Error {
  constructor(
    message: string,
    public readonly status: number,
    public readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'GraphTransientError';
  }
}

export type PermanentKind = 'permission' | 'auth' | 'contract';

/** What a run that met a permanent failure reports: what failed, and what to do about it. */
export interface PermanentFailure {
  kind: PermanentKind;
  /** The catalog operation (e.g. `listGroupDeviceMembers`), or what was being read. */
  operation: string;
  status?: number;
  code?: string;
  message: string;
  fix: string;
}

export class GraphPermanentError extends Error {
  constructor(public readonly failure: PermanentFailure) {
    super(`${failure.operation}: ${failure.message}`);
    this.name = 'GraphPermanentError';
  }
}

/** 401 (the token) or 403 (the grant): retrying cannot help until an administrator acts. */
export class GraphPermissionError extends GraphPermanentError {
  constructor(failure: PermanentFailure & { kind: 'permission' | 'auth' }) {
    super(failure);
    this.name = 'GraphPermissionError';
  }
}

/** A response that does not match the schema we rely on, or a request the service calls malformed. */
export class GraphContractError extends GraphPermanentError {
  constructor(message: string, detail: { operation?: string; status?: number; code?: string } = {}) {
    super({
      kind: 'contract',
      operation: detail.operation ?? 'Microsoft Graph',
      ...(detail.status !== undefined ? { status: detail.status } : {}),
      ...(detail.code !== undefined ? { code: detail.code } : {}),
      message,
      fix: 'The service answered in a way this version of the app does not understand (or refused a request it built). Retrying will not help: report it with the run id and the app version.',
    });
    this.name = 'GraphContractError';
  }
}

/** 501 (not implemented) and 505 will not change on a retry; every other 5xx, 408 and 429 may. */
export function isTransientStatus(status: number): boolean {
  return status === 429 || status === 408 || (status >= 500 && status !== 501 && status !== 505);
}

export function isPermissionStatus(status: number): boolean {
  return status === 401 || status === 403;
}

/**
 * Seconds to wait, from a Retry-After header in either of its forms (delta-seconds or an HTTP-date,
 * RFC 9110 §10.2.3). `now` is a parameter so tests control the clock.
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}
