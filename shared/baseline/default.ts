/**
 * The baseline `npm run baseline -- init` writes: Microsoft's "Windows Autopilot user-driven
 * Microsoft Entra join" tutorial, steps 2–6 — one dynamic group holding every Autopilot device (the
 * tutorial's ZTDID rule), an ESP that shows progress and is assigned to it, and a user-driven Entra
 * join profile assigned to it. Names match the emulator's tutorial tenant so `npm start` and a real
 * tenant configured by hand from the tutorial line up.
 */
import { Baseline } from './schema';

export const DEFAULT_BASELINE_INPUT = {
  $schema: '../docs/schemas/baseline-v1.schema.json',
  version: 1,
  groups: [
    {
      key: 'autopilot-devices',
      displayName: 'Autopilot devices',
      description: 'All Windows Autopilot registered devices',
      mailNickname: 'autopilot-devices',
      membershipRule: '(device.devicePhysicalIDs -any (_ -contains "[ZTDID]"))',
      membershipRuleProcessingState: 'On',
    },
  ],
  enrollmentStatusPages: [
    {
      key: 'autopilot-esp',
      displayName: 'Autopilot ESP',
      description: 'Enrollment Status Page for Autopilot devices (tutorial)',
      priority: 1,
      settings: {
        showInstallationProgress: true,
        installProgressTimeoutInMinutes: 60,
        allowLogCollectionOnInstallFailure: true,
        blockDeviceSetupRetryByUser: false,
        allowDeviceResetOnInstallFailure: false,
        allowDeviceUseOnInstallFailure: false,
        selectedMobileAppIds: [],
        trackInstallProgressForAutopilotOnly: true,
      },
      assignments: { include: ['autopilot-devices'], exclude: [] },
    },
  ],
  deploymentProfiles: [
    {
      key: 'autopilot-user-driven',
      displayName: 'Autopilot user-driven Entra join',
      description: 'User-driven Microsoft Entra join (tutorial)',
      joinType: 'azureAD',
      deviceType: 'windowsPc',
      deviceNameTemplate: '',
      locale: 'os-default',
      preprovisioningAllowed: false,
      hardwareHashExtractionEnabled: false,
      oobe: {
        userType: 'standard',
        deviceUsageType: 'singleUser',
        eulaHidden: true,
        privacySettingsHidden: true,
        escapeLinkHidden: true,
        keyboardSelectionPageSkipped: true,
      },
      assignments: { include: ['autopilot-devices'], exclude: [] },
    },
  ],
} as const;

export function defaultBaseline(): Baseline {
  return Baseline.parse(DEFAULT_BASELINE_INPUT);
}

export function renderDefaultBaseline(): string {
  return `${JSON.stringify(DEFAULT_BASELINE_INPUT, null, 2)}\n`;
}
