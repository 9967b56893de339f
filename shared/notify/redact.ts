/**
 * What may be shown of a receiver's answer or a failure: a short excerpt with every credential of
 * every configured channel (URLs, their queries, secrets) and any `sig=`/`code=`/`token=` value replaced.
 * Answers go to the run's status, output and logs, which are not credential stores.
 */
const MAX_ANSWER = 200;

export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const s of secrets) {
    if (!s || s.length < 4) continue;
    out = out.split(s).join('[redacted]');
  }
  out = out.replace(/\b((?:sig|code|token|key|secret|password)=)[^&\s"']+/gi, '$1[redacted]');
  out = out.replace(/\s+/g, ' ').trim();
  return out.length > MAX_ANSWER ? `${out.slice(0, MAX_ANSWER - 1)}…` : out;
}

/** The credentials a channel's answers must never show: the URL, its query and path, the secret. */
export function channelSecrets(channel: { url: string; secret?: string }): string[] {
  const out = [channel.url, channel.secret];
  try {
    const u = new URL(channel.url);
    out.push(u.search.slice(1), u.pathname.length > 8 ? u.pathname : undefined, u.href);
  } catch {
    // not a URL: the raw value is already listed
  }
  return out.filter((s): s is string => Boolean(s));
}
