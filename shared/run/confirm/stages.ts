/**
 * The confirmation rules, one pure function per stage: given a device's state, what the service
 * shows now and the settings, move the device on, fail it past its deadline, or leave it waiting.
 * No I/O and no clock of their own (the step passes `now`), so every verdict is testable from a
 * table. Each returns true when it changed the device. A stage's deadline counts from the moment
 * the device passed the previous stage.
 */
import type { RunSettings } from '../../contracts/index';
import type { IdSet } from '../../graph/gateway';
import { entraDeviceIdOf, type RegistrationFacts } from '../../graph/autopilot-api';
import { minutesAfter } from '../counts';
import type { EspResolution } from './esp';
import type { DeviceState } from '../model';

export interface StageContext {
  now: string;
  settings: RunSettings;
}

/** One expected group as read this step: its members among the run's devices, or undefined when it does not exist. */
export interface GroupFacts {
  groupId: string;
  members: IdSet | undefined;
}

function fail(d: DeviceState, now: string, code: string, message: string, remediation: string): true {
  d.result = 'failed';
  d.failure = { stage: d.stage, code, message, remediation };
  d.at.finished = now;
  return true;
}

function pastDeadline(since: string | undefined, minutes: number, now: string): boolean {
  return Date.parse(now) >= minutesAfter(since ?? now, minutes);
}

/** Registration: the device is in windowsAutopilotDeviceIdentities. */
export function registrationStage(d: DeviceState, record: RegistrationFacts | undefined, { now, settings }: StageContext): boolean {
  if (d.stage !== 'registration' || d.result) return false;
  if (record) {
    d.ztdId = record.id;
    d.aadDeviceId = entraDeviceIdOf(record);
    d.profileStatus = record.deploymentProfileAssignmentStatus ?? undefined;
    d.at.registered = now;
    d.stage = 'group';
    return true;
  }
  if (!pastDeadline(d.at.imported, settings.deadlines.registrationMinutes, now)) return false;
  return fail(
    d,
    now,
    'RegistrationTimeout',
    `The device did not appear in Windows Autopilot devices within ${settings.deadlines.registrationMinutes} minutes.`,
    'Check Devices > Windows > Windows enrollment > Devices in Intune; sync there and drop the row again if it is missing.',
  );
}

/**
 * Group: the device's Entra object is a member of every expected group. Autopilot creates that
 * object at registration, but the link (azureAdDeviceId) can lag or fail (IntuneDocs #2076, #3293):
 * while it is empty the record read again this step supplies it.
 */
export function groupStage(
  d: DeviceState,
  record: RegistrationFacts | undefined,
  groups: readonly GroupFacts[],
  { now, settings }: StageContext,
): boolean {
  if (d.stage !== 'group' || d.result) return false;
  let changed = false;
  if (!d.aadDeviceId && record && entraDeviceIdOf(record)) {
    d.aadDeviceId = entraDeviceIdOf(record);
    changed = true;
  }
  const missingGroup = groups.find((g) => g.members === undefined);
  if (missingGroup) {
    return fail(
      d,
      now,
      'ExpectedGroupNotFound',
      `The expected group ${missingGroup.groupId} does not exist.`,
      'Fix EXPECTED_GROUP_IDS in the app settings (or the baseline), or create the group.',
    );
  }
  const aad = d.aadDeviceId?.toLowerCase();
  const missing = groups.filter((g) => !aad || !g.members!.has(aad)).map((g) => g.groupId);
  const inGroups = groups.map((g) => g.groupId).filter((g) => !missing.includes(g));
  if (JSON.stringify(inGroups) !== JSON.stringify(d.groupIds ?? [])) {
    d.groupIds = inGroups;
    changed = true;
  }
  if (missing.length === 0) {
    d.at.inGroup = now;
    d.stage = 'profile';
    return true;
  }
  if (!pastDeadline(d.at.registered, settings.deadlines.groupMinutes, now)) return changed;
  if (!aad) {
    return fail(
      d,
      now,
      'NoEntraDevice',
      `Autopilot has not linked an Entra device to this registration (azureAdDeviceId is still empty after ${settings.deadlines.groupMinutes} minutes), so it cannot join a dynamic group.`,
      'Look for the serial number in Entra ID > Devices. If the device object is missing, delete the Autopilot registration and import the device again: registration creates it.',
    );
  }
  return fail(
    d,
    now,
    'NotInExpectedGroup',
    `The device's Entra object is not a member of ${missing.join(', ')} after ${settings.deadlines.groupMinutes} minutes.`,
    'Check the dynamic group rule (for example the [ZTDID] or [OrderID] group-tag rule) and that its processing is On in Entra ID.',
  );
}

