import type { EspSettings } from '../state/types';

/**
 * Settings the ESP only accepts together. With `blockDeviceSetupRetryByUser` on, the "on install
 * failure" escapes (reset, use) and the tracked-app list have no meaning, and tools that write ESPs
 * through Graph refuse or strip them before sending: Microsoft365DSC's
 * `MSFT_IntuneDeviceEnrollmentStatusPageWindows10.psm1` removes `allowDeviceUseOnInstallFailure`,
 * `allowDeviceResetOnInstallFailure` and `selectedMobileAppIds` from create and update bodies when
 * `blockDeviceSetupRetryByUser` is true; deploymenttheory/terraform-provider-microsoft365
 * `windows_enrollment_status_page/resource.go` validates the same three ("must be false when …" /
 * "can only be specified when … is false"). The emulator answers such a body with Intune's 400, so a
 * client that sends it finds out here and not first in a tenant. The message text is ours.
 */
export function dependentSettingsError(s: EspSettings): string | undefined {
  if (!s.blockDeviceSetupRetryByUser) return undefined;
  const conflicting = [
    s.allowDeviceResetOnInstallFailure ? 'allowDeviceResetOnInstallFailure' : undefined,
    s.allowDeviceUseOnInstallFailure ? 'allowDeviceUseOnInstallFailure' : undefined,
    s.selectedMobileAppIds.length > 0 ? 'selectedMobileAppIds' : undefined,
  ].filter((name): name is string => name !== undefined);
  if (conflicting.length === 0) return undefined;
  return `Invalid Windows Enrollment Status Page settings: ${conflicting.join(', ')} cannot be set when blockDeviceSetupRetryByUser is true.`;
}
