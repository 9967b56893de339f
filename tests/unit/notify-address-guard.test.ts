import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkAddress, checkTarget, guardedLookup, type Resolver } from '../../shared/notify/address-guard';
import { createHttpPoster, SendError } from '../../shared/notify/http-poster';

const answers =
  (...addresses: string[]): Resolver =>
  async () =>
    addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

describe('SSRF guard: addresses', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback (IPv4-mapped)'],
    ['::ffff:7f00:1', 'loopback (IPv4-mapped, hex)'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.0.10', 'private'],
    ['::ffff:192.168.0.10', 'private (IPv4-mapped)'],
    ['169.254.169.254', 'link-local: instance metadata'],
    ['::ffff:169.254.169.254', 'metadata (IPv4-mapped)'],
    ['168.63.129.16', "Azure's platform address"],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'this network'],
    ['::', 'unspecified'],
    ['fe80::1', 'IPv6 link-local'],
    ['fc00::1', 'IPv6 unique local'],
    ['fd00:ec2::254', 'IPv6 unique local (a cloud metadata address)'],
    ['fec0::1', 'IPv6 site-local'],
    ['2002:7f00:1::', '6to4 carrying 127.0.0.1'],
    ['2001::1', 'Teredo'],
    ['64:ff9b::a00:1', 'NAT64 carrying 10.0.0.1'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'IPv6 multicast'],
    ['255.255.255.255', 'broadcast'],
    ['192.0.2.10', 'documentation'],
    ['2001:db8::1', 'IPv6 documentation'],
    ['198.18.0.1', 'benchmarking'],
    ['not-an-ip', 'not an address'],
  ])('refuses %s (%s)', (address) => {
    expect(checkAddress(address, false).ok).toBe(false);
  });

  it.each(['20.50.2.1', '52.239.0.1', '2606:4700::1111', '::ffff:20.50.2.1'])('allows the public address %s', (address) => {
    expect(checkAddress(address, false)).toEqual({ ok: true });
  });

  it('allows loopback only when the local stack says so, and still nothing private', () => {
    expect(checkAddress('127.0.0.1', true)).toEqual({ ok: true });
    expect(checkAddress('::1', true)).toEqual({ ok: true });
    expect(checkAddress('10.0.0.1', true).ok).toBe(false);
    expect(checkAddress('169.254.169.254', true).ok).toBe(false);
  });
});

describe('SSRF guard: targets', () => {
  it.each([
    ['https://2130706433/', 'decimal IPv4'],
    ['https://0x7f.0.0.1/', 'hex IPv4'],
    ['https://017700000001/', 'octal IPv4'],
    ['https://127.1/', 'short IPv4'],
    ['https://[::ffff:127.0.0.1]/', 'IPv4-mapped IPv6 literal'],
    ['https://[::1]:8443/', 'IPv6 loopback literal'],
    ['https://169.254.169.254/metadata/instance', 'metadata literal'],
    ['https://0/', 'zero'],
    ['https://localhost/', 'localhost'],
    ['https://app.localhost/', 'a .localhost name'],
  ])('refuses %s (%s) without resolving anything', async (url) => {
    const verdict = await checkTarget(new URL(url), false, () => Promise.reject(new Error('must not resolve')));
    expect(verdict.ok).toBe(false);
  });

  it('checks every address a name resolves to: one private answer among public ones refuses the target', async () => {
    const url = new URL('https://hooks.example.com/x');
    expect(await checkTarget(url, false, answers('20.50.2.1', '2606:4700::1111'))).toEqual({ ok: true });
    expect(await checkTarget(url, false, answers('20.50.2.1', '10.0.0.7'))).toEqual({
      ok: false,
      reason: 'its name resolves to a private address',
    });
    expect((await checkTarget(url, false, answers('::ffff:169.254.169.254'))).ok).toBe(false);
    expect((await checkTarget(url, false, answers())).ok).toBe(false);
    const nx = await checkTarget(url, false, () => Promise.reject(Object.assign(new Error('x'), { code: 'ENOTFOUND' })));
    expect(nx).toEqual({ ok: false, reason: 'its name did not resolve (ENOTFOUND)' });
  });

  it("the connection's own lookup refuses a private answer (a name that re-resolves differently cannot slip through)", async () => {
    const lookup = guardedLookup(false, answers('20.50.2.1', '127.0.0.1'));
    const error = await new Promise<NodeJS.ErrnoException | null>((resolve) => lookup('rebind.example', { all: true }, (e) => resolve(e)));
    expect(error?.code).toBe('ESSRFREFUSED');
    const ok = await new Promise<unknown>((resolve) =>
      guardedLookup(false, answers('20.50.2.1'))('x', {}, (_e, address, family) => resolve([address, family])),
    );
    expect(ok).toEqual(['20.50.2.1', 4]);
  });
});

