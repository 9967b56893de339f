/**
 * POSTs a notification, one attempt: the target checked by the SSRF guard first (literal address
 * or every DNS answer) and again inside the connection's own lookup, https only outside the local
 * stack, a timeout on connecting, on the answer's headers and on its body, redirects never followed
 * (a 3xx comes back as the answer), and at most 4 KB of the answer read. Through undici, the HTTP
 * client under Node's fetch, because only its dispatcher takes a connection-level lookup.
 */
import { Agent, request } from 'undici';
import { checkTarget, guardedLookup, isLoopbackHost, systemResolver, type Resolver } from './address-guard';
// Why no answer came; its own module, so deliver.ts names it without loading undici.
import { SendError } from './send-error';

export { SendError };

export interface PostAnswer {
  status: number;
  /** The start of the answer's body (at most 4 KB), not redacted yet. */
  body: string;
}

export interface HttpPoster {
  post(url: string, body: string, headers: Record<string, string>): Promise<PostAnswer>;
}

const MAX_ANSWER_BYTES = 4096;
const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);

export function createHttpPoster(options: { allowLoopback: boolean; timeoutMs: number; resolve?: Resolver }): HttpPoster {
  const { allowLoopback, timeoutMs } = options;
  const resolve = options.resolve ?? systemResolver;
  const agent = new Agent({
    connect: { lookup: guardedLookup(allowLoopback, resolve), timeout: timeoutMs },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
  return {
    async post(url, body, headers) {
      const target = new URL(url);
      if (target.protocol !== 'https:' && !(allowLoopback && target.protocol === 'http:' && isLoopbackHost(target.hostname)))
        throw new SendError('refused', 'refused: only https targets');
      const verdict = await checkTarget(target, allowLoopback, resolve);
      if (!verdict.ok) throw new SendError('refused', `refused: the target is ${verdict.reason}`);
      try {
        const res = await request(target, {
          method: 'POST',
          body,
          headers,
          dispatcher: agent,
          signal: AbortSignal.timeout(timeoutMs * 2),
        });
        let text = '';
        let bytes = 0;
        for await (const chunk of res.body as AsyncIterable<Buffer>) {
          if (bytes < MAX_ANSWER_BYTES) text += chunk.subarray(0, MAX_ANSWER_BYTES - bytes).toString('utf8');
          bytes += chunk.length;
          if (bytes >= MAX_ANSWER_BYTES) {
            res.body.destroy();
            break;
          }
        }
        return { status: res.statusCode, body: text };
      } catch (error) {
        throw classify(error);
      }
    },
  };
}

/** A transport failure in words that name no host, address or URL: only its code. */
function classify(error: unknown): SendError {
  const e = error as { code?: string; name?: string; cause?: { code?: string } };
  const code = e.code ?? e.cause?.code;
  if (code === 'ESSRFREFUSED') return new SendError('refused', (error as Error).message);
  if (e.name === 'TimeoutError' || e.name === 'AbortError' || (code && TIMEOUT_CODES.has(code)))
    return new SendError('timeout', `no answer in time (${code ?? e.name})`);
  return new SendError('network', `network error (${code ?? e.name ?? 'unknown'})`);
}
