/**
 * A Graph failure worth retrying later (network, 5xx, throttling the client's own retries did not
 * absorb). Activities let it propagate so the orchestration's retry policy applies; permanent
 * outcomes (404, 400, an import error code) are returned as values instead.
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

/** A response that does not match the schema we rely on: the service changed or the request is wrong. */
export class GraphContractError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GraphContractError';
  }
}

/** 501 (not implemented) and 505 will not change on a retry; every other 5xx, 408 and 429 may. */
export function isTransientStatus(status: number): boolean {
  return status === 429 || status === 408 || (status >= 500 && status !== 501 && status !== 505);
}

export function parseRetryAfter(value: string | null | undefined): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}