describe('the poster', () => {
  let server: Server;
  let port = 0;
  const seen: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(req.url ?? '');
      req.resume();
      req.on('end', () => {
        if (req.url === '/redirect') res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
        else if (req.url === '/slow') setTimeout(() => res.writeHead(200).end('late'), 3_000);
        else if (req.url === '/big') res.writeHead(500).end('e'.repeat(100_000));
        else res.writeHead(202).end('accepted');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const local = createHttpPoster({ allowLoopback: true, timeoutMs: 1_000 });

  it('posts to the local receiver when loopback is allowed', async () => {
    expect(await local.post(`http://127.0.0.1:${port}/ok`, '{}', { 'content-type': 'application/json' })).toEqual({
      status: 202,
      body: 'accepted',
    });
  });

  it('does not follow a redirect: the 3xx is the answer', async () => {
    const before = seen.length;
    expect((await local.post(`http://127.0.0.1:${port}/redirect`, '{}', {})).status).toBe(302);
    expect(seen.slice(before)).toEqual(['/redirect']);
  });

  it('times out a receiver that does not answer', async () => {
    await expect(local.post(`http://127.0.0.1:${port}/slow`, '{}', {})).rejects.toMatchObject({ kind: 'timeout' });
  });

  it('reads at most 4 KB of an answer', async () => {
    const res = await local.post(`http://127.0.0.1:${port}/big`, '{}', {});
    expect(res.status).toBe(500);
    expect(res.body.length).toBe(4096);
  });

  it('outside the local stack: refuses http, loopback and a name resolving to loopback before connecting', async () => {
    const azure = createHttpPoster({ allowLoopback: false, timeoutMs: 1_000, resolve: answers('127.0.0.1') });
    const before = seen.length;
    for (const url of [
      `http://127.0.0.1:${port}/ok`,
      `https://127.0.0.1:${port}/ok`,
      `https://2130706433:${port}/ok`,
      `https://hooks.example.com:${port}/ok`,
    ]) {
      const error = await azure.post(url, '{}', {}).catch((e: unknown) => e);
      expect(error, url).toBeInstanceOf(SendError);
      expect((error as SendError).kind).toBe('refused');
      expect((error as SendError).message).not.toContain(String(port));
    }
    expect(seen.slice(before)).toEqual([]);
  });

  it("a name that passes the first check but resolves to loopback when connecting is refused by the connection's lookup", async () => {
    let calls = 0;
    const rebinding: Resolver = async () => [{ address: calls++ === 0 ? '20.50.2.1' : '127.0.0.1', family: 4 }];
    const poster = createHttpPoster({ allowLoopback: false, timeoutMs: 1_000, resolve: rebinding });
    const before = seen.length;
    const error = await poster.post(`https://rebind.example:${port}/ok`, '{}', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SendError);
    expect((error as SendError).kind).toBe('refused');
    expect(calls).toBe(2);
    expect(seen.slice(before)).toEqual([]);
  });
});
