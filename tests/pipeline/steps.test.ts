import { describe, expect, it } from 'vitest';
import { runParseStep } from '../../shared/run/parse-step';
import { runImportStep } from '../../shared/run/import-step';
import { BULK_LOOKUP_THRESHOLD, runConfirmStep } from '../../shared/run/confirm-step';
import { runFinalizeStep } from '../../shared/run/finalize-step';
import { runCleanupStep } from '../../shared/run/cleanup-step';
import type { GraphRequestSpec } from '../../shared/graph/gateway';
import { CONTAINERS } from '../../shared/storage/object-store';
import { FakeGraph, err, ok } from '../support/fake-graph';
import { decodeHardwareHash, generateHardwareHash } from '../../shared/hardware-hash';
import { GraphTransientError } from '../../shared/graph/errors';
import { ESP_ID, GROUP_ID, PROFILE_ID, T0, at, csvOf, settings, storeWithCsv } from '../support/run-fixtures';

const RUN = 'intake-00000000000000000000000000000001';
const log = () => {};

interface Record {
  id: string;
  serialNumber: string;
  hashSerial: string;
  importId: string;
  polls: number;
}

/** A small stateful tenant: imports complete on the second poll, serials in `registered` answer 806, `otherTenant` 808. */
function tenant(options: { registered?: string[]; otherTenant?: string[]; notInGroup?: string[]; espFor?: (serial: string) => string; otherDevices?: number } = {}) {
  const records = new Map<string, Record>();
  const devices = new Map<string, { id: string; serialNumber: string; aad: string }>();
  for (const s of options.registered ?? []) devices.set(`ztd-${s}`, { id: `ztd-${s}`, serialNumber: s, aad: `aad-${s}` });
  // Devices of the tenant that no run of these tests imports (they fill every list and group).
  for (let i = 0; i < (options.otherDevices ?? 0); i++) devices.set(`ztd-TENANT-${i}`, { id: `ztd-TENANT-${i}`, serialNumber: `TENANT-${i}`, aad: `aad-TENANT-${i}` });
  let next = 0;
  const graph = new FakeGraph({
    importDevices: (spec: GraphRequestSpec) => {
      const body = spec.body as { importedWindowsAutopilotDeviceIdentities: { serialNumber: string; importId: string; hardwareIdentifier: string }[] };
      return ok({
        value: body.importedWindowsAutopilotDeviceIdentities.map((d) => {
          // like the service, identity comes from the serial inside the hash
          const decoded = decodeHardwareHash(d.hardwareIdentifier);
          const hashSerial = decoded.ok ? decoded.value.serialNumber : d.serialNumber;
          const r = { id: `rec-${next++}`, serialNumber: d.serialNumber, hashSerial, importId: d.importId, polls: 0 };
          records.set(r.id, r);
          return { id: r.id, serialNumber: d.serialNumber, state: { deviceImportStatus: 'unknown', deviceErrorCode: 0 } };
        }),
      });
    },
    getImportedDevice: (spec) => {
      const r = records.get(spec.params!.id!);
      if (!r) return err(404, 'NotFound');
      r.polls++;
      if (r.polls < 2) return ok({ id: r.id, serialNumber: r.serialNumber, state: { deviceImportStatus: 'pending', deviceErrorCode: 0 } });
      if (options.registered?.includes(r.hashSerial)) return ok({ id: r.id, serialNumber: r.serialNumber, state: { deviceImportStatus: 'error', deviceErrorCode: 806, deviceErrorName: 'ZtdDeviceAlreadyAssigned' } });
      if (options.otherTenant?.includes(r.hashSerial)) return ok({ id: r.id, serialNumber: r.serialNumber, state: { deviceImportStatus: 'error', deviceErrorCode: 808, deviceErrorName: 'ZtdDeviceAssignedToOtherTenant' } });
      const ztd = `ztd-${r.serialNumber}`;
      devices.set(ztd, { id: ztd, serialNumber: r.serialNumber, aad: `aad-${r.serialNumber}` });
      return ok({ id: r.id, serialNumber: r.serialNumber, state: { deviceImportStatus: 'complete', deviceRegistrationId: ztd, deviceErrorCode: 0, deviceErrorName: 'None' } });
    },
    deleteImportedDevice: (spec) => (records.delete(spec.params!.id!) ? ok(undefined, 204) : err(404)),
    getAutopilotSettings: () => ok({ lastSyncDateTime: '2026-01-01T00:00:00Z', lastManualSyncTriggerDateTime: null, syncStatus: 'completed' }),
    syncAutopilot: () => ok(undefined, 204),
    getAutopilotDevice: (spec) => {
      const d = devices.get(spec.params!.id!);
      return d
        ? ok({ id: d.id, serialNumber: d.serialNumber, azureActiveDirectoryDeviceId: d.aad, deploymentProfileAssignmentStatus: 'assignedInSync', deploymentProfile: { id: PROFILE_ID } })
        : err(404, 'NotFound');
    },
    listAutopilotDevices: (spec) => {
      const term = spec.query?.filter ? /contains\(serialNumber,'(.*)'\)/.exec(spec.query.filter)![1]! : '';
      return ok({
        value: [...devices.values()]
          .filter((d) => d.serialNumber.includes(term))
          .map((d) => ({ id: d.id, serialNumber: d.serialNumber, azureActiveDirectoryDeviceId: d.aad, deploymentProfileAssignmentStatus: 'assignedInSync' })),
      });
    },
    listProfileAssignedDevices: (spec) => ok({ value: spec.params!.id === PROFILE_ID ? [...devices.values()].map((d) => ({ id: d.id })) : [] }),
    listGroupDeviceMembers: (spec) => {
      const members = [...devices.values()].filter((d) => !options.notInGroup?.includes(d.serialNumber));
      return ok({ value: members.filter(() => spec.params!.id === GROUP_ID).map((d) => ({ id: `obj-${d.serialNumber}`, deviceId: d.aad })) });
    },
    listEnrollmentConfigurations: () =>
      ok({
        value: [
          { '@odata.type': '#microsoft.graph.windows10EnrollmentCompletionPageConfiguration', id: 'default-esp', displayName: 'All users and all devices', priority: 0, deviceEnrollmentConfigurationType: 'defaultWindows10EnrollmentCompletionPageConfiguration', assignments: [] },
          { '@odata.type': '#microsoft.graph.windows10EnrollmentCompletionPageConfiguration', id: ESP_ID, displayName: 'Autopilot ESP', priority: 1, deviceEnrollmentConfigurationType: 'windows10EnrollmentCompletionPageConfiguration', assignments: [{ target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId: GROUP_ID } }] },
        ],
      }),
  });
  return { graph, records, devices };
}

