/**
 * Graph request bodies for the baseline's objects, from the baseline's declarations. New property
 * names only (outOfBoxExperienceSetting, locale, preprovisioningAllowed, hardwareHashExtractionEnabled):
 * the deprecated ones are read (observed.ts) but never written, so a PATCH cannot set the two halves
 * of a pair to different values.
 */
import { withMarker } from './marker';
import { localeToGraph } from './observed';
import type { Change } from './plan';
import type { BaselineEsp, BaselineGroup, BaselineProfile } from './schema';

export function groupBody(g: BaselineGroup): Record<string, unknown> {
  return {
    displayName: g.displayName,
    description: withMarker(g.key, g.description),
    mailEnabled: false,
    mailNickname: g.mailNickname,
    securityEnabled: true,
    groupTypes: ['DynamicMembership'],
    membershipRule: g.membershipRule,
    membershipRuleProcessingState: g.membershipRuleProcessingState,
  };
}

export function espBody(e: BaselineEsp): Record<string, unknown> {
  return {
    '@odata.type': '#microsoft.graph.windows10EnrollmentCompletionPageConfiguration',
    displayName: e.displayName,
    description: withMarker(e.key, e.description),
    ...e.settings,
  };
}

export function profileBody(p: BaselineProfile): Record<string, unknown> {
  return {
    '@odata.type': '#microsoft.graph.azureADWindowsAutopilotDeploymentProfile',
    displayName: p.displayName,
    description: withMarker(p.key, p.description),
    deviceType: p.deviceType,
    deviceNameTemplate: p.deviceNameTemplate,
    locale: localeToGraph(p.locale),
    preprovisioningAllowed: p.preprovisioningAllowed,
    hardwareHashExtractionEnabled: p.hardwareHashExtractionEnabled,
    outOfBoxExperienceSetting: { ...p.oobe },
  };
}

/**
 * The PATCH for a set of changes: only the changed properties, with the whole new OOBE object when
 * one of its fields changed (a complex property is replaced as a whole by PATCH).
 */
export function patchBody(full: Record<string, unknown>, changes: readonly Change[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const c of changes) {
    if (c.field.startsWith('oobe.')) out.outOfBoxExperienceSetting = full.outOfBoxExperienceSetting;
    else if (c.field === 'locale') out.locale = full.locale;
    else out[c.field] = full[c.field];
  }
  if (full['@odata.type'] !== undefined && Object.keys(out).length > 0) out['@odata.type'] = full['@odata.type'];
  return out;
}

export function assignmentBody(kind: 'esp' | 'profile', target: 'include' | 'exclude', groupId: string): Record<string, unknown> {
  return {
    '@odata.type':
      kind === 'profile'
        ? '#microsoft.graph.windowsAutopilotDeploymentProfileAssignment'
        : '#microsoft.graph.enrollmentConfigurationAssignment',
    target: {
      '@odata.type': target === 'include' ? '#microsoft.graph.groupAssignmentTarget' : '#microsoft.graph.exclusionGroupAssignmentTarget',
      groupId,
    },
  };
}
