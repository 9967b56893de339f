/**
 * The import, confirm and cleanup steps go through a run's chunk states a few at a time (issue 6:
 * the host's memory must not grow with the file). What is observable from outside: the blob reads
 * and writes of `chunks/{k}.state.json`. A step that changes chunk k writes it back soon after it
 * last read it — within a window of reads of other chunks — instead of reading every chunk of the
 * run first and writing them all at the end. Many small chunks (2 devices each) make the two
 * apart: holding the whole run shows up as a gap of (chunk count − 1) reads.
 */
import { describe, expect, it } from 'vitest';
import { runParseStep } from '../../shared/run/parse-step';
import { runImportStep } from '../../shared/run/import/step';
import { BULK_LOOKUP_THRESHOLD, runConfirmStep } from '../../shared/run/confirm/step';
import { runCleanupStep } from '../../shared/run/cleanup-step';
import { RunStore } from '../../shared/run/run-store';

import type { GraphRequestSpec, GraphResult } from '../../shared/graph/gateway';
import { MemoryObjectStore } from '../../shared/storage/memory-store';
import { CONTAINERS } from '../../shared/storage/object-store';
import { FakeGraph, err, ok } from '../support/fake-graph';
import { ESP_ID, GROUP_ID, PROFILE_ID, T0, at, csvOf, settings } from '../support/run-fixtures';

const RUN = 'intake-00000000000000000000000000000003';
const log = () => {};
/** Most reads of other chunks allowed between reading a chunk and writing it back (the read-ahead is 8). */
const WINDOW = 10;

/** A memory store that records, in order, every read and write of a chunk state. */
class TracingStore extends MemoryObjectStore {
  readonly events: { kind: 'read' | 'write'; chunk: number }[] = [];
  private chunkOf(container: string, path: string): number | undefined {
    const m = container === CONTAINERS.state ? /\/chunks\/(\d+)\.state\.json$/.exec(path) : null;
    return m ? Number(m[1]) : undefined;
  }
  override async get(container: string, path: string) {
    const chunk = this.chunkOf(container, path);
    if (chunk !== undefined) this.events.push({ kind: 'read', chunk });
    return super.get(container, path);
  }
  override async put(container: string, path: string, data: Buffer | string, contentType?: string) {
    const chunk = this.chunkOf(container, path);
    if (chunk !== undefined) this.events.push({ kind: 'write', chunk });
    return super.put(container, path, data, contentType);
  }

  /** For each write, the distinct other chunks read since the written chunk was last read; the largest. */
  widestGap(): number {
    let widest = 0;
    this.events.forEach((e, i) => {
      if (e.kind !== 'write') return;
      const others = new Set<number>();
      for (let j = i - 1; j >= 0; j--) {
        const before = this.events[j]!;
        if (before.kind !== 'read') continue;
        if (before.chunk === e.chunk) break;
        others.add(before.chunk);
      }
      widest = Math.max(widest, others.size);
    });
    return widest;
  }
}

/** A tenant where imports complete on the second poll and every stage passes; $batch sizes recorded. */
class Tenant extends FakeGraph {
  readonly batches: { op: string; size: number }[] = [];
  readonly records = new Set<string>();
  constructor() {
    super();
    let next = 0;
    const polls = new Map<string, number>();
    const devices = new Map<string, string>(); // ztdId → serial
    const device = (ztd: string, serial: string) => ({
      id: ztd,
      serialNumber: serial,
      azureActiveDirectoryDeviceId: `aad-${serial}`,
      deploymentProfileAssignmentStatus: 'assignedInSync',
      deploymentProfile: { id: PROFILE_ID },
    });
    this.handlers = {
      importDevices: (spec) => {
        const body = spec.body as { importedWindowsAutopilotDeviceIdentities: { serialNumber: string }[] };
        return ok({
          value: body.importedWindowsAutopilotDeviceIdentities.map((d) => {
            const id = `rec-${next++}|${d.serialNumber}`;
            this.records.add(id);
            return { id, serialNumber: d.serialNumber, state: { deviceImportStatus: 'unknown' } };
          }),
        });
      },
      getImportedDevice: (spec) => {
        const id = spec.params!.id!;
        if (!this.records.has(id)) return err(404);
        const serial = id.split('|')[1]!;
        const n = (polls.get(id) ?? 0) + 1;
        polls.set(id, n);
        if (n < 2) return ok({ id, serialNumber: serial, state: { deviceImportStatus: 'pending' } });
        devices.set(`ztd-${serial}`, serial);
        return ok({
          id,
          serialNumber: serial,
          state: { deviceImportStatus: 'complete', deviceRegistrationId: `ztd-${serial}`, deviceErrorCode: 0, deviceErrorName: 'None' },
        });
      },
      deleteImportedDevice: (spec) => (this.records.delete(spec.params!.id!) ? ok(undefined, 204) : err(404)),
      listImportedDevices: () => ok({ value: [...this.records].map((id) => ({ id, serialNumber: id.split('|')[1] })) }),
      getAutopilotSettings: () =>
        ok({ lastSyncDateTime: '2026-01-01T00:00:00Z', lastManualSyncTriggerDateTime: null, syncStatus: 'completed' }),
      syncAutopilot: () => ok(undefined, 204),
      getAutopilotDevice: (spec) => {
        const serial = devices.get(spec.params!.id!);
        return serial ? ok(device(spec.params!.id!, serial)) : err(404);
      },
      listAutopilotDevices: () => ok({ value: [...devices].map(([ztd, serial]) => device(ztd, serial)) }),
      listProfileAssignedDevices: () => ok({ value: [...devices.keys()].map((id) => ({ id })) }),
      listGroupDeviceMembers: () =>
        ok({ value: [...devices.values()].map((serial) => ({ id: `obj-${serial}`, deviceId: `aad-${serial}` })) }),
      getGroup: (spec) => ok({ id: spec.params!.id }),
      listDevices: (spec) => {
        // Directory string filters ignore case; the app asks with the deviceId in lower case.
        const asked = /^deviceId eq 'aad-(.*)'$/.exec(spec.query!.filter!)![1]!;
        const serial = [...devices.values()].find((s) => s.toLowerCase() === asked.toLowerCase());
        return ok({ value: serial ? [{ id: `obj-${serial}`, deviceId: `aad-${serial}` }] : [] });
      },
      checkDeviceMemberGroups: (spec) => ok({ value: (spec.body as { groupIds: string[] }).groupIds }),
      listEnrollmentConfigurations: () =>
        ok({
          value: [
            {
              '@odata.type': '#microsoft.graph.windows10EnrollmentCompletionPageConfiguration',
              id: ESP_ID,
              displayName: 'ESP',
              priority: 1,
              deviceEnrollmentConfigurationType: 'windows10EnrollmentCompletionPageConfiguration',
              assignments: [{ target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId: GROUP_ID } }],
            },
          ],
        }),
    };
  }
  override async batch(specs: GraphRequestSpec[]): Promise<GraphResult[]> {
    this.batches.push({ op: specs[0]?.op ?? '', size: specs.length });
    return super.batch(specs);
  }
  /** $batch round trips (20 requests each) spent on an operation. */
  roundTrips(op: string): number {
    return this.batches.filter((b) => b.op === op).reduce((sum, b) => sum + Math.ceil(b.size / 20), 0);
  }
}

