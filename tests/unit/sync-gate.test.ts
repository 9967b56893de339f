import { describe, expect, it } from 'vitest';
import { ensureSync } from '../../shared/run/confirm/sync-gate';
import { MemoryObjectStore } from '../../shared/storage/memory-store';
import { FakeGraph, err, ok } from '../support/fake-graph';

const settings = (over: Record<string, unknown> = {}) =>
  ok({ lastSyncDateTime: '2026-11-28T09:00:00Z', lastManualSyncTriggerDateTime: '2026-11-28T09:00:00Z', syncStatus: 'completed', ...over });

describe('tenant-wide sync gate', () => {
  // The race below runs on the in-memory store; the same five-way race on the blob store (Azurite),
  // whose conditional write is the real guard, is in tests/storage/object-store-contract.ts.
  it('syncs once for concurrent runs inside one ten-minute window', async () => {
    const objects = new MemoryObjectStore();
    const graph = new FakeGraph({ getAutopilotSettings: () => settings(), syncAutopilot: () => ok(undefined, 204) });
    const now = '2026-11-28T10:00:00Z';
    const decisions = await Promise.all(
      Array.from({ length: 5 }, (_, i) => ensureSync({ graph, objects }, { runId: `run-${i}`, now, neededAfter: '2026-11-28T09:59:00Z' })),
    );
    expect(graph.count('syncAutopilot')).toBe(1);
    expect(decisions.filter((d) => d.status === 'requested')).toHaveLength(1);
    expect(decisions.filter((d) => d.status === 'waiting')).toHaveLength(4);
    // five minutes later: still inside the window, no second call
    const later = await ensureSync(
      { graph, objects },
      { runId: 'run-9', now: '2026-11-28T10:05:00Z', neededAfter: '2026-11-28T09:59:00Z' },
    );
    expect(later).toMatchObject({ status: 'waiting', retryAfterSeconds: 300 });
    expect(graph.count('syncAutopilot')).toBe(1);
    // eleven minutes later the window is open again
    await ensureSync({ graph, objects }, { runId: 'run-9', now: '2026-11-28T10:11:00Z', neededAfter: '2026-11-28T09:59:00Z' });
    expect(graph.count('syncAutopilot')).toBe(2);
  });

  it('does not sync when the last sync is newer than the import', async () => {
    const graph = new FakeGraph({ getAutopilotSettings: () => settings({ lastSyncDateTime: '2026-11-28T10:01:00Z' }) });
    const d = await ensureSync(
      { graph, objects: new MemoryObjectStore() },
      { runId: 'r', now: '2026-11-28T10:02:00Z', neededAfter: '2026-11-28T10:00:00Z' },
    );
    expect(d.status).toBe('synced');
    expect(graph.count('syncAutopilot')).toBe(0);
  });

  it('honours a sync triggered elsewhere (portal) and one in progress', async () => {
    const portal = new FakeGraph({ getAutopilotSettings: () => settings({ lastManualSyncTriggerDateTime: '2026-11-28T09:58:00Z' }) });
    expect(
      await ensureSync(
        { graph: portal, objects: new MemoryObjectStore() },
        { runId: 'r', now: '2026-11-28T10:00:00Z', neededAfter: '2026-11-28T09:59:00Z' },
      ),
    ).toMatchObject({ status: 'waiting', retryAfterSeconds: 480 });
    const running = new FakeGraph({ getAutopilotSettings: () => settings({ syncStatus: 'inProgress' }) });
    expect(
      await ensureSync(
        { graph: running, objects: new MemoryObjectStore() },
        { runId: 'r', now: '2026-11-28T10:00:00Z', neededAfter: '2026-11-28T09:59:00Z' },
      ),
    ).toMatchObject({ status: 'waiting' });
    expect(portal.count('syncAutopilot') + running.count('syncAutopilot')).toBe(0);
  });

  it('does not wait for ever on a syncStatus stuck at inProgress: after 30 minutes it asks, and the service decides', async () => {
    const objects = new MemoryObjectStore();
    const graph = new FakeGraph({
      getAutopilotSettings: () => settings({ syncStatus: 'inProgress' }),
      syncAutopilot: () => ok(undefined, 204),
    });
    const at = (minute: number) => new Date(Date.parse('2026-11-28T10:00:00Z') + minute * 60_000).toISOString();
    const ask = (minute: number) => ensureSync({ graph, objects }, { runId: 'r', now: at(minute), neededAfter: '2026-11-28T09:59:00Z' });
    for (const minute of [0, 10, 29]) expect(await ask(minute)).toMatchObject({ status: 'waiting', note: 'an Autopilot sync is running' });
    expect(graph.count('syncAutopilot')).toBe(0);
    expect(await ask(31)).toMatchObject({ status: 'requested' });
    expect(graph.count('syncAutopilot')).toBe(1);
    // The sync call carries no body (the action has no parameters).
    expect(graph.calls.find((c) => c.op === 'syncAutopilot')?.body).toBeUndefined();
  });

  it('times a later inProgress from its own start, not from one that ended long ago', async () => {
    const objects = new MemoryObjectStore();
    let status = 'inProgress';
    const graph = new FakeGraph({
      getAutopilotSettings: () => settings({ syncStatus: status, lastSyncDateTime: '2026-11-28T09:00:00Z' }),
      syncAutopilot: () => ok(undefined, 204),
    });
    const at = (minute: number) => new Date(Date.parse('2026-11-28T10:00:00Z') + minute * 60_000).toISOString();
    const ask = (minute: number, neededAfter = '2026-11-28T08:00:00Z') =>
      ensureSync({ graph, objects }, { runId: 'r', now: at(minute), neededAfter });
    await ask(0); // first seen in progress
    status = 'completed';
    expect(await ask(5)).toMatchObject({ status: 'synced' }); // ended; the gate forgets it
    status = 'inProgress';
    expect(await ask(60, '2026-11-28T10:59:00Z')).toMatchObject({ status: 'waiting', note: 'an Autopilot sync is running' });
    expect(graph.count('syncAutopilot')).toBe(0);
  });

  it('treats 409 and 429 from the sync call as "wait and keep polling"', async () => {
    for (const status of [409, 429]) {
      const graph = new FakeGraph({ getAutopilotSettings: () => settings(), syncAutopilot: () => err(status) });
      const d = await ensureSync(
        { graph, objects: new MemoryObjectStore() },
        { runId: 'r', now: '2026-11-28T10:00:00Z', neededAfter: '2026-11-28T09:59:00Z' },
      );
      expect(d.status).toBe('waiting');
    }
  });
});
