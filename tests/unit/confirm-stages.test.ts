import { describe, expect, it } from 'vitest';
import type { AutopilotDevice } from '../../shared/graph/autopilot-api';
import { espStage, groupStage, profileStage, registrationStage, type GroupFacts } from '../../shared/run/confirm/stages';
import type { EspResolution } from '../../shared/run/confirm/esp';
import type { DeviceState } from '../../shared/run/model';
import { ESP_ID, GROUP_ID, PROFILE_ID, T0, at, settings } from '../support/run-fixtures';

/**
 * The confirmation verdicts, one table per stage, on the pure stage rules: each row a device in a
 * stage, what the service shows, the clock — and the verdict (passed to the next stage, still
 * waiting, or failed with its code and message). Deadlines are 30 minutes (run-fixtures settings).
 */
const device = (over: Partial<DeviceState>): DeviceState => ({
  line: 2,
  serialNumber: 'SN-1',
  importStatus: 'complete',
  recordDeleted: false,
  alreadyRegistered: false,
  stage: 'registration',
  at: { imported: T0 },
  ...over,
});
const record = (over: Partial<AutopilotDevice> = {}): AutopilotDevice => ({
  id: 'ztd-1',
  serialNumber: 'SN-1',
  azureAdDeviceId: 'AAD-1',
  deploymentProfileAssignmentStatus: 'assignedInSync',
  ...over,
});
const ctx = (minutes: number, over: Parameters<typeof settings>[0] = {}) => ({ now: at(minutes), settings: settings(over) });
const verdict = (d: DeviceState) =>
  d.result === 'failed' ? `failed ${d.failure!.code}` : d.result === 'confirmed' ? 'confirmed' : `at ${d.stage}`;

describe('registration', () => {
  it.each([
    ['found: registered, its Entra id and profile status read', record(), 5, 'at group'],
    ['not found before its deadline: waits', undefined, 29, 'at registration'],
    ['not found at its deadline', undefined, 30, 'failed RegistrationTimeout'],
  ] as const)('%s', (_, found, minute, expected) => {
    const d = device({});
    registrationStage(d, found, ctx(minute));
    expect(verdict(d)).toBe(expected);
    if (found)
      expect(d).toMatchObject({ ztdId: 'ztd-1', aadDeviceId: 'AAD-1', profileStatus: 'assignedInSync', at: { registered: at(minute) } });
    if (expected.startsWith('failed'))
      expect(d.failure!.message).toBe('The device did not appear in Windows Autopilot devices within 30 minutes.');
  });
});

describe('group', () => {
  const inGroup: GroupFacts[] = [{ groupId: GROUP_ID, members: new Set(['aad-1']) }];
  const notIn: GroupFacts[] = [{ groupId: GROUP_ID, members: new Set(['aad-other']) }];
  const registered = (over: Partial<DeviceState> = {}) =>
    device({ stage: 'group', ztdId: 'ztd-1', aadDeviceId: 'AAD-1', at: { imported: T0, registered: T0 }, ...over });
  it.each([
    ['a member (ids compared case-insensitively)', registered(), undefined, inGroup, 1, 'at profile'],
    ['not a member before the deadline: waits', registered(), undefined, notIn, 29, 'at group'],
    ['not a member at the deadline', registered(), undefined, notIn, 30, 'failed NotInExpectedGroup'],
    [
      'the expected group does not exist',
      registered(),
      undefined,
      [{ groupId: GROUP_ID, members: undefined }],
      1,
      'failed ExpectedGroupNotFound',
    ],
    [
      'no Entra id yet, the record read again supplies it',
      registered({ aadDeviceId: undefined }),
      record({ azureAdDeviceId: 'aad-1' }),
      inGroup,
      1,
      'at profile',
    ],
    [
      'no Entra id at the deadline: the registration has no Entra device',
      registered({ aadDeviceId: undefined }),
      record({ azureAdDeviceId: null, azureActiveDirectoryDeviceId: '' }),
      notIn,
      30,
      'failed NoEntraDevice',
    ],
  ] as const)('%s', (_, d, found, groups, minute, expected) => {
    const state = { ...d, at: { ...d.at } };
    groupStage(state, found, groups, ctx(minute));
    expect(verdict(state)).toBe(expected);
    if (expected === 'failed NotInExpectedGroup')
      expect(state.failure!.message).toBe(`The device's Entra object is not a member of ${GROUP_ID} after 30 minutes.`);
    if (expected === 'failed ExpectedGroupNotFound') expect(state.failure!.message).toBe(`The expected group ${GROUP_ID} does not exist.`);
  });

  it('a device in one of two expected groups waits for the other, and records which it is in', () => {
    const OTHER = 'b0b0b0b0-0000-4000-8000-000000000002';
    const d = registered();
    groupStage(
      d,
      undefined,
      [...inGroup, { groupId: OTHER, members: new Set() }],
      ctx(1, { expected: { groupIds: [GROUP_ID, OTHER], profileId: PROFILE_ID, espId: ESP_ID } }),
    );
    expect({ verdict: verdict(d), groupIds: d.groupIds }).toEqual({ verdict: 'at group', groupIds: [GROUP_ID] });
  });
});

