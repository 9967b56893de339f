/**
 * The tenant as the baseline sees it: groups, ESPs and deployment profiles read from Graph, parsed
 * once here and normalised so the diff compares like with like. Deployment profiles come back from
 * beta with deprecated and new property names side by side (language/locale,
 * enableWhiteGlove/preprovisioningAllowed, extractHardwareHash/hardwareHashExtractionEnabled,
 * outOfBoxExperienceSettings/outOfBoxExperienceSetting — graph-api reference §5.1): the new name
 * wins when present, the deprecated one is read when it is alone, so a tenant answering either way
 * shows no false drift.
 */
import { z } from 'zod';
import { isDefaultEsp } from '../graph/autopilot-api';

export interface ObservedAssignment {
  id: string;
  kind: 'include' | 'exclude' | 'allDevices' | 'allUsers' | 'other';
  groupId?: string;
  /** `policySets` assignments belong to a policy set, not to this object: never changed here. */
  viaPolicySet: boolean;
}

export interface ObservedGroup {
  id: string;
  displayName: string;
  description: string;
  mailNickname: string;
  dynamic: boolean;
  membershipRule: string;
  membershipRuleProcessingState: string;
}

export interface ObservedEsp {
  id: string;
  displayName: string;
  description: string;
  priority: number;
  isDefault: boolean;
  settings: Record<string, unknown>;
  assignments: ObservedAssignment[];
}

export interface ObservedProfile {
  id: string;
  joinType: 'azureAD' | 'hybrid' | 'other';
  displayName: string;
  description: string;
  deviceType: string;
  deviceNameTemplate: string;
  locale: string;
  preprovisioningAllowed: boolean;
  hardwareHashExtractionEnabled: boolean;
  oobe: Record<string, unknown>;
  assignments: ObservedAssignment[];
  /** When the profile was created: the oldest one targeting a device wins (blast.ts). */
  createdDateTime?: string;
}

export interface ObservedTenant {
  groups: ObservedGroup[];
  esps: ObservedEsp[];
  profiles: ObservedProfile[];
}

const Target = z.object({ '@odata.type': z.string().optional(), groupId: z.string().nullish() }).passthrough();
const Assignment = z.object({ id: z.string(), source: z.string().nullish(), target: Target }).passthrough();

