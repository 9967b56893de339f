/**
 * The generic webhook's signature: `X-Autopilot-Intake-Signature: sha256=<hex HMAC-SHA256(secret,
 * timestamp + "." + body)>` with the timestamp (Unix seconds) in `X-Autopilot-Intake-Timestamp`.
 * Signing the timestamp with the body lets a receiver refuse a replay outside its tolerance; the
 * same scheme as Stripe's and Autopilot Monitor's, so receivers know it.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const HEADERS = {
  signature: 'x-autopilot-intake-signature',
  timestamp: 'x-autopilot-intake-timestamp',
  event: 'x-autopilot-intake-event',
  idempotencyKey: 'idempotency-key',
  attempt: 'x-autopilot-intake-attempt',
} as const;

/** Seconds a receiver accepts between the timestamp and its clock (the local receiver uses it). */
export const DEFAULT_TOLERANCE_SECONDS = 300;

export function sign(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** A receiver's check: the signature matches and the timestamp is within the tolerance. */
export function verify(
  secret: string,
  headers: { signature: string | undefined; timestamp: string | undefined },
  body: string,
  nowSeconds: number,
  toleranceSeconds = DEFAULT_TOLERANCE_SECONDS,
): { ok: true } | { ok: false; reason: string } {
  if (!headers.signature || !headers.timestamp) return { ok: false, reason: 'signature or timestamp header missing' };
  const ts = Number(headers.timestamp);
  if (!/^\d+$/.test(headers.timestamp) || !Number.isSafeInteger(ts)) return { ok: false, reason: 'timestamp is not Unix seconds' };
  if (Math.abs(nowSeconds - ts) > toleranceSeconds) return { ok: false, reason: 'timestamp outside the tolerance (a replay?)' };
  const expected = Buffer.from(sign(secret, ts, body));
  const given = Buffer.from(headers.signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'signature does not match' };
  return { ok: true };
}
