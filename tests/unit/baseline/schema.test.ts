import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defaultBaseline, renderDefaultBaseline } from '../../../shared/baseline/default';
import { BASELINE_SCHEMA_FILE, DEFAULT_BASELINE_FILE, renderBaselineSchema } from '../../../shared/baseline/files';
import { BaselineError, parseBaseline } from '../../../shared/baseline/schema';

function problems(json: unknown): string[] {
  try {
    parseBaseline(JSON.stringify(json), 'tenant.json');
  } catch (error) {
    if (error instanceof BaselineError) return error.problems;
    throw error;
  }
  return [];
}

describe('baseline file', () => {
  it('the committed baseline/tenant.json is what `npm run baseline -- init` writes, and it parses', () => {
    const text = readFileSync(DEFAULT_BASELINE_FILE, 'utf8');
    expect(text).toBe(renderDefaultBaseline());
    expect(parseBaseline(text)).toEqual(defaultBaseline());
  });

  it('the published JSON Schema is the one the code generates (npm run baseline -- schema)', () => {
    expect(readFileSync(BASELINE_SCHEMA_FILE, 'utf8')).toBe(renderBaselineSchema());
  });

  it('the default mirrors the tutorial: ZTDID dynamic group, ESP shown and assigned, user-driven Entra join profile assigned', () => {
    const b = defaultBaseline();
    expect(b.groups[0]!.membershipRule).toBe('(device.devicePhysicalIDs -any (_ -contains "[ZTDID]"))');
    expect(b.enrollmentStatusPages[0]).toMatchObject({
      priority: 1,
      settings: { showInstallationProgress: true },
      assignments: { include: ['autopilot-devices'] },
    });
    expect(b.deploymentProfiles[0]).toMatchObject({
      joinType: 'azureAD',
      oobe: { userType: 'standard' },
      assignments: { include: ['autopilot-devices'] },
    });
  });

  it('names every problem of a wrong file with its path', () => {
    const bad = {
      version: 1,
      groups: [{ key: 'g', displayName: 'G', mailNickname: 'has space', membershipRule: 'x' }],
      enrollmentStatusPages: [
        { key: 'e', displayName: 'E', priority: 1, settings: { showInstallationProgress: true }, assignments: { include: ['nope'] } },
        { key: 'e', displayName: 'E2', priority: 1, settings: { showInstallationProgress: true, colour: 'red' } },
      ],
      deploymentProfiles: [{ key: 'p', displayName: 'P', deviceNameTemplate: 'MUCH-TOO-LONG-NAME-%SERIAL%' }],
    };
    const found = problems(bad);
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^groups\.0\.mailNickname: mailNickname: 1–64 characters/),
        expect.stringMatching(/^enrollmentStatusPages\.1\.settings: Unrecognized key: "colour"/),
        expect.stringMatching(/^deploymentProfiles\.0\.deviceNameTemplate: /),
      ]),
    );
    // Cross-reference checks run once the shapes are right.
    const refs = problems({
      ...bad,
      groups: [{ ...bad.groups[0], mailNickname: 'ok' }],
      enrollmentStatusPages: bad.enrollmentStatusPages.map((e) => ({ ...e, settings: { showInstallationProgress: true } })),
      deploymentProfiles: [],
    });
    expect(refs).toEqual([
      'enrollmentStatusPages.1.key: key "e" is already used by enrollmentStatusPages[0]',
      'enrollmentStatusPages.0.assignments.include.0: no group with key "nope" in groups',
      "enrollmentStatusPages.1.priority: priority 1 is also e's",
    ]);
  });

  it('refuses ESP settings Intune only takes apart: blocking retry with reset/use on failure or tracked apps', () => {
    const esp = (settings: Record<string, unknown>) => ({
      version: 1,
      groups: [],
      enrollmentStatusPages: [{ key: 'e', displayName: 'E', priority: 1, settings: { showInstallationProgress: true, ...settings } }],
      deploymentProfiles: [],
    });
    expect(
      problems(
        esp({
          blockDeviceSetupRetryByUser: true,
          allowDeviceUseOnInstallFailure: true,
          selectedMobileAppIds: ['0f6a2d1e-1111-4c3b-9a55-000000000001'],
        }),
      ),
    ).toEqual([
      'enrollmentStatusPages.0.settings.allowDeviceUseOnInstallFailure: allowDeviceUseOnInstallFailure cannot be set when blockDeviceSetupRetryByUser is true',
      'enrollmentStatusPages.0.settings.selectedMobileAppIds: selectedMobileAppIds cannot be set when blockDeviceSetupRetryByUser is true',
    ]);
    expect(problems(esp({ blockDeviceSetupRetryByUser: true }))).toEqual([]);
    expect(problems(esp({ allowDeviceResetOnInstallFailure: true, allowDeviceUseOnInstallFailure: true }))).toEqual([]);
  });

  it('says when the file is not JSON or not version 1', () => {
    expect(() => parseBaseline('{', 'x.json')).toThrow(/x\.json is not a valid baseline:\n {2}not JSON/);
    expect(problems({ version: 2 })).toEqual([expect.stringMatching(/^version: /)]);
  });
});
