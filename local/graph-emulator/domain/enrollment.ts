import type { AutopilotDevice, EnrollmentState } from '../state/types';
import type { TenantContext } from './context';
import { newId } from './ids';

/**
 * Where a registration stands in enrollment (`enrollmentState`, graph-api reference §3.1). Nothing
 * enrolls in the emulator, so seeds and the drift control API set it. A fresh registration is
 * `notContacted` ("Device is imported but not enrolled."). `enrolled` and `pendingReset` ("Enrolled
 * but … the enrolled profile is different from the assigned profile") are enrolled devices and carry
 * an Intune `managedDeviceId` ("set once the device has enrolled"). `failed` ("Not enrolled and there
 * is enrollment failure record"), `blocked` and the enrolled states mean the device has contacted
 * the service, so `lastContactedDateTime` is stamped (kept when it already was); `unknown` says
 * nothing and leaves it alone.
 */
export function setEnrollmentState(ctx: TenantContext, ap: AutopilotDevice, state: EnrollmentState): void {
  ap.enrollmentState = state;
  if (state === 'notContacted') {
    ap.lastContactedAt = undefined;
    ap.managedDeviceId = undefined;
    return;
  }
  if (state !== 'unknown') ap.lastContactedAt ??= ctx.now();
  if (state === 'enrolled' || state === 'pendingReset') ap.managedDeviceId ??= newId();
  else ap.managedDeviceId = undefined;
}
