/**
 * What an import record's final state means for the device. Decisions use the numeric DDS code
 * (names differ between the docs and the service, e.g. 808's two spellings).
 */
export type ImportOutcome =
  { kind: 'imported' } | { kind: 'already-registered' } | { kind: 'failed'; code: string; message: string; remediation: string };

const REMEDIATION: Record<number, { message: string; remediation: string }> = {
  801: {
    message: 'Intune rejected the request body (801 InvalidZtdRequestBody).',
    remediation: 'A service-side fault: drop the file again later; if it persists, open a Microsoft support case.',
  },
  802: {
    message: 'The hardware hash is invalid, or its manufacturer or serial number is empty (802 InvalidZtdHardwareHash).',
    remediation:
      'Capture the hash again on the device (Get-WindowsAutopilotInfo) and check that the firmware reports manufacturer and serial number.',
  },
  803: {
    message: 'Serial number and product key are missing or invalid (803 MissingZtdSerialNumberAndProductKey).',
    remediation: 'Fix the row: it needs the device serial number (and the product key if the OEM supplies one).',
  },
  808: {
    message: 'The device is registered to another tenant (808 ZtdDeviceAssignedToOtherTenant).',
    remediation:
      'The previous owner, OEM or reseller must deregister it; otherwise open a Microsoft support case with proof of ownership (invoice naming the serial number) and the Autopilot diagnostics (Mdmdiagnosticstool.exe -area Autopilot -cab).',
  },
  813: {
    message: 'The service cannot identify the device uniquely from its hash (813 ZtdDeviceIsNotUnique).',
    remediation: 'Open a Microsoft support case with the device serial number.',
  },
  814: {
    message: 'An Entra device object already exists for this device (814 ZtdDeviceAlreadyAadRegistered).',
    remediation: 'Investigate the existing Entra device object (stale record?), remove it if stale, and drop the row again.',
  },
};

export function mapImportOutcome(status: string, errorCode: number | undefined, errorName: string | undefined): ImportOutcome {
  if (status === 'complete') return { kind: 'imported' };
  if (errorCode === 806 || errorName === 'ZtdDeviceAlreadyAssigned') return { kind: 'already-registered' };
  if (errorName === 'ZtdDeviceDuplicated') {
    return {
      kind: 'failed',
      code: 'ZtdDeviceDuplicated',
      message: 'The same hardware hash was sent twice in one import call; only one copy was processed.',
      remediation: 'See the row with the same hash in this report; remove the duplicate from the source file.',
    };
  }
  if (errorName === 'StorageError') {
    return {
      kind: 'failed',
      code: 'StorageError',
      message: 'Intune reported a storage error while importing.',
      remediation: 'A service-side fault: drop the row again later; if it persists, open a Microsoft support case.',
    };
  }
  const known = errorCode !== undefined ? REMEDIATION[errorCode] : undefined;
  if (known) return { kind: 'failed', code: String(errorCode), message: known.message, remediation: known.remediation };
  return {
    kind: 'failed',
    code: errorCode !== undefined && errorCode !== 0 ? String(errorCode) : (errorName ?? 'unknown'),
    message: `The import ended in state "${status}" with error ${errorCode ?? '?'} ${errorName ?? ''}`.trim(),
    remediation:
      'Check the device in Intune (Devices > Enrollment > Windows Autopilot devices) and drop the row again; if it persists, open a support case.',
  };
}