async function runToEnd(csv: string, t: ReturnType<typeof tenant>, runSettings = settings()) {
  const { objects, runs, source } = await storeWithCsv(csv);
  const parsed = await runParseStep({ objects, runs, log }, { runId: RUN, source, chunkSize: runSettings.chunkSize, now: T0 });
  let minute = 0;
  for (let i = 0; i < 20; i++) {
    const step = await runImportStep({ graph: t.graph, runs, log }, { runId: RUN, now: at(minute++), phaseStartedAt: T0, settings: runSettings });
    if (step.done) break;
  }
  const confirmStart = at(minute);
  for (let i = 0; i < 100; i++) {
    const step = await runConfirmStep({ graph: t.graph, runs, objects, log }, { runId: RUN, now: at(minute), phaseStartedAt: confirmStart, settings: runSettings });
    minute += 1;
    if (step.done) break;
  }
  const outcome = await runFinalizeStep({ objects, runs, log }, { runId: RUN, source, now: at(minute) });
  const report = JSON.parse((await objects.get(CONTAINERS.reports, `${RUN}/report.json`))!.data.toString('utf8'));
  // The records are deleted after the report is written.
  const recordsAtReport = t.records.size;
  const cleanupStart = at(minute);
  for (let i = 0; i < 20; i++) {
    const step = await runCleanupStep({ graph: t.graph, runs, log }, { runId: RUN, now: at(minute), phaseStartedAt: cleanupStart, settings: runSettings });
    if (step.done) break;
  }
  return { parsed, outcome, report, objects, source, recordsAtReport };
}

