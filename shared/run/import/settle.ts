/**
 * What an import record's state means for its device — pure rules, no I/O: settle a finished
 * record, fail a device, time out an import. Decisions use the numeric DDS code
 * (outcomes.ts).
 */
import type { ImportRecord } from '../../graph/autopilot-api';
import { mapImportOutcome } from './outcomes';
import type { DeviceState } from '../model';

/** Still being processed: `partial` is a state of the whole import, not a final one (CSDL enum 0-4). */
const IN_PROGRESS = new Set(['unknown', 'pending', 'partial']);

export function failImport(device: DeviceState, now: string, code: string, message: string, remediation: string): void {
  device.importStatus = device.importStatus === 'timed-out' ? 'timed-out' : 'error';
  device.result = 'failed';
  device.failure = { stage: 'import', code, message, remediation };
  device.at.finished = now;
}

/** The device was already registered in this tenant (806, or found there before its import): carry on to confirmation. */
export function markAlreadyRegistered(device: DeviceState, now: string, ztdId?: string): void {
  device.importStatus = 'error';
  device.alreadyRegistered = true;
  if (ztdId) device.ztdId = ztdId;
  device.at.imported = now;
  device.stage = 'registration';
}

/** Applies a polled record's state to its device; false while the import is still in progress. */
export function settleImport(device: DeviceState, record: ImportRecord, now: string): boolean {
  const status = record.state?.deviceImportStatus ?? 'unknown';
  if (IN_PROGRESS.has(status)) return false;
  const code = record.state?.deviceErrorCode ?? undefined;
  const name = record.state?.deviceErrorName ?? undefined;
  const outcome = mapImportOutcome(status, code, name);
  device.importErrorCode = code && code !== 0 ? code : undefined;
  device.importErrorName = name && name !== 'None' ? name : undefined;
  if (outcome.kind === 'imported') {
    device.importStatus = 'complete';
    device.ztdId = record.state?.deviceRegistrationId || undefined;
    device.at.imported = now;
    device.stage = 'registration';
  } else if (outcome.kind === 'already-registered') {
    markAlreadyRegistered(device, now);
  } else {
    failImport(device, now, outcome.code, outcome.message, outcome.remediation);
  }
  return true;
}

/** A pending record that no longer exists: someone else deleted it before it finished. */
export function recordVanished(device: DeviceState, now: string): void {
  device.recordDeleted = true;
  failImport(
    device,
    now,
    'ImportRecordMissing',
    'The import record disappeared before it finished (deleted by another tool?).',
    'Drop the row again.',
  );
}

export function timeOutImport(device: DeviceState, now: string, minutes: number): void {
  device.importStatus = 'timed-out';
  failImport(
    device,
    now,
    'ImportTimeout',
    `The import did not finish within ${minutes} minutes.`,
    'Check the device in Intune later; drop the row again if it is not there.',
  );
}
