import { z } from 'zod';
import { newId } from './domain/ids';
import { parseMembershipRule } from './membership';
import { addMember, settleMembership } from './domain/membership';
import { intendedProfile } from './domain/profiles';
import { readOa3Identity, type Oa3Identity } from './domain/oa3';
import { registerDevice, serialKey } from './domain/registration';
import type { Tenant } from './domain/tenant';
import { applyEspBody, renumber } from './handlers/enrollment';
import { createGroup } from './handlers/groups';
import { newProfile } from './handlers/profiles';
import { setEnrollmentState } from './domain/enrollment';
import { ENROLLMENT_STATES, type Assignment, type AssignmentTarget, type EnrollmentConfiguration } from './state/types';
import { defaultEspSettings } from './domain/tenant';

/** An assignment filter on an include target (Intune evaluates it on the device at enrollment). */
const SeedFilter = { filterId: z.string().optional(), filterType: z.enum(['include', 'exclude']).optional() };
const SeedAssignment = z.union([
  z.strictObject({ groupId: z.string(), ...SeedFilter }),
  z.strictObject({ excludeGroupId: z.string() }),
  z.strictObject({ allDevices: z.literal(true), ...SeedFilter }),
]);

const EspSettingsSeed = z.strictObject({
  allowDeviceResetOnInstallFailure: z.boolean().optional(),
  allowDeviceUseOnInstallFailure: z.boolean().optional(),
  allowLogCollectionOnInstallFailure: z.boolean().optional(),
  allowNonBlockingAppInstallation: z.boolean().optional(),
  blockDeviceSetupRetryByUser: z.boolean().optional(),
  customErrorMessage: z.string().nullable().optional(),
  disableUserStatusTrackingAfterFirstUser: z.boolean().optional(),
  installProgressTimeoutInMinutes: z.number().int().optional(),
  installQualityUpdates: z.boolean().optional(),
  selectedMobileAppIds: z.array(z.string()).optional(),
  showInstallationProgress: z.boolean().optional(),
  trackInstallProgressForAutopilotOnly: z.boolean().optional(),
});

const DeviceSeed = z
  .strictObject({
    id: z.string().optional(),
    serialNumber: z.string().min(1).optional(),
    manufacturer: z.string().min(1).optional(),
    model: z.string().optional(),
    hardwareIdentifier: z.string().optional(),
    groupTag: z.string().optional(),
    purchaseOrderIdentifier: z.string().optional(),
    userPrincipalName: z.string().optional(),
    deviceObjectId: z.string().optional(),
    azureAdDeviceId: z.string().optional(),
    /** Where the device stands in enrollment (default `notContacted`): a device registered outside
     * the pipeline may have been through OOBE long ago. */
    enrollmentState: z.enum(ENROLLMENT_STATES).optional(),
  })
  .refine(
    (d) => d.serialNumber !== undefined || d.hardwareIdentifier !== undefined,
    'a seeded device needs a serialNumber or a hardwareIdentifier',
  );

/** The seed document (docs/GRAPH-EMULATOR.md, "Seeding"). Seeded state is settled: memberships
 * and profile assignments are in place when the seed call returns. */
