/**
 * The Azurite launcher (local/azurite.ts) reports started only when its own child says each service
 * listens, on the port the child bound: never on a port another process answers.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseListeningLine, startAzurite } from '../../local/azurite';
import { holdLoopbackPort, type HeldPort } from '../support/loopback';
import { isAlive } from '../support/processes';

let held: HeldPort[] = [];
afterEach(async () => {
  await Promise.all(held.map((h) => h.close()));
  held = [];
});

describe('starting Azurite', () => {
  it('binds free ports itself, is what answers on them, and is gone after stop()', async () => {
    const azurite = await startAzurite();
    try {
      expect(isAlive(azurite.pid)).toBe(true);
      for (const [port, server] of [
        [azurite.blobPort, 'Azurite-Blob'],
        [azurite.queuePort, 'Azurite-Queue'],
        [azurite.tablePort, 'Azurite-Table'],
      ] as const) {
        const res = await fetch(`http://127.0.0.1:${port}/devstoreaccount1?comp=properties&restype=service`);
        expect(res.headers.get('server') ?? '').toMatch(new RegExp(`^${server}/`));
      }
    } finally {
      await azurite.stop();
    }
    expect(isAlive(azurite.pid)).toBe(false);
  });

  it("fails when another process holds its ports, instead of handing out that process's endpoints", async () => {
    held = await Promise.all([holdLoopbackPort(), holdLoopbackPort(), holdLoopbackPort()]);
    const [blob, queue, table] = held.map((h) => h.port) as [number, number, number];
    await expect(startAzurite({ ports: { blob, queue, table } })).rejects.toThrow(/exited .*during start-up[\s\S]*EADDRINUSE/);
  });

  it('reads only the line a service prints once it is bound', () => {
    expect(parseListeningLine('Azurite Queue service is successfully listening at http://127.0.0.1:41234')).toEqual({
      service: 'queue',
      port: 41234,
    });
    expect(parseListeningLine('Azurite Blob service is starting at http://127.0.0.1:0')).toBeUndefined();
  });
});