describe('steps hold a window of chunk states, not the run', () => {
  it.each([
    ['GETs per device', 40],
    ['the bulk lists', BULK_LOOKUP_THRESHOLD + 20],
  ])('import, confirm and cleanup write each chunk back within %s of reading it (%i devices, chunks of 2)', async (_mode, count) => {
    // Precondition, not a check: a run of fewer chunks than a window could not tell a windowed step
    // from one that holds the whole run (holding every chunk measures chunkCount − 1).
    if (count / 2 - 1 <= WINDOW) throw new Error('fixture too small: the run must have more chunks than a window');
    const objects = new TracingStore();
    const runs = new RunStore(objects);
    const name = 'drops/many-chunks.csv';
    const serials = Array.from({ length: count }, (_, i) => `WIN-${i}`);
    const etag = await objects.put(CONTAINERS.intake, name, csvOf(serials), 'text/csv');
    const s = settings({ chunkSize: 2, expected: { groupIds: [GROUP_ID], profileId: PROFILE_ID, espId: ESP_ID } });
    const parsed = await runParseStep(
      { objects, runs, log },
      { runId: RUN, source: { container: CONTAINERS.intake, name, etag }, chunkSize: 2, now: T0 },
    );
    expect(parsed.chunkCount).toBe(count / 2);
    const graph = new Tenant();

    let minute = 0;
    let importSteps = 0;
    for (let done = false; !done && importSteps < 10; importSteps++)
      done =
        (
          await runImportStep(
            { graph, runs, log, maxImportCallsPerStep: 100 },
            { runId: RUN, now: at(minute++), phaseStartedAt: T0, settings: s },
          )
        ).next === 'done';
    const confirmStart = at(minute);
    let confirmed;
    for (let i = 0; i < 10; i++) {
      const step = await runConfirmStep(
        { graph, runs, objects, log },
        { runId: RUN, now: at(minute++), phaseStartedAt: confirmStart, settings: s },
      );
      confirmed = step.counts.confirmed;
      if (step.next === 'done') break;
    }
    expect(confirmed).toBe(count);
    const cleanupStart = at(minute);
    const cleanup = await runCleanupStep({ graph, runs, log }, { runId: RUN, now: at(minute), phaseStartedAt: cleanupStart, settings: s });
    expect(cleanup).toMatchObject({ next: 'done', recordsLeft: 0 });
    expect(graph.records.size).toBe(0);

    // Every step wrote chunks (sent, settled, advanced, records deleted) …
    const written = new Set(objects.events.filter((e) => e.kind === 'write').map((e) => e.chunk));
    expect(written.size).toBe(count / 2);
    // … each within a window of reading it: the run was never held whole.
    expect(objects.widestGap()).toBeLessThanOrEqual(WINDOW);

    // And the requests are still packed across chunks: all of a step's polls or lookups share
    // $batch round trips of 20, not one round trip per chunk of 2.
    expect(graph.roundTrips('getImportedDevice')).toBeLessThanOrEqual(importSteps * Math.ceil(count / 20));
    expect(graph.batches.filter((b) => b.op === 'getImportedDevice').every((b) => b.size === count)).toBe(true);
    if (count <= BULK_LOOKUP_THRESHOLD)
      expect(graph.batches.filter((b) => b.op === 'getAutopilotDevice').every((b) => b.size === count)).toBe(true);
    else expect(graph.count('getAutopilotDevice')).toBe(0);
  });
});