export function toAssignment(a: z.infer<typeof Assignment>): ObservedAssignment {
  const type = (a.target['@odata.type'] ?? '').replace(/^#/, '').replace(/^microsoft\.graph\./, '');
  const groupId = a.target.groupId ?? undefined;
  const viaPolicySet = a.source === 'policySets';
  if (type === 'groupAssignmentTarget') return { id: a.id, kind: 'include', groupId, viaPolicySet };
  if (type === 'exclusionGroupAssignmentTarget') return { id: a.id, kind: 'exclude', groupId, viaPolicySet };
  if (type === 'allDevicesAssignmentTarget') return { id: a.id, kind: 'allDevices', viaPolicySet };
  if (type === 'allLicensedUsersAssignmentTarget') return { id: a.id, kind: 'allUsers', viaPolicySet };
  return { id: a.id, kind: 'other', groupId, viaPolicySet };
}

export const GraphGroup = z
  .object({
    id: z.string(),
    displayName: z.string().nullish(),
    description: z.string().nullish(),
    mailNickname: z.string().nullish(),
    groupTypes: z.array(z.string()).nullish(),
    membershipRule: z.string().nullish(),
    membershipRuleProcessingState: z.string().nullish(),
  })
  .passthrough();

export function toGroup(raw: unknown): ObservedGroup {
  const g = GraphGroup.parse(raw);
  return {
    id: g.id,
    displayName: g.displayName ?? '',
    description: g.description ?? '',
    mailNickname: g.mailNickname ?? '',
    dynamic: (g.groupTypes ?? []).some((t) => t.toLowerCase() === 'dynamicmembership'),
    membershipRule: g.membershipRule ?? '',
    membershipRuleProcessingState: g.membershipRuleProcessingState ?? '',
  };
}

const ESP_TYPE = 'windows10EnrollmentCompletionPageConfiguration';
export const ESP_SETTING_NAMES = [
  'showInstallationProgress',
  'installProgressTimeoutInMinutes',
  'customErrorMessage',
  'allowLogCollectionOnInstallFailure',
  'blockDeviceSetupRetryByUser',
  'allowDeviceResetOnInstallFailure',
  'allowDeviceUseOnInstallFailure',
  'selectedMobileAppIds',
  'trackInstallProgressForAutopilotOnly',
  'disableUserStatusTrackingAfterFirstUser',
  'allowNonBlockingAppInstallation',
  'installQualityUpdates',
] as const;

export const GraphEnrollmentConfiguration = z
  .object({
    '@odata.type': z.string().optional(),
    id: z.string(),
    displayName: z.string().nullish(),
    description: z.string().nullish(),
    priority: z.number().nullish(),
    deviceEnrollmentConfigurationType: z.string().nullish(),
    assignments: z.array(Assignment).nullish(),
  })
  .passthrough();

/** An ESP, or undefined for the other kinds of enrollment configuration (limits, restrictions, …). */
export function toEsp(raw: unknown): ObservedEsp | undefined {
  const c = GraphEnrollmentConfiguration.parse(raw);
  const type = c.deviceEnrollmentConfigurationType ?? (c['@odata.type'] ?? '').replace(/^#microsoft\.graph\./, '');
  const isDefault = isDefaultEsp({ id: c.id, priority: c.priority, type });
  if (!isDefault && type !== ESP_TYPE) return undefined;
  const record = c as Record<string, unknown>;
  const settings: Record<string, unknown> = {};
  for (const name of ESP_SETTING_NAMES) settings[name] = record[name] ?? null;
  return {
    id: c.id,
    displayName: c.displayName ?? '',
    description: c.description ?? '',
    priority: c.priority ?? 0,
    isDefault,
    settings,
    assignments: (c.assignments ?? []).map(toAssignment),
  };
}

const Oobe = z
  .object({
    deviceUsageType: z.string().nullish(),
    userType: z.string().nullish(),
    escapeLinkHidden: z.boolean().nullish(),
    eulaHidden: z.boolean().nullish(),
    keyboardSelectionPageSkipped: z.boolean().nullish(),
    privacySettingsHidden: z.boolean().nullish(),
  })
  .passthrough();
const OldOobe = z
  .object({
    deviceUsageType: z.string().nullish(),
    userType: z.string().nullish(),
    hideEscapeLink: z.boolean().nullish(),
    hideEULA: z.boolean().nullish(),
    skipKeyboardSelectionPage: z.boolean().nullish(),
    hidePrivacySettings: z.boolean().nullish(),
  })
  .passthrough();

export const GraphDeploymentProfile = z
  .object({
    '@odata.type': z.string().optional(),
    id: z.string(),
    displayName: z.string().nullish(),
    description: z.string().nullish(),
    deviceType: z.string().nullish(),
    deviceNameTemplate: z.string().nullish(),
    locale: z.string().nullish(),
    language: z.string().nullish(),
    preprovisioningAllowed: z.boolean().nullish(),
    enableWhiteGlove: z.boolean().nullish(),
    hardwareHashExtractionEnabled: z.boolean().nullish(),
    extractHardwareHash: z.boolean().nullish(),
    outOfBoxExperienceSetting: Oobe.nullish(),
    outOfBoxExperienceSettings: OldOobe.nullish(),
    assignments: z.array(Assignment).nullish(),
    createdDateTime: z.string().nullish(),
  })
  .passthrough();

/**
 * The portal's "User select" language is an empty string in Graph (terraform-provider-microsoft365
 * maps `user_select` to ""); an absent locale is the OS default.
 */
export function localeFromGraph(value: string | null | undefined): string {
  if (value === '') return 'user-select';
  return (value ?? 'os-default').toLowerCase();
}

export function localeToGraph(value: string): string {
  return value.toLowerCase() === 'user-select' ? '' : value;
}

export function toProfile(raw: unknown): ObservedProfile {
  const p = GraphDeploymentProfile.parse(raw);
  const type = (p['@odata.type'] ?? '').replace(/^#/, '').replace(/^microsoft\.graph\./, '');
  const now = p.outOfBoxExperienceSetting;
  const old = p.outOfBoxExperienceSettings;
  return {
    id: p.id,
    joinType:
      type === 'azureADWindowsAutopilotDeploymentProfile'
        ? 'azureAD'
        : type === 'activeDirectoryWindowsAutopilotDeploymentProfile'
          ? 'hybrid'
          : 'other',
    displayName: p.displayName ?? '',
    description: p.description ?? '',
    deviceType: p.deviceType ?? 'windowsPc',
    deviceNameTemplate: p.deviceNameTemplate ?? '',
    locale: localeFromGraph(p.locale !== undefined && p.locale !== null ? p.locale : p.language),
    preprovisioningAllowed: p.preprovisioningAllowed ?? p.enableWhiteGlove ?? false,
    hardwareHashExtractionEnabled: p.hardwareHashExtractionEnabled ?? p.extractHardwareHash ?? false,
    oobe: {
      userType: now?.userType ?? old?.userType ?? null,
      deviceUsageType: now?.deviceUsageType ?? old?.deviceUsageType ?? null,
      eulaHidden: now?.eulaHidden ?? old?.hideEULA ?? null,
      privacySettingsHidden: now?.privacySettingsHidden ?? old?.hidePrivacySettings ?? null,
      escapeLinkHidden: now?.escapeLinkHidden ?? old?.hideEscapeLink ?? null,
      keyboardSelectionPageSkipped: now?.keyboardSelectionPageSkipped ?? old?.skipKeyboardSelectionPage ?? null,
    },
    assignments: (p.assignments ?? []).map(toAssignment),
    ...(p.createdDateTime ? { createdDateTime: p.createdDateTime } : {}),
  };
}
