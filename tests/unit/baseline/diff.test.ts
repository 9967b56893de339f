import { describe, expect, it } from 'vitest';
import { defaultBaseline } from '../../../shared/baseline/default';
import { diff } from '../../../shared/baseline/diff';
import { withMarker } from '../../../shared/baseline/marker';
import { toEsp, toGroup, toProfile, type ObservedTenant } from '../../../shared/baseline/observed';
import { hasDrift } from '../../../shared/baseline/plan';
import type { Baseline } from '../../../shared/baseline/schema';

const GROUP = '11111111-1111-4111-8111-111111111111';
const OTHER_GROUP = '22222222-2222-4222-8222-222222222222';
const PROFILE = '33333333-3333-4333-8333-333333333333';
const ESP = '44444444-4444-4444-8444-444444444444_Windows10EnrollmentCompletionPageConfiguration';
const DEFAULT_ESP = 'abcd_DefaultWindows10EnrollmentCompletionPageConfiguration';

const target = (groupId: string, exclude = false) => ({
  '@odata.type': exclude ? '#microsoft.graph.exclusionGroupAssignmentTarget' : '#microsoft.graph.groupAssignmentTarget',
  groupId,
});

/** A tenant configured exactly as the default baseline says, in the beta shapes Graph returns. */
function appliedTenant(b: Baseline = defaultBaseline()): {
  raw: { groups: object[]; esps: object[]; profiles: object[] };
  tenant: () => ObservedTenant;
} {
  const g = b.groups[0]!;
  const e = b.enrollmentStatusPages[0]!;
  const p = b.deploymentProfiles[0]!;
  const raw = {
    groups: [
      {
        id: GROUP,
        displayName: g.displayName,
        description: withMarker(g.key, g.description),
        mailNickname: g.mailNickname,
        groupTypes: ['DynamicMembership'],
        membershipRule: g.membershipRule,
        membershipRuleProcessingState: 'On',
      },
    ],
    esps: [
      {
        '@odata.type': '#microsoft.graph.windows10EnrollmentCompletionPageConfiguration',
        id: DEFAULT_ESP,
        displayName: 'All users and all devices',
        priority: 0,
        deviceEnrollmentConfigurationType: 'windows10EnrollmentCompletionPageConfiguration',
        showInstallationProgress: false,
        assignments: [{ id: 'd1', source: 'direct', target: { '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget' } }],
      },
      {
        '@odata.type': '#microsoft.graph.windows10EnrollmentCompletionPageConfiguration',
        id: ESP,
        displayName: e.displayName,
        description: withMarker(e.key, e.description),
        priority: 1,
        deviceEnrollmentConfigurationType: 'windows10EnrollmentCompletionPageConfiguration',
        ...e.settings,
        assignments: [{ id: 'a1', source: 'direct', target: target(GROUP) }],
      },
    ],
    profiles: [
      {
        '@odata.type': '#microsoft.graph.azureADWindowsAutopilotDeploymentProfile',
        id: PROFILE,
        displayName: p.displayName,
        description: withMarker(p.key, p.description),
        deviceType: 'windowsPc',
        deviceNameTemplate: '',
        locale: 'os-default',
        language: 'os-default',
        preprovisioningAllowed: false,
        enableWhiteGlove: false,
        hardwareHashExtractionEnabled: false,
        extractHardwareHash: false,
        outOfBoxExperienceSetting: {
          deviceUsageType: 'singleUser',
          userType: 'standard',
          eulaHidden: true,
          privacySettingsHidden: true,
          escapeLinkHidden: true,
          keyboardSelectionPageSkipped: true,
        },
        outOfBoxExperienceSettings: {
          deviceUsageType: 'singleUser',
          userType: 'standard',
          hideEULA: true,
          hidePrivacySettings: true,
          hideEscapeLink: true,
          skipKeyboardSelectionPage: true,
        },
        assignments: [{ id: 'p1', source: 'direct', target: target(GROUP) }],
      },
    ],
  };
  return {
    raw,
    tenant: () => ({
      groups: raw.groups.map(toGroup),
      esps: raw.esps.map(toEsp).filter((x) => x !== undefined),
      profiles: raw.profiles.map(toProfile),
    }),
  };
}

