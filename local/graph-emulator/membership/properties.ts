/**
 * Device attributes a dynamic membership rule may reference, from the Entra "Rules for devices"
 * table. The kind decides which operators and values are legal for the property.
 */
export type PropertyKind = 'string' | 'boolean' | 'stringCollection' | 'groupCollection';

export interface DeviceRuleProperty {
  /** Canonical spelling, also the key looked up first in a RuleSubject. */
  name: string;
  kind: PropertyKind;
}

const STRING_PROPERTIES = [
  'deviceCategory',
  'deviceId',
  'deviceManagementAppId',
  'deviceManufacturer',
  'deviceModel',
  'displayName',
  'deviceOSType',
  'deviceOSVersion',
  'deviceOwnership',
  'deviceTrustType',
  'enrollmentProfileName',
  'managementType',
  'objectId',
  'profileType',
  ...Array.from({ length: 15 }, (_, i) => `extensionAttribute${i + 1}`),
];

const ALL: DeviceRuleProperty[] = [
  ...STRING_PROPERTIES.map((name) => ({ name, kind: 'string' as const })),
  { name: 'accountEnabled', kind: 'boolean' },
  { name: 'isRooted', kind: 'boolean' },
  { name: 'devicePhysicalIds', kind: 'stringCollection' },
  // systemLabels is a string collection on the device object; the documented example applies
  // -startsWith to it directly, which the evaluator reads as "some label starts with".
  { name: 'systemLabels', kind: 'stringCollection' },
  // device.memberOf -any (group.objectId -in [...]): the subject carries the device's group ids.
  { name: 'memberOf', kind: 'groupCollection' },
];

const BY_LOWER_NAME = new Map(ALL.map((p) => [p.name.toLowerCase(), p]));

// Custom directory extension properties: extension_<appIdWithoutHyphens>_<attribute>.
const CUSTOM_EXTENSION = /^extension_[0-9a-f]{32}_[A-Za-z0-9_]+$/i;

/** Property names are matched case-insensitively ("devicePhysicalIDs" and "devicePhysicalIds" both occur in Microsoft's docs). */
export function lookupDeviceProperty(name: string): DeviceRuleProperty | undefined {
  const known = BY_LOWER_NAME.get(name.toLowerCase());
  if (known) return known;
  if (CUSTOM_EXTENSION.test(name)) return { name, kind: 'string' };
  return undefined;
}

export const DEVICE_RULE_PROPERTIES: readonly DeviceRuleProperty[] = ALL;
