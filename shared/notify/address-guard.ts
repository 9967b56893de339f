/**
 * The SSRF guard: a notification goes only to a public unicast address. Every address a host name
 * resolves to is checked (one private answer refuses the target), IPv4-mapped IPv6 is judged as
 * the IPv4 address it carries, and the check runs again inside the connection's own DNS lookup, so
 * the address connected to is one that passed (no second resolution to rebind). Loopback is allowed
 * only when the local stack says so (NOTIFY_ALLOW_LOOPBACK), for its local receiver.
 *
 * Refused: loopback, private (RFC 1918), carrier-grade NAT, link-local (169.254/16: instance
 * metadata), unique-local and site-local IPv6, multicast, broadcast, unspecified, reserved and
 * documentation ranges, IPv6 transition prefixes that embed an IPv4 address (6to4, Teredo, NAT64),
 * and Azure's platform address 168.63.129.16 (public, but the host's wire server and DNS).
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/** Public addresses that are still the platform's, never a webhook's. */
const PLATFORM_ADDRESSES = new Set(['168.63.129.16']);

export type Verdict = { ok: true } | { ok: false; reason: string };

/** The range of an address, IPv4-mapped IPv6 judged as its IPv4 address; undefined if not an address. */
export function rangeOf(address: string): { range: string; normalized: string } | undefined {
  const bare = address.replace(/^\[|\]$/g, '');
  if (!ipaddr.isValid(bare)) return undefined;
  let parsed = ipaddr.parse(bare);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  return { range: parsed.range(), normalized: parsed.toString() };
}

export function checkAddress(address: string, allowLoopback: boolean): Verdict {
  const r = rangeOf(address);
  if (!r) return { ok: false, reason: 'not an IP address' };
  if (PLATFORM_ADDRESSES.has(r.normalized)) return { ok: false, reason: 'a platform address (168.63.129.16)' };
  if (r.range === 'unicast') return { ok: true };
  if (r.range === 'loopback' && allowLoopback) return { ok: true };
  return { ok: false, reason: `a ${r.range} address` };
}

/** localhost names and loopback literals (config-time check; DNS answers are checked by checkAddress). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  return rangeOf(host)?.range === 'loopback';
}

export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

export const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) =>
    dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))),
  );

/** Checks a target before any connection: its literal address, or every address its name resolves to. */
export async function checkTarget(url: URL, allowLoopback: boolean, resolve: Resolver = systemResolver): Promise<Verdict> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) return checkAddress(host, allowLoopback);
  if (isLoopbackHost(host) && !allowLoopback) return { ok: false, reason: 'a loopback name' };
  let addresses: LookupAddress[];
  try {
    addresses = await resolve(host);
  } catch (error) {
    return { ok: false, reason: `its name did not resolve (${(error as NodeJS.ErrnoException).code ?? 'DNS error'})` };
  }
  if (addresses.length === 0) return { ok: false, reason: 'its name resolved to no address' };
  for (const a of addresses) {
    const verdict = checkAddress(a.address, allowLoopback);
    if (!verdict.ok) return { ok: false, reason: `its name resolves to ${verdict.reason}` };
  }
  return { ok: true };
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for the connection itself (net/tls connect): resolves, refuses if any answer is not
 * allowed, and hands the connection only checked addresses.
 */
export function guardedLookup(allowLoopback: boolean, resolve: Resolver = systemResolver) {
  return (hostname: string, options: { all?: boolean }, callback: LookupCallback): void => {
    resolve(hostname).then(
      (addresses) => {
        const refused = addresses.map((a) => checkAddress(a.address, allowLoopback)).find((v) => !v.ok);
        if (refused || addresses.length === 0) {
          const error: NodeJS.ErrnoException = new Error(
            `refused: the target resolves to ${refused && !refused.ok ? refused.reason : 'no address'}`,
          );
          error.code = 'ESSRFREFUSED';
          callback(error, '');
          return;
        }
        if (options.all) callback(null, addresses);
        else callback(null, addresses[0]!.address, addresses[0]!.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, ''),
    );
  };
}