describe('profile', () => {
  const grouped = () =>
    device({
      stage: 'profile',
      ztdId: 'ztd-1',
      aadDeviceId: 'aad-1',
      profileStatus: 'pending',
      at: { imported: T0, registered: T0, inGroup: T0 },
    });
  it.each([
    ['the expected profile, assigned', record(), PROFILE_ID, 1, 'at esp'],
    ['assignedOutOfSync counts as assigned', record({ deploymentProfileAssignmentStatus: 'assignedOutOfSync' }), PROFILE_ID, 1, 'at esp'],
    ['still pending before the deadline: waits', record({ deploymentProfileAssignmentStatus: 'pending' }), undefined, 29, 'at profile'],
    ['still pending at the deadline', record({ deploymentProfileAssignmentStatus: 'pending' }), undefined, 30, 'failed ProfileNotAssigned'],
    ['failed is not assigned', record({ deploymentProfileAssignmentStatus: 'failed' }), undefined, 30, 'failed ProfileNotAssigned'],
    ['another profile, at the deadline', record(), 'another-profile', 30, 'failed UnexpectedProfile'],
    ['another profile before the deadline: waits (a reassignment may be on its way)', record(), 'another-profile', 29, 'at profile'],
  ] as const)('%s', (_, found, profileId, minute, expected) => {
    const d = grouped();
    profileStage(d, found, profileId, ctx(minute));
    expect(verdict(d)).toBe(expected);
    if (expected === 'failed UnexpectedProfile')
      expect(d.failure!.message).toBe(`The device got deployment profile another-profile instead of ${PROFILE_ID}.`);
    if (expected === 'failed ProfileNotAssigned')
      expect(d.failure!.message).toMatch(/^The deployment profile is still "(pending|failed)" after 30 minutes\.$/);
  });

  it('without an expected profile, any assigned profile passes', () => {
    const d = grouped();
    profileStage(d, record(), 'whatever', ctx(1, { expected: { groupIds: [GROUP_ID], espId: ESP_ID } }));
    expect(verdict(d)).toBe('at esp');
  });
});

describe('ESP', () => {
  const assigned = () =>
    device({ stage: 'esp', ztdId: 'ztd-1', aadDeviceId: 'aad-1', at: { imported: T0, registered: T0, inGroup: T0, profileAssigned: T0 } });
  const esp = (id: string, priority = 1) => ({ id, displayName: `ESP ${id}`, priority, isDefault: false, assignments: [] });
  it.each<[string, EspResolution, number, string]>([
    ['the expected ESP applies', { kind: 'resolved', esp: esp(ESP_ID) }, 1, 'confirmed'],
    ['another ESP before the deadline: waits', { kind: 'resolved', esp: esp('other') }, 29, 'at esp'],
    ['another ESP at the deadline', { kind: 'resolved', esp: esp('other') }, 30, 'failed UnexpectedEsp'],
    ['no ESP at all at the deadline', { kind: 'resolved', esp: undefined }, 30, 'failed UnexpectedEsp'],
    [
      'an assignment filter decides: cannot be confirmed, at once',
      { kind: 'filtered', esp: esp(ESP_ID), filterId: 'f-1', filterType: 'include' },
      1,
      'failed EspNotConfirmable',
    ],
  ])('%s', (_, resolution, minute, expected) => {
    const d = assigned();
    espStage(d, resolution, ctx(minute));
    expect(verdict(d)).toBe(expected);
    if (expected === 'failed UnexpectedEsp' && resolution.kind === 'resolved' && resolution.esp)
      expect(d.failure!.message).toBe(`The Enrollment Status Page that applies is "ESP other" (other), not ${ESP_ID}.`);
    if (expected === 'failed EspNotConfirmable') expect(d.failure!.message).toContain(`assignment filter f-1 (include) on "ESP ${ESP_ID}"`);
  });

  it('without an expected ESP every device reaching the stage is confirmed', () => {
    const d = assigned();
    espStage(d, undefined, ctx(1, { expected: { groupIds: [GROUP_ID], profileId: PROFILE_ID } }));
    expect(verdict(d)).toBe('confirmed');
  });
});

describe('a stage never touches a device that is not in it', () => {
  it.each(['registration', 'group', 'profile', 'esp'] as const)('%s', (stage) => {
    const done = device({ stage: 'done', result: 'confirmed' });
    const before = JSON.stringify(done);
    const c = ctx(99);
    const changed = {
      registration: registrationStage(done, record(), c),
      group: groupStage(done, record(), [], c),
      profile: profileStage(done, record(), PROFILE_ID, c),
      esp: espStage(done, undefined, c),
    }[stage];
    expect(changed).toBe(false);
    expect(JSON.stringify(done)).toBe(before);
  });
});
