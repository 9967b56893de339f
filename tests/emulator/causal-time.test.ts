/**
 * Deferred work is causal, not wall-clock: what one stage sets off (a membership evaluation puts a
 * device in a group, which gives it a profile) is due from the instant that stage was due. With a
 * clock that ticks on every reading, as a busy machine's does between two lines, the whole chain
 * must still be done by one pass at time scale 0. It was not: the profile assignment was scheduled
 * from a later reading than the pass ran up to, and the next request saw 'pending' (the drift
 * suite's duplicate-registration case, under CI load).
 */
import { describe, expect, it } from 'vitest';
import { EmulatorClock } from '../../local/graph-emulator/clock';
import { duplicateRegistration } from '../../local/graph-emulator/domain/drift';
import { Tenant } from '../../local/graph-emulator/domain/tenant';
import { applySeed } from '../../local/graph-emulator/seed';
import { defaultSettings, type Settings } from '../../local/graph-emulator/settings';

const GROUP = '0d0a0000-0000-4000-8000-000000000001';
const PROFILE = '0d0a0000-0000-4000-8000-000000000010';

function tickingTenant(): Tenant {
  let wall = Date.parse('2026-12-07T12:00:00Z');
  const settings: Settings = { ...defaultSettings(), timeScale: 0 };
  const tenant = new Tenant(new EmulatorClock(() => (wall += 1)), () => settings);
  applySeed(tenant, {
    groups: [{ id: GROUP, displayName: 'Autopilot devices', membershipRule: '(device.devicePhysicalIDs -any (_ -contains "[ZTDID]"))' }],
    deploymentProfiles: [{ id: PROFILE, displayName: 'User-driven', assignments: [{ groupId: GROUP }] }],
    devices: [{ serialNumber: 'CAUSAL01' }],
  });
  tenant.runDue();
  return tenant;
}

describe('deferred work at time scale 0 on a clock that ticks on every reading', () => {
  it('a new registration is in its group and has its profile after one pass', () => {
    const tenant = tickingTenant();
    const original = [...tenant.store.autopilotAll.values()][0]!;
    expect(original.profileStatus).toBe('assignedInSync');

    const duplicate = duplicateRegistration(tenant, original, undefined);
    expect(duplicate.profileStatus).not.toBe('assignedInSync');
    tenant.runDue();
    expect(tenant.store.groups.get(GROUP)!.members.has(duplicate.deviceObjectId)).toBe(true);
    expect(duplicate.profileStatus).toBe('assignedInSync');
    expect(duplicate.profileId).toBe(PROFILE);
  });

  it('work set off by deferred work is due at the instant that work was due, not later', () => {
    const tenant = tickingTenant();
    const original = [...tenant.store.autopilotAll.values()][0]!;
    const duplicate = duplicateRegistration(tenant, original, undefined);
    const evaluation = tenant.scheduler.snapshot().find((e) => e.event.kind === 'evaluateDevices')!;
    tenant.runDue();
    expect(duplicate.profileAssignedAt).toBe(evaluation.due);
  });
});