/**
 * Profile: deploymentProfileAssignmentStatus starts with "assigned" (assignedInSync,
 * assignedOutOfSync, assignedUnkownSyncState — the service's spelling) and, when one is expected,
 * it is the expected profile. `profileId` is what the step read: the expanded deploymentProfile, or
 * for large runs the expected profile when its assignedDevices list holds the device.
 */
export function profileStage(
  d: DeviceState,
  record: RegistrationFacts | undefined,
  profileId: string | undefined,
  { now, settings }: StageContext,
): boolean {
  if (d.stage !== 'profile' || d.result) return false;
  let changed = false;
  if (record) {
    d.profileStatus = record.deploymentProfileAssignmentStatus ?? undefined;
    d.profileId = profileId;
    changed = true;
  }
  const expected = settings.expected.profileId;
  const assigned = (d.profileStatus ?? '').startsWith('assigned');
  if (assigned && (!expected || d.profileId === expected)) {
    d.at.profileAssigned = now;
    d.stage = 'esp';
    return true;
  }
  if (!pastDeadline(d.at.inGroup, settings.deadlines.profileMinutes, now)) return changed;
  const remediation =
    'Check the deployment profile assignments (Devices > Windows > Windows enrollment > Deployment profiles) and group targeting.';
  if (assigned)
    return fail(
      d,
      now,
      'UnexpectedProfile',
      `The device got deployment profile ${d.profileId ?? '(none)'} instead of ${expected}.`,
      remediation,
    );
  return fail(
    d,
    now,
    'ProfileNotAssigned',
    `The deployment profile is still "${d.profileStatus ?? 'unknown'}" after ${settings.deadlines.profileMinutes} minutes.`,
    remediation,
  );
}

/**
 * ESP: the Enrollment Status Page that applies is the expected one (no expected ESP: confirmed).
 * `resolution` is undefined only when no ESP is expected.
 */
export function espStage(d: DeviceState, resolution: EspResolution | undefined, { now, settings }: StageContext): boolean {
  if (d.stage !== 'esp' || d.result) return false;
  const expected = settings.expected.espId;
  if (!expected || !resolution) return confirm(d, now);
  if (resolution.kind === 'filtered') {
    d.espId = resolution.esp.id;
    return fail(
      d,
      now,
      'EspNotConfirmable',
      `The ESP cannot be confirmed: assignment filter ${resolution.filterId} (${resolution.filterType}) on "${resolution.esp.displayName}" (${resolution.esp.id}) decides whether it applies, and Intune evaluates filters on the device at enrollment.`,
      'Check the filter rule against this device, or assign the ESP to the group without a filter to have it confirmed here.',
    );
  }
  const esp = resolution.esp;
  d.espId = esp?.id;
  if (esp?.id === expected) return confirm(d, now);
  if (!pastDeadline(d.at.profileAssigned, settings.deadlines.espMinutes, now)) return true;
  return fail(
    d,
    now,
    'UnexpectedEsp',
    `The Enrollment Status Page that applies is ${esp ? `"${esp.displayName}" (${esp.id})` : 'none'}, not ${expected}.`,
    'Check the ESP assignments, exclusions and priorities (Devices > Windows > Windows enrollment > Enrollment Status Page).',
  );
}

function confirm(d: DeviceState, now: string): true {
  d.at.espConfirmed = now;
  d.stage = 'done';
  d.result = 'confirmed';
  d.at.finished = now;
  return true;
}
