import { describe, expect, it } from 'vitest';
import { RUN_ID_PATTERN, runIdFor } from '../../shared/run/run-id';
import { mapImportOutcome } from '../../shared/run/import/outcomes';

describe('run ids', () => {
  it('are stable per blob version and differ between versions and names', () => {
    const a = runIdFor('autopilot-intake', 'oem/batch 1.csv', '"0x8DC1"');
    expect(a).toMatch(RUN_ID_PATTERN);
    expect(runIdFor('autopilot-intake', 'oem/batch 1.csv', '0x8DC1')).toBe(a); // quoting of the ETag does not matter
    expect(runIdFor('autopilot-intake', 'oem/batch 1.csv', '"0x8DC2"')).not.toBe(a);
    expect(runIdFor('autopilot-intake', 'oem/batch 2.csv', '"0x8DC1"')).not.toBe(a);
  });
});

describe('import outcome mapping', () => {
  it.each([
    ['complete', 0, 'None', 'imported'],
    ['error', 806, 'ZtdDeviceAlreadyAssigned', 'already-registered'],
    ['error', 808, 'ZtdDeviceAssignedToOtherTenant', 'failed'],
    ['error', 808, 'ZtdDeviceAssignedToAnotherTenant', 'failed'],
    ['error', 802, 'InvalidZtdHardwareHash', 'failed'],
    ['error', 803, 'MissingZtdSerialNumberAndProductKey', 'failed'],
    ['error', 0, 'ZtdDeviceDuplicated', 'failed'],
    ['error', 999, 'SomethingNew', 'failed'],
  ])('%s %i %s → %s', (status, code, name, kind) => {
    expect(mapImportOutcome(status, code, name).kind).toBe(kind);
  });

  it('gives 808 the deregistration remediation, 802 the re-capture one, and never loses an unknown code', () => {
    const o808 = mapImportOutcome('error', 808, 'ZtdDeviceAssignedToAnotherTenant');
    expect(o808).toMatchObject({ kind: 'failed', code: '808' });
    expect(o808.kind === 'failed' && o808.remediation).toMatch(/deregister/);
    const o802 = mapImportOutcome('error', 802, undefined);
    expect(o802.kind === 'failed' && o802.remediation).toMatch(/Capture the hash again/);
    expect(mapImportOutcome('error', 999, 'SomethingNew')).toMatchObject({ code: '999' });
  });
});
