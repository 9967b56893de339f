import { z } from 'zod';
import { odataType } from '../odata/body';
import { errors, type ErrorFlavor } from '../odata/errors';
import type { AssignmentTarget } from '../state/types';

/** Docs samples write nested `@odata.type`s with and without the leading `#`; both are accepted. */
export const TargetSchema = z.strictObject({
  '@odata.type': z.string(),
  groupId: z.string().nullable().optional(),
  collectionId: z.string().nullable().optional(),
  deviceAndAppManagementAssignmentFilterId: z.string().nullable().optional(),
  deviceAndAppManagementAssignmentFilterType: z.enum(['none', 'include', 'exclude']).nullable().optional(),
});

export const AssignmentSchema = z.strictObject({
  ...odataType,
  id: z.string().nullable().optional(),
  source: z.enum(['direct', 'policySets']).optional(),
  sourceId: z.string().nullable().optional(),
  target: TargetSchema,
});

export function toTarget(t: z.infer<typeof TargetSchema>, flavor: ErrorFlavor): AssignmentTarget {
  const type = t['@odata.type'].replace(/^#/, '').replace(/^microsoft\.graph\./, '');
  const filterId = t.deviceAndAppManagementAssignmentFilterId ?? null;
  const filterType = t.deviceAndAppManagementAssignmentFilterType ?? 'none';
  const groupId = (): string => {
    if (!t.groupId) throw errors.badRequest(`A ${type} needs a groupId.`, flavor);
    return t.groupId;
  };
  switch (type) {
    case 'groupAssignmentTarget':
      return { kind: 'group', groupId: groupId(), filterId, filterType };
    case 'exclusionGroupAssignmentTarget':
      return { kind: 'exclusionGroup', groupId: groupId(), filterId, filterType };
    case 'allDevicesAssignmentTarget':
      return { kind: 'allDevices', filterId, filterType };
    case 'allLicensedUsersAssignmentTarget':
      return { kind: 'allLicensedUsers', filterId, filterType };
    case 'configurationManagerCollectionAssignmentTarget':
      throw errors.notImplemented('POST', 'an assignment to a Configuration Manager collection');
    default:
      throw errors.badRequest(`'${t['@odata.type']}' is not a valid assignment target type.`, flavor);
  }
}