const EMPTY: ObservedTenant = {
  groups: [],
  esps: [toEsp({ id: DEFAULT_ESP, priority: 0, deviceEnrollmentConfigurationType: 'windows10EnrollmentCompletionPageConfiguration' })!],
  profiles: [],
};

describe('baseline diff', () => {
  it('an empty tenant: everything is created, the ESP placed, each assignment added once; the default ESP untouched', () => {
    const plan = diff(defaultBaseline(), EMPTY);
    expect(plan.steps).toEqual([
      { kind: 'create', type: 'group', key: 'autopilot-devices', displayName: 'Autopilot devices' },
      { kind: 'create', type: 'esp', key: 'autopilot-esp', displayName: 'Autopilot ESP' },
      { kind: 'setPriority', key: 'autopilot-esp', to: 1 },
      { kind: 'assign', type: 'esp', key: 'autopilot-esp', target: 'include', groupKey: 'autopilot-devices' },
      { kind: 'create', type: 'profile', key: 'autopilot-user-driven', displayName: 'Autopilot user-driven Entra join' },
      { kind: 'assign', type: 'profile', key: 'autopilot-user-driven', target: 'include', groupKey: 'autopilot-devices' },
    ]);
    expect(plan.conflicts).toEqual([]);
    expect(hasDrift(plan)).toBe(true);
  });

  it('a tenant that matches: no steps, no drift — deprecated and new profile names both present', () => {
    const plan = diff(defaultBaseline(), appliedTenant().tenant());
    expect(plan).toMatchObject({ steps: [], conflicts: [], notes: [] });
    expect(hasDrift(plan)).toBe(false);
    expect(plan.ids).toEqual({ 'autopilot-devices': GROUP, 'autopilot-esp': ESP, 'autopilot-user-driven': PROFILE });
  });

  it('normalises the deprecated/new pairs both ways: only the deprecated names, or only the new ones, is no drift', () => {
    const only = (drop: string[]) => {
      const t = appliedTenant();
      for (const p of t.raw.profiles as Record<string, unknown>[]) for (const name of drop) delete p[name];
      return diff(defaultBaseline(), t.tenant()).steps;
    };
    expect(only(['locale', 'preprovisioningAllowed', 'hardwareHashExtractionEnabled', 'outOfBoxExperienceSetting'])).toEqual([]);
    expect(only(['language', 'enableWhiteGlove', 'extractHardwareHash', 'outOfBoxExperienceSettings'])).toEqual([]);
  });

  it('a deprecated property changed alone (an old client wrote it) is drift, reported under the new name', () => {
    const t = appliedTenant();
    const p = t.raw.profiles[0] as Record<string, unknown>;
    delete p.outOfBoxExperienceSetting;
    (p.outOfBoxExperienceSettings as Record<string, unknown>).hideEULA = false;
    expect(diff(defaultBaseline(), t.tenant()).steps).toEqual([
      {
        kind: 'update',
        type: 'profile',
        key: 'autopilot-user-driven',
        id: PROFILE,
        changes: [{ field: 'oobe.eulaHidden', from: false, to: true }],
      },
    ]);
  });

  it('hand changes: a property, an added assignment, a changed priority, a renamed group — each found, nothing else', () => {
    const t = appliedTenant();
    (t.raw.esps[1] as Record<string, unknown>).installProgressTimeoutInMinutes = 120;
    (t.raw.esps[1] as Record<string, unknown>).priority = 2;
    (t.raw.profiles[0] as { assignments: object[] }).assignments.push({ id: 'p2', source: 'direct', target: target(OTHER_GROUP, true) });
    (t.raw.groups[0] as Record<string, unknown>).displayName = 'Renamed by hand';
    expect(diff(defaultBaseline(), t.tenant()).steps).toEqual([
      {
        kind: 'update',
        type: 'group',
        key: 'autopilot-devices',
        id: GROUP,
        changes: [{ field: 'displayName', from: 'Renamed by hand', to: 'Autopilot devices' }],
      },
      {
        kind: 'update',
        type: 'esp',
        key: 'autopilot-esp',
        id: ESP,
        changes: [{ field: 'installProgressTimeoutInMinutes', from: 120, to: 60 }],
      },
      { kind: 'setPriority', key: 'autopilot-esp', id: ESP, from: 2, to: 1 },
      {
        kind: 'unassign',
        type: 'profile',
        key: 'autopilot-user-driven',
        id: PROFILE,
        assignmentId: 'p2',
        what: `exclude group ${OTHER_GROUP}`,
      },
    ]);
  });

  it('assignments are changed one target at a time: the new one added before the old one removed; policy-set ones left alone', () => {
    const t = appliedTenant();
    const esp = t.raw.esps[1] as { assignments: object[] };
    esp.assignments = [
      { id: 'old', source: 'direct', target: target(OTHER_GROUP) },
      { id: 'ps', source: 'policySets', target: target(OTHER_GROUP) },
    ];
    const steps = diff(defaultBaseline(), t.tenant()).steps;
    expect(steps).toEqual([
      { kind: 'assign', type: 'esp', key: 'autopilot-esp', target: 'include', groupKey: 'autopilot-devices' },
      { kind: 'unassign', type: 'esp', key: 'autopilot-esp', id: ESP, assignmentId: 'old', what: `include group ${OTHER_GROUP}` },
    ]);
  });

  it('an exclusion in the baseline is an exclusion target; the same group included is not the same assignment', () => {
    const b = defaultBaseline();
    b.groups.push({ ...b.groups[0]!, key: 'lab', displayName: 'Lab', mailNickname: 'lab' });
    b.deploymentProfiles[0]!.assignments.exclude = ['lab'];
    const t = appliedTenant(b);
    t.raw.groups.push({
      ...(t.raw.groups[0] as object),
      id: OTHER_GROUP,
      displayName: 'Lab',
      mailNickname: 'lab',
      description: withMarker('lab', ''),
    });
    (t.raw.profiles[0] as { assignments: object[] }).assignments.push({ id: 'x', source: 'direct', target: target(OTHER_GROUP) });
    expect(diff(b, t.tenant()).steps).toEqual([
      {
        kind: 'update',
        type: 'group',
        key: 'lab',
        id: OTHER_GROUP,
        changes: [{ field: 'description', from: '[baseline:lab]', to: '[baseline:lab] All Windows Autopilot registered devices' }],
      },
      { kind: 'assign', type: 'profile', key: 'autopilot-user-driven', target: 'exclude', groupKey: 'lab' },
      {
        kind: 'unassign',
        type: 'profile',
        key: 'autopilot-user-driven',
        id: PROFILE,
        assignmentId: 'x',
        what: `include group ${OTHER_GROUP}`,
      },
    ]);
  });

  it('identity is the marker, not the name: an unmarked namesake is a conflict, adopted only with --adopt', () => {
    const t = appliedTenant();
    for (const list of [t.raw.groups, t.raw.esps, t.raw.profiles])
      for (const o of list as Record<string, unknown>[]) if (o.id !== DEFAULT_ESP) o.description = 'made by hand';
    const refused = diff(defaultBaseline(), t.tenant());
    expect(refused.conflicts.map((c) => c.key)).toEqual(['autopilot-devices', 'autopilot-esp', 'autopilot-user-driven']);
    expect(refused.conflicts[0]!.message).toMatch(/without the baseline marker: run with --adopt/);
    const adopted = diff(defaultBaseline(), t.tenant(), { adopt: true });
    expect(adopted.conflicts).toEqual([]);
    expect(adopted.steps.filter((s) => s.kind === 'adopt').map((s) => s.key)).toEqual([
      'autopilot-devices',
      'autopilot-esp',
      'autopilot-user-driven',
    ]);
    expect(adopted.steps.find((s) => s.kind === 'update' && s.type === 'group')).toMatchObject({
      changes: [
        { field: 'description', from: 'made by hand', to: '[baseline:autopilot-devices] All Windows Autopilot registered devices' },
      ],
    });
  });

  it('the default ESP is never matched, even by name, and never reassigned', () => {
    const b = defaultBaseline();
    b.enrollmentStatusPages[0]!.displayName = 'All users and all devices';
    const plan = diff(b, EMPTY, { adopt: true });
    expect(plan.steps.filter((s) => s.kind !== 'create' && s.kind !== 'assign' && s.kind !== 'setPriority')).toEqual([]);
    expect(JSON.stringify(plan.steps)).not.toContain(DEFAULT_ESP);
  });

  it('a create-only field (deviceType) is a replace, with the assignments added again', () => {
    const t = appliedTenant();
    (t.raw.profiles[0] as Record<string, unknown>).deviceType = 'holoLens';
    expect(diff(defaultBaseline(), t.tenant()).steps).toEqual([
      {
        kind: 'replace',
        type: 'profile',
        key: 'autopilot-user-driven',
        id: PROFILE,
        changes: [{ field: 'deviceType', from: 'holoLens', to: 'windowsPc' }],
      },
      { kind: 'assign', type: 'profile', key: 'autopilot-user-driven', target: 'include', groupKey: 'autopilot-devices' },
    ]);
  });

  it('ESP settings the service ignores while the ESP is hidden are not compared; a priority past the end is a conflict', () => {
    const b = defaultBaseline();
    b.enrollmentStatusPages[0]!.settings.showInstallationProgress = false;
    const t = appliedTenant(b);
    (t.raw.esps[1] as Record<string, unknown>).installProgressTimeoutInMinutes = 999;
    expect(diff(b, t.tenant()).steps).toEqual([]);
    b.enrollmentStatusPages[0]!.priority = 3;
    expect(diff(b, t.tenant()).conflicts).toEqual([
      {
        type: 'esp',
        key: 'autopilot-esp',
        message: 'priority 3 is past the last custom ESP (the tenant will have 1); the service would renumber it',
      },
    ]);
  });

  it('ESP order: several moves are made lowest priority first', () => {
    const b = defaultBaseline();
    b.enrollmentStatusPages.push({ ...b.enrollmentStatusPages[0]!, key: 'second', displayName: 'Second', priority: 2 });
    const t = appliedTenant(b);
    const first = t.raw.esps[1] as Record<string, unknown>;
    first.priority = 2;
    t.raw.esps.push({
      ...first,
      id: 'second-id',
      displayName: 'Second',
      description: withMarker('second', b.enrollmentStatusPages[1]!.description),
      priority: 1,
    });
    expect(diff(b, t.tenant()).steps.filter((s) => s.kind === 'setPriority')).toEqual([
      { kind: 'setPriority', key: 'autopilot-esp', id: ESP, from: 2, to: 1 },
      { kind: 'setPriority', key: 'second', id: 'second-id', from: 1, to: 2 },
    ]);
  });

  it('a marked object the baseline no longer declares is noted, never deleted', () => {
    const t = appliedTenant();
    t.raw.groups.push({ ...(t.raw.groups[0] as object), id: OTHER_GROUP, description: withMarker('retired', '') });
    const plan = diff(defaultBaseline(), t.tenant());
    expect(plan.steps).toEqual([]);
    expect(plan.notes).toEqual([
      `"Autopilot devices" (${OTHER_GROUP}) carries [baseline:retired], which the baseline no longer declares; left as it is`,
    ]);
  });
});