describe('pipeline steps against a stateful fake tenant', () => {
  it('imports in chunks, polls only its own records, deletes them, confirms every stage and archives the file', async () => {
    const t = tenant();
    const { parsed, outcome, report, objects, source } = await runToEnd(csvOf(['SN-A', 'SN-B', 'SN-C']), t);
    expect(parsed.counts.valid).toBe(3);
    expect(parsed.chunkCount).toBe(2);
    expect(t.graph.count('importDevices')).toBe(2);
    expect(t.records.size).toBe(0); // every record of the run deleted (after the report)
    expect(outcome.counts).toMatchObject({ confirmed: 3, failed: 0, pending: 0, registered: 3, inGroup: 3, profileAssigned: 3, espConfirmed: 3 });
    expect(report.rows.map((r: { device: { result: string } }) => r.device.result)).toEqual(['confirmed', 'confirmed', 'confirmed']);
    for (const row of report.rows) expect(row.device.at).toHaveProperty('espConfirmed');
    expect(await objects.get(source.container, source.name)).toBeUndefined();
    expect(await objects.get(CONTAINERS.archive, `processed/${source.name}`)).toBeDefined();
    // importIds are the run's, one per chunk
    const importIds = t.graph.calls.filter((c) => c.op === 'importDevices').map((c) => (c.body as { importedWindowsAutopilotDeviceIdentities: { importId: string }[] }).importedWindowsAutopilotDeviceIdentities[0]!.importId);
    expect(importIds).toEqual([`${RUN}-c0`, `${RUN}-c1`]);
    expect(t.graph.count('syncAutopilot')).toBe(1);
  });

  it('carries an 806 device on (found by serial) and fails an 808 device with the remediation', async () => {
    const t = tenant({ registered: ['SN-OLD'], otherTenant: ['SN-OTHER'] });
    const { outcome, report } = await runToEnd(csvOf(['SN-NEW', 'SN-OLD', 'SN-OTHER']), t);
    expect(outcome.counts).toMatchObject({ confirmed: 2, failed: 1 });
    const bySerial = Object.fromEntries(report.rows.map((r: { serialNumber: string }) => [r.serialNumber, r]));
    expect(bySerial['SN-OLD'].device).toMatchObject({ result: 'confirmed', alreadyRegistered: true, ztdId: 'ztd-SN-OLD', importErrorCode: 806 });
    expect(bySerial['SN-OTHER'].device).toMatchObject({ result: 'failed', failure: { stage: 'import', code: '808' } });
    expect(bySerial['SN-OTHER'].device.failure.remediation).toMatch(/deregister/);
  });

  it('reads registrations, profiles and groups in bulk for a large run instead of a call per device', async () => {
    const t = tenant();
    // above the threshold, so registration and profile reads switch to the paged lists
    const serials = Array.from({ length: BULK_LOOKUP_THRESHOLD + 50 }, (_, i) => `BULK-${i}`);
    const { outcome } = await runToEnd(csvOf(serials), t, settings({ chunkSize: 50 }));
    expect(outcome.counts).toMatchObject({ confirmed: BULK_LOOKUP_THRESHOLD + 50, failed: 0 });
    expect(t.graph.count('getAutopilotDevice')).toBe(0);
    // one list for registration, one for the profile stage (and the profile's assigned devices)
    expect(t.graph.count('listAutopilotDevices')).toBeLessThanOrEqual(3);
    expect(t.graph.count('listProfileAssignedDevices')).toBeGreaterThanOrEqual(1);
    // the expected group is read once per step even though the ESP stage needs it too
    const groupReads = t.graph.count('listGroupDeviceMembers');
    const confirmSteps = t.graph.count('getAutopilotSettings');
    expect(groupReads).toBeLessThanOrEqual(confirmSteps + 2);
  });

  it('walks the tenant-sized lists page by page, keeping only the run\'s devices, in a tenant larger than the run', async () => {
    const t = tenant({ otherDevices: 1_000, registered: ['SN-OLD'] });
    t.graph.pageSize = 7; // many pages, the run's devices spread over them
    const serials = [...Array.from({ length: BULK_LOOKUP_THRESHOLD + 20 }, (_, i) => `PAGED-${i}`), 'SN-OLD'];
    const { outcome, report } = await runToEnd(csvOf(serials), t, settings({ chunkSize: 40 }));
    expect(outcome.counts).toMatchObject({ confirmed: serials.length, failed: 0, pending: 0 });
    expect(report.rows.every((r: { device: { profileId?: string; espId?: string } }) => r.device.profileId === PROFILE_ID && r.device.espId === ESP_ID)).toBe(true);
    // No list as large as the tenant is collected whole; only the (small) ESP configuration list is.
    expect(new Set(t.graph.listedWhole)).toEqual(new Set(['listEnrollmentConfigurations']));
    expect(t.graph.count('listAutopilotDevices')).toBeGreaterThan(0);
  });

  it('resolves the ESP from the group stage\'s confirmed membership when the ESP targets an expected group, and reads any other group', async () => {
    const OTHER_GROUP = 'a0a0a0a0-0000-4000-8000-000000000001';
    for (const [expectedGroup, reads] of [
      [GROUP_ID, 0], // the ESP targets the expected group: membership is already confirmed
      [OTHER_GROUP, 1], // the ESP targets a group the run did not confirm: read it
    ] as const) {
      const t = tenant();
      const { objects, runs, source } = await storeWithCsv(csvOf(['SN-1', 'SN-2']));
      await runParseStep({ objects, runs, log }, { runId: RUN, source, chunkSize: 5, now: T0 });
      const state = (await runs.readChunkState(RUN, 0))!;
      for (const d of state.devices) {
        const ztd = `ztd-${d.serialNumber}`;
        t.devices.set(ztd, { id: ztd, serialNumber: d.serialNumber, aad: `aad-${d.serialNumber}` });
        Object.assign(d, { importStatus: 'complete', ztdId: ztd, aadDeviceId: `aad-${d.serialNumber}`, groupIds: [expectedGroup], stage: 'esp', at: { imported: T0, registered: T0, inGroup: T0, profileAssigned: T0 } });
      }
      state.status = 'sent';
      await runs.writeChunkState(RUN, state);
      const s = settings({ expected: { groupIds: [expectedGroup], profileId: PROFILE_ID, espId: ESP_ID } });
      for (let m = 1; m < 5; m++) if ((await runConfirmStep({ graph: t.graph, runs, objects, log }, { runId: RUN, now: at(m), phaseStartedAt: T0, settings: s })).done) break;
      expect((await runs.readChunkState(RUN, 0))!.devices.map((d) => [d.result, d.espId])).toEqual([
        ['confirmed', ESP_ID],
        ['confirmed', ESP_ID],
      ]);
      expect(t.graph.count('listGroupDeviceMembers'), `expected group ${expectedGroup}`).toBe(reads);
    }
  });

  it('finds an 806 device by the serial inside its hash when the row has a typo in the serial', async () => {
    const t = tenant({ registered: ['SN-OLD'] });
    const csv = `Device Serial Number,Windows Product ID,Hardware Hash\r\nTYPO-SN-OLD,,${generateHardwareHash({ serialNumber: 'SN-OLD', manufacturer: 'Contoso', model: 'M' })}\r\n`;
    const { report } = await runToEnd(csv, t);
    expect(report.rows[0].warnings.join(' ')).toMatch(/SN-OLD/);
    expect(report.rows[0].device).toMatchObject({ result: 'confirmed', alreadyRegistered: true, ztdId: 'ztd-SN-OLD' });
  });

  it('reports a device that never joins the expected group after its deadline, and does not drop it', async () => {
    const t = tenant({ notInGroup: ['SN-LONELY'] });
    const s = settings({ deadlines: { importMinutes: 30, registrationMinutes: 30, groupMinutes: 5, profileMinutes: 30, espMinutes: 30 } });
    const { outcome, report } = await runToEnd(csvOf(['SN-OK', 'SN-LONELY']), t, s);
    expect(outcome.counts).toMatchObject({ confirmed: 1, failed: 1, pending: 0 });
    const lonely = report.rows.find((r: { serialNumber: string }) => r.serialNumber === 'SN-LONELY');
    expect(lonely.device.failure).toMatchObject({ stage: 'group', code: 'NotInExpectedGroup' });
  });

  it('keeps rejected rows in the report and imports nothing for a file that is not a device CSV', async () => {
    const t = tenant();
    const { outcome, report, objects, source } = await runToEnd('hello,world\r\n1,2\r\n', t);
    expect(outcome.status).toBe('rejected');
    expect(report.fileRejected).toMatch(/./);
    expect(t.graph.calls).toHaveLength(0);
    expect(await objects.get(CONTAINERS.archive, `rejected/${source.name}`)).toBeDefined();
  });

  it('a chunk left in flight by a crash whose call did register: its devices are found and adopted, not imported twice', async () => {
    const t = tenant();
    const { objects, runs, source } = await storeWithCsv(csvOf(['SN-1', 'SN-2']));
    await runParseStep({ objects, runs, log }, { runId: RUN, source, chunkSize: 2, now: T0 });
    // The lost call: Intune registered both devices, the host died before recording the answer.
    for (const s of ['SN-1', 'SN-2']) t.devices.set(`ztd-${s}`, { id: `ztd-${s}`, serialNumber: s, aad: `aad-${s}` });
    const chunk = (await runs.readChunkState(RUN, 0))!;
    chunk.status = 'sending';
    await runs.writeChunkState(RUN, chunk);
    const step = await runImportStep({ graph: t.graph, runs, log }, { runId: RUN, now: at(1), phaseStartedAt: T0, settings: settings() });
    expect(step.done).toBe(true);
    expect(t.graph.count('importDevices')).toBe(0);
    const after = (await runs.readChunkState(RUN, 0))!;
    expect(after.devices.map((d) => [d.importStatus, d.ztdId, d.importInDoubt, d.alreadyRegistered])).toEqual([
      ['complete', 'ztd-SN-1', true, false],
      ['complete', 'ztd-SN-2', true, false],
    ]);
  });

  it('a chunk left in flight whose call never arrived is sent again once, after the grace period', async () => {
    const t = tenant();
    const { objects, runs, source } = await storeWithCsv(csvOf(['SN-1', 'SN-2']));
    await runParseStep({ objects, runs, log }, { runId: RUN, source, chunkSize: 2, now: T0 });
    const chunk = (await runs.readChunkState(RUN, 0))!;
    chunk.status = 'sending';
    await runs.writeChunkState(RUN, chunk);
    const s = settings(); // grace: min(import deadline / 2, 4 × max poll interval) = 4 min
    const first = await runImportStep({ graph: t.graph, runs, log }, { runId: RUN, now: at(0), phaseStartedAt: T0, settings: s });
    expect({ done: first.done, moreWork: first.moreWork, imports: t.graph.count('importDevices') }).toEqual({ done: false, moreWork: false, imports: 0 });
    await runImportStep({ graph: t.graph, runs, log }, { runId: RUN, now: at(2), phaseStartedAt: T0, settings: s });
    expect(t.graph.count('importDevices')).toBe(0);
    for (let m = 4; m < 10; m++) {
      const step = await runImportStep({ graph: t.graph, runs, log }, { runId: RUN, now: at(m), phaseStartedAt: T0, settings: s });
      if (step.done) break;
    }
    expect(t.graph.count('importDevices')).toBe(1);
    const after = (await runs.readChunkState(RUN, 0))!;
    expect(after.devices.map((d) => d.importStatus)).toEqual(['complete', 'complete']);
  });

  it.each([429, 500, 504])('an import call answered %i is sent again as new, without the in-doubt wait', async (status) => {
    const t = tenant();
    const importOk = t.graph.handlers.importDevices!;
    let calls = 0;
    t.graph.handlers.importDevices = (spec) => {
      if (++calls === 1) throw new GraphTransientError('failed', status, 1);
      return importOk(spec);
    };
    const { objects, runs, source } = await storeWithCsv(csvOf(['SN-1']));
    await runParseStep({ objects, runs, log }, { runId: RUN, source, chunkSize: 2, now: T0 });
    const input = (m: number) => ({ runId: RUN, now: at(m), phaseStartedAt: T0, settings: settings() });
    await expect(runImportStep({ graph: t.graph, runs, log }, input(0))).rejects.toThrow('failed');
    expect((await runs.readChunkState(RUN, 0))!.status).toBe('new');
    await runImportStep({ graph: t.graph, runs, log }, input(0));
    expect(calls).toBe(2);
  });

  it('is idempotent: running the parse and import steps twice imports each chunk once', async () => {
    const t = tenant();
    const { objects, runs, source } = await storeWithCsv(csvOf(['SN-1', 'SN-2', 'SN-3']));
    const input = { runId: RUN, source, chunkSize: 2, now: T0 };
    const first = await runParseStep({ objects, runs, log }, input);
    const second = await runParseStep({ objects, runs, log }, input);
    expect(second).toEqual(first);
    await runImportStep({ graph: t.graph, runs, log }, { runId: RUN, now: at(0), phaseStartedAt: T0, settings: settings() });
    await runImportStep({ graph: t.graph, runs, log }, { runId: RUN, now: at(1), phaseStartedAt: T0, settings: settings() });
    expect(t.graph.count('importDevices')).toBe(2);
  });

  it('a crash right after deleting import records does not turn settled devices into missing ones', async () => {
    const t = tenant();
    const { objects, runs, source } = await storeWithCsv(csvOf(['SN-1', 'SN-2']));
    await runParseStep({ objects, runs, log }, { runId: RUN, source, chunkSize: 5, now: T0 });
    const input = (m: number) => ({ runId: RUN, now: at(m), phaseStartedAt: T0, settings: settings() });
    await runImportStep({ graph: t.graph, runs, log }, input(0)); // import + first poll (pending)
    expect((await runImportStep({ graph: t.graph, runs, log }, input(1))).done).toBe(true); // settled
    const normalDelete = t.graph.handlers.deleteImportedDevice!;
    t.graph.handlers.deleteImportedDevice = (spec) => {
      normalDelete(spec); // the service deleted it…
      throw new Error('host killed'); // …and the host died before recording that
    };
    await expect(runCleanupStep({ graph: t.graph, runs, log }, input(2))).rejects.toThrow('host killed');
    t.graph.handlers.deleteImportedDevice = normalDelete;
    const step = await runCleanupStep({ graph: t.graph, runs, log }, input(3));
    expect(step).toMatchObject({ done: true, recordsLeft: 0 });
    const state = (await runs.readChunkState(RUN, 0))!;
    expect(state.devices.map((d) => [d.importStatus, d.result, d.recordDeleted])).toEqual([
      ['complete', undefined, true],
      ['complete', undefined, true],
    ]);
    expect(t.records.size).toBe(0);
  });

  it('deletes records settled by earlier steps alongside its polls, never a record still pending', async () => {
    const t = tenant();
    const { objects, runs, source } = await storeWithCsv(csvOf(['SN-1', 'SN-2', 'SN-3', 'SN-4']));
    await runParseStep({ objects, runs, log }, { runId: RUN, source, chunkSize: 2, now: T0 });
    const deps = { graph: t.graph, runs, log, maxImportCallsPerStep: 1 };
    const input = (m: number) => ({ runId: RUN, now: at(m), phaseStartedAt: T0, settings: settings() });
    await runImportStep(deps, input(0)); // chunk 0 sent, polled: pending
    await runImportStep(deps, input(1)); // chunk 1 sent; chunk 0 settles, chunk 1 pending
    const before = [...t.records.keys()];
    const step = await runImportStep(deps, input(2)); // chunk 1 settles; chunk 0's records deleted meanwhile
    expect(step.done).toBe(true);
    const deleted = t.graph.calls.filter((c) => c.op === 'deleteImportedDevice').map((c) => c.params!.id);
    const chunk0 = (await runs.readChunkState(RUN, 0))!.devices;
    const chunk1 = (await runs.readChunkState(RUN, 1))!.devices;
    expect(deleted.sort()).toEqual(chunk0.map((d) => d.recordId).sort());
    expect(chunk0.every((d) => d.recordDeleted)).toBe(true);
    expect(chunk1.every((d) => d.importStatus === 'complete' && !d.recordDeleted)).toBe(true);
    expect([...t.records.keys()].sort()).toEqual(before.filter((id) => !deleted.includes(id)).sort());
  });

  it('an import call that got no answer (connection broken) leaves the chunk in doubt', async () => {
    const t = tenant();
    t.graph.handlers.importDevices = () => {
      throw new GraphTransientError('socket hang up', 0);
    };
    const { objects, runs, source } = await storeWithCsv(csvOf(['SN-1']));
    await runParseStep({ objects, runs, log }, { runId: RUN, source, chunkSize: 2, now: T0 });
    await expect(runImportStep({ graph: t.graph, runs, log }, { runId: RUN, now: at(0), phaseStartedAt: T0, settings: settings() })).rejects.toThrow('socket');
    expect((await runs.readChunkState(RUN, 0))!.status).toBe('sending');
  });

  it('cleanup bounds the deletes of one step and asks to go on at once until every record is gone', async () => {
    const t = tenant();
    const { objects, runs, source } = await storeWithCsv(csvOf(['SN-1', 'SN-2', 'SN-3', 'SN-4', 'SN-5']));
    await runParseStep({ objects, runs, log }, { runId: RUN, source, chunkSize: 5, now: T0 });
    const input = (m: number) => ({ runId: RUN, now: at(m), phaseStartedAt: T0, settings: settings() });
    await runImportStep({ graph: t.graph, runs, log }, input(0)); // import, first poll (pending)
    expect((await runImportStep({ graph: t.graph, runs, log }, input(1))).done).toBe(true); // settled: the report can follow
    expect(t.records.size).toBe(5);
    const steps = [];
    for (let m = 2; m < 10; m++) {
      const step = await runCleanupStep({ graph: t.graph, runs, log, maxDeletesPerStep: 2 }, input(m));
      steps.push({ done: step.done, moreWork: step.moreWork, left: step.recordsLeft });
      if (step.done) break;
    }
    expect(steps).toEqual([
      { done: false, moreWork: true, left: 3 },
      { done: false, moreWork: true, left: 1 },
      { done: true, moreWork: false, left: 0 },
    ]);
    expect(t.records.size).toBe(0);
    expect(t.graph.count('deleteImportedDevice')).toBe(5);
  });

  it('cleanup retries a record the service would not delete, then leaves it after the import deadline', async () => {
    const t = tenant();
    const { objects, runs, source } = await storeWithCsv(csvOf(['SN-1']));
    await runParseStep({ objects, runs, log }, { runId: RUN, source, chunkSize: 5, now: T0 });
    const input = (m: number) => ({ runId: RUN, now: at(m), phaseStartedAt: T0, settings: settings() });
    await runImportStep({ graph: t.graph, runs, log }, input(0));
    await runImportStep({ graph: t.graph, runs, log }, input(1));
    t.graph.handlers.deleteImportedDevice = () => err(403, 'Forbidden');
    expect(await runCleanupStep({ graph: t.graph, runs, log }, input(2))).toMatchObject({ done: false, moreWork: false, recordsLeft: 1 });
    expect(await runCleanupStep({ graph: t.graph, runs, log }, input(31))).toMatchObject({ done: true, recordsLeft: 1, note: '1 import records could not be deleted' });
    expect((await runs.readChunkState(RUN, 0))!.devices[0]!.recordDeleted).toBe(false);
  });

  it('times out an import that never completes and still deletes its record', async () => {
    const t = tenant();
    t.graph.handlers.getImportedDevice = (spec) => ok({ id: spec.params!.id, serialNumber: 'x', state: { deviceImportStatus: 'unknown', deviceErrorCode: 0 } });
    const { objects, runs, source } = await storeWithCsv(csvOf(['SN-SLOW']));
    await runParseStep({ objects, runs, log }, { runId: RUN, source, chunkSize: 2, now: T0 });
    await runImportStep({ graph: t.graph, runs, log }, { runId: RUN, now: at(1), phaseStartedAt: T0, settings: settings() });
    const late = await runImportStep({ graph: t.graph, runs, log }, { runId: RUN, now: at(31), phaseStartedAt: T0, settings: settings() });
    expect(late.done).toBe(true);
    expect((await runCleanupStep({ graph: t.graph, runs, log }, { runId: RUN, now: at(32), phaseStartedAt: at(32), settings: settings() })).done).toBe(true);
    const state = (await runs.readChunkState(RUN, 0))!;
    expect(state.devices[0]).toMatchObject({ importStatus: 'timed-out', result: 'failed', recordDeleted: true, failure: { code: 'ImportTimeout' } });
  });
});