export const SeedSchema = z.strictObject({
  $schema: z.string().optional(),
  description: z.string().optional(),
  groups: z
    .array(
      z.strictObject({
        id: z.string().optional(),
        displayName: z.string().min(1),
        description: z.string().optional(),
        mailNickname: z.string().optional(),
        membershipRule: z.string().optional(),
        membershipRuleProcessingState: z.enum(['On', 'Paused']).optional(),
        /** Device object ids, group ids, or `serial:<serialNumber>` of a seeded device. */
        members: z.array(z.string()).optional(),
      }),
    )
    .default([]),
  deploymentProfiles: z
    .array(
      z.strictObject({
        id: z.string().optional(),
        displayName: z.string().min(1),
        description: z.string().optional(),
        joinType: z.enum(['azureAD', 'hybrid']).default('azureAD'),
        deviceNameTemplate: z.string().optional(),
        deviceType: z.enum(['windowsPc', 'surfaceHub2', 'holoLens', 'surfaceHub2S', 'virtualMachine']).default('windowsPc'),
        locale: z.string().optional(),
        preprovisioningAllowed: z.boolean().optional(),
        hardwareHashExtractionEnabled: z.boolean().optional(),
        outOfBoxExperienceSetting: z
          .strictObject({
            deviceUsageType: z.enum(['singleUser', 'shared']).optional(),
            escapeLinkHidden: z.boolean().optional(),
            eulaHidden: z.boolean().optional(),
            keyboardSelectionPageSkipped: z.boolean().optional(),
            privacySettingsHidden: z.boolean().optional(),
            userType: z.enum(['administrator', 'standard']).optional(),
          })
          .optional(),
        assignments: z.array(SeedAssignment).default([]),
      }),
    )
    .default([]),
  enrollmentStatusPages: z
    .array(
      z.strictObject({
        id: z.string().optional(),
        displayName: z.string().min(1),
        description: z.string().optional(),
        priority: z.number().int().min(1).optional(),
        settings: EspSettingsSeed.default({}),
        assignments: z.array(SeedAssignment).default([]),
      }),
    )
    .default([]),
  defaultEnrollmentStatusPage: EspSettingsSeed.optional(),
  /** deviceManagement.subscriptionState: `active` for a tenant with Intune licences (the default). */
  intuneSubscriptionState: z.enum(['pending', 'active', 'warning', 'disabled', 'deleted', 'blocked', 'lockedOut']).optional(),
  /**
   * The tenant-wide settings the tutorial's steps 1–2 set (handlers/tenant-policies.ts): who may
   * Entra join devices, Intune's MDM user scope, whether Microsoft Entra ID P1 is subscribed.
   * Absent: the tutorial's tenant (all, all, P1).
   */
  tenantPolicies: z
    .strictObject({
      azureADJoinAllowedToJoin: z.enum(['all', 'selected', 'none']).optional(),
      mdmUserScope: z.enum(['all', 'selected', 'none']).optional(),
      entraIdP1: z.boolean().optional(),
    })
    .optional(),
  /** Devices already registered (and published) in this tenant: importing them again gives 806. */
  devices: z.array(DeviceSeed).default([]),
  /** Bulk registered devices with synthetic serials `<serialPrefix><n>`, for large-tenant runs. */
  generatedDevices: z
    .strictObject({
      count: z.number().int().min(1).max(1_000_000),
      serialPrefix: z.string().min(1).default('SEED'),
      manufacturer: z.string().min(1).default('Contoso'),
      model: z.string().default('Surface Laptop 5'),
      groupTag: z.string().default(''),
      enrollmentState: z.enum(ENROLLMENT_STATES).default('notContacted'),
    })
    .optional(),
  /** Hardware hashes or serials registered to another tenant: importing them gives 808. */
  otherTenantDevices: z
    .array(
      z
        .strictObject({ serialNumber: z.string().min(1).optional(), hardwareIdentifier: z.string().optional() })
        .refine((d) => d.serialNumber || d.hardwareIdentifier, 'needs serialNumber or hardwareIdentifier'),
    )
    .default([]),
});
export type Seed = z.input<typeof SeedSchema>;

function seedTarget(a: z.infer<typeof SeedAssignment>): AssignmentTarget {
  if ('excludeGroupId' in a) return { kind: 'exclusionGroup', groupId: a.excludeGroupId, filterId: null, filterType: 'none' };
  const filter = { filterId: a.filterId ?? null, filterType: a.filterId ? (a.filterType ?? 'include') : 'none' } as const;
  if ('groupId' in a) return { kind: 'group', groupId: a.groupId, ...filter };
  return { kind: 'allDevices', ...filter };
}

function seedAssignments(ownerId: string, list: z.infer<typeof SeedAssignment>[]): Map<string, Assignment> {
  return new Map(
    list.map((a) => {
      const target = seedTarget(a);
      const id = `${ownerId}_${'groupId' in target ? target.groupId : target.kind}`;
      return [id, { id, target, source: 'direct', sourceId: null }];
    }),
  );
}

/** A seeded hash is read like an imported one (./domain/oa3.ts): one that DDS would answer 802 is refused. */
function serialOf(hash: string, what: string): Oa3Identity {
  const reading = readOa3Identity(hash);
  if (!reading.ok) throw new Error(`seed: ${what} has an invalid hardwareIdentifier (${reading.rejection})`);
  return reading.identity;
}

