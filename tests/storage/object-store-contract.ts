/**
 * What every ObjectStore must do, as one suite that runs against each implementation. The unit
 * tests run the pipeline on MemoryObjectStore, which claims the blob store's semantics; this suite
 * is where that claim is checked, on the same cases as BlobObjectStore on Azurite.
 */
import { describe, expect, it } from 'vitest';
import { ensureSync } from '../../shared/run/confirm/sync-gate';
import { CONTAINERS, normalizeEtag, sameEtag, type ObjectStore } from '../../shared/storage/object-store';
import { FakeGraph, ok } from '../support/fake-graph';

/** Each case writes in its own container, so no case sees another's blobs. */
let containers = 0;
const freshContainer = (): string => `contract-${++containers}-${process.pid}`;

async function readAll(stream: AsyncIterable<Uint8Array> | undefined): Promise<string | undefined> {
  if (!stream) return undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

async function text(store: ObjectStore, container: string, path: string): Promise<string | undefined> {
  return (await store.get(container, path))?.data.toString('utf8');
}

export function objectStoreContract(name: string, open: () => ObjectStore): void {
  describe(`ObjectStore contract: ${name}`, () => {
    it('answers an absent blob with undefined (get, etagOf, openRead); deleteIf is a no-op; copy rejects', async () => {
      const store = open();
      const c = freshContainer();
      expect(await store.get(c, 'none.json')).toBeUndefined();
      expect(await store.etagOf(c, 'none.json')).toBeUndefined();
      expect(await store.openRead(c, 'none.json')).toBeUndefined();
      await store.deleteIf(c, 'none.json', '"0x1"');
      await expect(store.copy({ container: c, path: 'none.json' }, { container: c, path: 'copy.json' })).rejects.toThrow();
      expect(await store.get(c, 'copy.json')).toBeUndefined();
    });

    it('get returns the bytes and the etag that put returned; etagOf agrees; each put is a new version', async () => {
      const store = open();
      const c = freshContainer();
      const first = await store.put(c, 'a/b.json', '{"v":1}');
      const got = await store.get(c, 'a/b.json');
      expect(got?.data.toString('utf8')).toBe('{"v":1}');
      expect(sameEtag(got?.etag ?? '', first)).toBe(true);
      expect(sameEtag((await store.etagOf(c, 'a/b.json')) ?? '', first)).toBe(true);
      const second = await store.put(c, 'a/b.json', Buffer.from('{"v":2}'));
      expect(sameEtag(second, first)).toBe(false);
      expect(await text(store, c, 'a/b.json')).toBe('{"v":2}');
    });

    it('a read is a snapshot: changing the bytes read or the buffer written changes nothing stored', async () => {
      const store = open();
      const c = freshContainer();
      const written = Buffer.from('original');
      await store.put(c, 'snap.txt', written);
      written.write('CHANGED!');
      const read = await store.get(c, 'snap.txt');
      read?.data.write('CHANGED!');
      expect(await text(store, c, 'snap.txt')).toBe('original');
    });

    it('get pairs the content with the etag of the same version while a writer keeps overwriting it', async () => {
      // Two requests (properties, then content) could pair one version's etag with the next one's
      // content; a conditional write on that etag would then clobber a change nobody read.
      const store = open();
      const c = freshContainer();
      const contentOf = new Map<string, string>();
      contentOf.set(normalizeEtag(await store.put(c, 'race.json', 'v0')), 'v0');
      const reads: { etag: string; data: string }[] = [];
      let reading = true;
      const writer = (async () => {
        for (let v = 1; reading; v++) contentOf.set(normalizeEtag(await store.put(c, 'race.json', `v${v}`)), `v${v}`);
      })();
      try {
        while (reads.length < 60) {
          const got = await store.get(c, 'race.json');
          if (got) reads.push({ etag: normalizeEtag(got.etag), data: got.data.toString('utf8') });
        }
      } finally {
        reading = false;
        await writer;
      }
      expect(reads.filter((r) => contentOf.get(r.etag) !== r.data)).toEqual([]);
    });

    it('putIf(null) creates only when absent; putIf(etag) writes only over that version', async () => {
      const store = open();
      const c = freshContainer();
      expect(await store.putIf(c, 'gate.json', 'one', null)).toBe(true);
      expect(await store.putIf(c, 'gate.json', 'two', null)).toBe(false);
      const stale = (await store.etagOf(c, 'gate.json')) ?? '';
      await store.put(c, 'gate.json', 'three');
      expect(await store.putIf(c, 'gate.json', 'four', stale)).toBe(false);
      expect(await text(store, c, 'gate.json')).toBe('three');
      const current = (await store.get(c, 'gate.json'))?.etag ?? '';
      expect(await store.putIf(c, 'gate.json', 'five', current)).toBe(true);
      expect(await text(store, c, 'gate.json')).toBe('five');
      expect(await store.putIf(c, 'absent.json', 'six', current)).toBe(false);
      expect(await store.get(c, 'absent.json')).toBeUndefined();
    });

    it('of five putIf calls on the same version, exactly one wins', async () => {
      const store = open();
      const c = freshContainer();
      const etag = await store.put(c, 'claim.json', 'free');
      const results = await Promise.all(Array.from({ length: 5 }, (_, i) => store.putIf(c, 'claim.json', `taken by ${i}`, etag)));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await text(store, c, 'claim.json')).toBe(`taken by ${results.indexOf(true)}`);
      const creates = await Promise.all(Array.from({ length: 5 }, (_, i) => store.putIf(c, 'new.json', `created by ${i}`, null)));
      expect(creates.filter(Boolean)).toHaveLength(1);
    });

    it('deleteIf deletes only the version named; a newer upload under the same name stays', async () => {
      const store = open();
      const c = freshContainer();
      const old = await store.put(c, 'drop.csv', 'old');
      await store.put(c, 'drop.csv', 'new');
      await store.deleteIf(c, 'drop.csv', old);
      expect(await text(store, c, 'drop.csv')).toBe('new');
      await store.deleteIf(c, 'drop.csv', (await store.etagOf(c, 'drop.csv')) ?? '');
      expect(await store.get(c, 'drop.csv')).toBeUndefined();
    });

    it('openRead streams the current version, or the version named, and nothing for a stale etag', async () => {
      const store = open();
      const c = freshContainer();
      const old = await store.put(c, 'in.csv', 'old');
      const current = await store.put(c, 'in.csv', 'x'.repeat(200_000));
      expect(await readAll(await store.openRead(c, 'in.csv'))).toBe('x'.repeat(200_000));
      expect(await readAll(await store.openRead(c, 'in.csv', current))).toBe('x'.repeat(200_000));
      expect(await store.openRead(c, 'in.csv', old)).toBeUndefined();
    });

    it('copy copies the exact version named; a stale etag rejects and writes nothing', async () => {
      const store = open();
      const c = freshContainer();
      const old = await store.put(c, 'src.csv', 'old');
      const current = await store.put(c, 'src.csv', 'current');
      await store.copy({ container: c, path: 'src.csv', etag: current }, { container: c, path: 'dst.csv' });
      expect(await text(store, c, 'dst.csv')).toBe('current');
      await expect(store.copy({ container: c, path: 'src.csv', etag: old }, { container: c, path: 'stale.csv' })).rejects.toThrow();
      expect(await store.get(c, 'stale.csv')).toBeUndefined();
      await store.copy({ container: c, path: 'src.csv' }, { container: c, path: 'latest.csv' });
      expect(await text(store, c, 'latest.csv')).toBe('current');
    });

    it('putStream writes strings and bytes in order across blocks; readers see the old version until it ends', async () => {
      const store = open();
      const c = freshContainer();
      await store.put(c, 'report.json', 'old report');
      const piece = 'r'.repeat(512 * 1024);
      const seenMidway: (string | undefined)[] = [];
      async function* pieces(): AsyncIterable<string | Uint8Array> {
        for (let i = 0; i < 5; i++) {
          yield i % 2 ? Buffer.from(piece.toUpperCase()) : piece;
          // Past the first 1 MiB block: a store that shows a part would show it now.
          if (i === 2) seenMidway.push(await text(store, c, 'report.json'));
        }
        yield 'end';
      }
      const etag = await store.putStream(c, 'report.json', pieces());
      expect(seenMidway).toEqual(['old report']);
      const got = await store.get(c, 'report.json');
      const expected = [0, 1, 2, 3, 4].map((i) => (i % 2 ? piece.toUpperCase() : piece)).join('') + 'end';
      expect(got?.data.length).toBe(expected.length);
      expect(got?.data.toString('utf8') === expected).toBe(true);
      expect(sameEtag(got?.etag ?? '', etag)).toBe(true);
    });

    it('putStream keeps characters whole across block boundaries, and writes an empty blob from no pieces', async () => {
      const store = open();
      const c = freshContainer();
      // 'é' is 2 bytes, '𝄞' 4: with an odd run of ASCII before them they straddle each 1 MiB boundary.
      const piece = `${'a'.repeat(1024 * 1024 - 3)}é𝄞${'b'.repeat(700 * 1024)}é`;
      async function* pieces(): AsyncIterable<string | Uint8Array> {
        yield piece;
        yield Buffer.from(piece);
        yield piece;
      }
      await store.putStream(c, 'wide.json', pieces());
      expect((await store.get(c, 'wide.json'))?.data.toString('utf8') === piece.repeat(3)).toBe(true);
      async function* none(): AsyncIterable<string> {}
      await store.putStream(c, 'empty.json', none());
      expect((await store.get(c, 'empty.json'))?.data.length).toBe(0);
    });

    it('five concurrent runs at the tenant-wide sync gate make one sync call', async () => {
      const store = open();
      // The gate lives at a fixed name: this is the only case that writes it.
      expect(await store.get(CONTAINERS.state, 'sync-gate.json')).toBeUndefined();
      const graph = new FakeGraph({
        getAutopilotSettings: () =>
          ok({ lastSyncDateTime: '2026-11-28T09:00:00Z', lastManualSyncTriggerDateTime: '2026-11-28T09:00:00Z', syncStatus: 'completed' }),
        syncAutopilot: () => ok(undefined, 204),
      });
      const decisions = await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          ensureSync({ graph, objects: store }, { runId: `run-${i}`, now: '2026-11-28T10:00:00Z', neededAfter: '2026-11-28T09:59:00Z' }),
        ),
      );
      expect(graph.count('syncAutopilot')).toBe(1);
      expect(decisions.map((d) => d.status).sort()).toEqual(['requested', 'waiting', 'waiting', 'waiting', 'waiting']);
    });
  });
}