/** Applies a seed on top of the current tenant. Throws (before or during) on inconsistent input. */
export function applySeed(
  tenant: Tenant,
  input: unknown,
): { groups: number; devices: number; profiles: number; enrollmentStatusPages: number } {
  const seed = SeedSchema.parse(input);
  const store = tenant.store;
  const now = tenant.clock.now();
  // Everything that can be refused is checked before anything changes, so a bad seed leaves the
  // tenant as it was.
  for (const g of seed.groups) {
    if (g.membershipRule === undefined) continue;
    const parsed = parseMembershipRule(g.membershipRule);
    if (!parsed.ok) throw new Error(`seed: group '${g.displayName}': ${parsed.error}`);
    if (g.members?.length) throw new Error(`seed: dynamic group '${g.displayName}' cannot list members`);
  }
  const serials = new Set<string>();
  seed.devices.forEach((d, i) => {
    const serial = serialKey(d.serialNumber ?? serialOf(d.hardwareIdentifier!, `devices[${i}]`).serialNumber);
    if (serials.has(serial) || store.registeredBySerial.has(serial))
      throw new Error(`seed: devices[${i}] serial ${serial} is already registered`);
    serials.add(serial);
  });
  seed.otherTenantDevices.forEach((d, i) => {
    if (d.hardwareIdentifier) serialOf(d.hardwareIdentifier, `otherTenantDevices[${i}]`);
  });

  const devices = seed.devices.map((d, i) => {
    const fromHash = d.hardwareIdentifier ? serialOf(d.hardwareIdentifier, `devices[${i}]`) : undefined;
    const serialNumber = d.serialNumber ?? fromHash!.serialNumber;
    if (store.registeredBySerial.has(serialKey(serialNumber)))
      throw new Error(`seed: devices[${i}] serial ${serialNumber} is already registered`);
    const ap = registerDevice(tenant, {
      ...(d.id ? { id: d.id } : {}),
      ...(d.deviceObjectId ? { deviceObjectId: d.deviceObjectId } : {}),
      ...(d.azureAdDeviceId ? { azureAdDeviceId: d.azureAdDeviceId } : {}),
      serialNumber,
      manufacturer: d.manufacturer ?? fromHash?.manufacturer ?? 'Contoso',
      model: d.model ?? fromHash?.model ?? '',
      groupTag: d.groupTag ?? '',
      purchaseOrderIdentifier: d.purchaseOrderIdentifier ?? '',
      productKey: '',
      userPrincipalName: d.userPrincipalName ?? '',
      hardwareIdentifier: d.hardwareIdentifier,
      at: now,
    });
    if (d.enrollmentState) setEnrollmentState(tenant, ap, d.enrollmentState);
    store.publishAutopilot(ap);
    return ap;
  });
  if (seed.generatedDevices) {
    const g = seed.generatedDevices;
    const width = String(g.count).length;
    for (let n = 1; n <= g.count; n++) {
      const serialNumber = `${g.serialPrefix}${String(n).padStart(width, '0')}`;
      if (store.registeredBySerial.has(serialKey(serialNumber)))
        throw new Error(`seed: generated serial ${serialNumber} is already registered`);
      const ap = registerDevice(tenant, {
        serialNumber,
        manufacturer: g.manufacturer,
        model: g.model,
        groupTag: g.groupTag,
        purchaseOrderIdentifier: '',
        productKey: '',
        userPrincipalName: '',
        hardwareIdentifier: undefined,
        at: now,
      });
      if (g.enrollmentState !== 'notContacted') setEnrollmentState(tenant, ap, g.enrollmentState);
      store.publishAutopilot(ap);
      devices.push(ap);
    }
  }
  seed.otherTenantDevices.forEach((d, i) => {
    const serial = d.serialNumber ?? serialOf(d.hardwareIdentifier!, `otherTenantDevices[${i}]`).serialNumber;
    store.foreignSerials.add(serialKey(serial));
  });

  for (const g of seed.groups) {
    const dynamic = g.membershipRule !== undefined;
    try {
      createGroup(
        tenant,
        {
          displayName: g.displayName,
          description: g.description ?? null,
          mailEnabled: false,
          mailNickname:
            g.mailNickname ??
            (g.displayName
              .replace(/[^A-Za-z0-9]/g, '')
              .toLowerCase()
              .slice(0, 64) ||
              'group'),
          securityEnabled: true,
          groupTypes: dynamic ? ['DynamicMembership'] : [],
          ...(dynamic ? { membershipRule: g.membershipRule, membershipRuleProcessingState: g.membershipRuleProcessingState ?? 'On' } : {}),
        },
        g.id ?? newId(),
      );
    } catch (error) {
      throw new Error(`seed: group '${g.displayName}': ${(error as Error).message}`, { cause: error });
    }
  }
  for (const g of seed.groups) {
    if (!g.members?.length) continue;
    const group = g.id ? store.groups.get(g.id) : store.groupsNamed(g.displayName)[0];
    if (!group) continue;
    if (g.membershipRule !== undefined) throw new Error(`seed: dynamic group '${g.displayName}' cannot list members`);
    for (const ref of g.members) {
      const id = ref.startsWith('serial:')
        ? store.autopilotAll.get(store.registeredBySerial.get(serialKey(ref.slice(7))) ?? '')?.deviceObjectId
        : ref;
      if (!id || !store.directoryObject(id)) throw new Error(`seed: group '${g.displayName}' member '${ref}' does not exist`);
      addMember(tenant, group, id);
    }
  }

  seed.deploymentProfiles.forEach((p, i) => {
    const profile = newProfile(
      p.id ?? newId(),
      p.joinType === 'hybrid' ? 'activeDirectoryWindowsAutopilotDeploymentProfile' : 'azureADWindowsAutopilotDeploymentProfile',
      now + i,
    );
    profile.displayName = p.displayName;
    profile.description = p.description ?? null;
    profile.deviceNameTemplate = p.deviceNameTemplate ?? null;
    profile.deviceType = p.deviceType;
    if (p.locale) profile.locale = p.locale;
    profile.preprovisioningAllowed = p.preprovisioningAllowed ?? false;
    profile.hardwareHashExtractionEnabled = p.hardwareHashExtractionEnabled ?? false;
    profile.outOfBoxExperienceSetting = { ...profile.outOfBoxExperienceSetting, ...p.outOfBoxExperienceSetting };
    profile.assignments = seedAssignments(profile.id, p.assignments);
    store.profiles.set(profile.id, profile);
  });

  for (const e of seed.enrollmentStatusPages) {
    const config: EnrollmentConfiguration = {
      id: e.id ?? `${newId()}_Windows10EnrollmentCompletionPageConfiguration`,
      isDefault: false,
      displayName: e.displayName,
      description: e.description ?? null,
      priority: e.priority ?? Number.MAX_SAFE_INTEGER,
      version: 1,
      roleScopeTagIds: ['0'],
      createdDateTime: now,
      lastModifiedDateTime: now,
      settings: defaultEspSettings(),
      assignments: new Map(),
    };
    applyEspBody(config, e.settings);
    config.assignments = seedAssignments(config.id, e.assignments);
    store.enrollmentConfigurations.set(config.id, config);
    renumber(tenant, { config, priority: config.priority });
  }
  if (seed.defaultEnrollmentStatusPage) {
    const def = [...store.enrollmentConfigurations.values()].find((c) => c.isDefault)!;
    applyEspBody(def, seed.defaultEnrollmentStatusPage);
  }

  if (seed.intuneSubscriptionState) store.subscriptionState = seed.intuneSubscriptionState;
  if (seed.tenantPolicies) {
    const p = seed.tenantPolicies;
    store.tenantPolicies = {
      azureADJoinAllowedToJoin: p.azureADJoinAllowedToJoin ?? store.tenantPolicies.azureADJoinAllowedToJoin,
      mdmUserScope: p.mdmUserScope ?? store.tenantPolicies.mdmUserScope,
      entraIdP1: p.entraIdP1 ?? store.tenantPolicies.entraIdP1,
    };
  }
  settle(tenant, now);
  return {
    groups: seed.groups.length,
    devices: devices.length,
    profiles: seed.deploymentProfiles.length,
    enrollmentStatusPages: seed.enrollmentStatusPages.length,
  };
}

/** Seeded tenants start settled: memberships computed, targeted profiles assigned in sync. */
function settle(tenant: Tenant, now: number): void {
  settleMembership(tenant, now);
  let renamed = false;
  for (const ap of tenant.store.autopilotVisible.values()) {
    // A status pinned through the drift control API stays pinned when a later seed is applied.
    if (ap.profilePinned) continue;
    const intended = intendedProfile(tenant, ap);
    if (intended === ap.profileId && ap.profileStatus === 'assignedInSync') continue;
    ap.intendedProfileId = intended;
    ap.profileGeneration++;
    tenant.store.setDeviceProfile(ap, intended);
    ap.profileStatus = intended ? 'assignedInSync' : 'notAssigned';
    ap.profileAssignedAt = intended ? now : undefined;
    const device = tenant.store.devices.get(ap.deviceObjectId);
    const name = intended ? tenant.store.profiles.get(intended)!.displayName : null;
    if (device && name && device.enrollmentProfileName !== name) {
      device.enrollmentProfileName = name;
      renamed = true;
    }
  }
  if (renamed) settleMembership(tenant, now);
}
