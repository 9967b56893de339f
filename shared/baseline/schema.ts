/**
 * The tenant baseline file (baseline/tenant.json): the configuration steps 2–6 of Microsoft's
 * "user-driven Microsoft Entra join" tutorial create by hand — dynamic device groups, Enrollment
 * Status Pages with their place in the priority order, deployment profiles, and which groups each
 * targets or excludes. Validated once when read (parseBaseline); the published JSON Schema
 * (docs/schemas/baseline-v1.schema.json, `npm run baseline -- schema`) is generated from this file.
 *
 * Objects are named by `key` (stable, never shown in the portal): the tenant object carries the key
 * in a marker in its description (marker.ts), so renaming an object in the baseline renames it in
 * the tenant instead of creating a second one. Display names are never keys.
 */
import { z } from 'zod';

const KEY = /^[a-z0-9][a-z0-9-]{0,62}$/;
const key = z
  .string()
  .regex(KEY, 'a key is 1–63 lower-case letters, digits and dashes, starting with a letter or digit')
  .describe('Stable identifier of this object in the baseline; written into the tenant object’s description as a marker.');
const groupRef = z.string().regex(KEY, 'a group reference is the `key` of a group declared in `groups`');

export const Targets = z
  .strictObject({
    include: z.array(groupRef).default([]).describe('Keys of the groups the object is assigned to.'),
    exclude: z.array(groupRef).default([]).describe('Keys of the groups excluded from the assignment.'),
  })
  .describe('Which declared groups the object targets and excludes (one Graph assignment per group).');

export const Group = z
  .strictObject({
    key,
    displayName: z.string().min(1).max(256),
    description: z.string().max(900).default('').describe('Free text; in the tenant the baseline marker is put in front of it.'),
    mailNickname: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,64}$/, 'mailNickname: 1–64 characters, letters, digits, dot, dash, underscore')
      .describe('Mail alias Graph requires on create (security groups are not mail-enabled).'),
    membershipRule: z
      .string()
      .min(1)
      .max(3072)
      .describe(
        'Dynamic device rule. All Autopilot devices: (device.devicePhysicalIDs -any (_ -contains "[ZTDID]")); one group tag: (device.devicePhysicalIds -any (_ -eq "[OrderID]:<tag>")); one purchase order: (device.devicePhysicalIds -any (_ -eq "[PurchaseOrderId]:<po>")).',
      ),
    membershipRuleProcessingState: z.enum(['On', 'Paused']).default('On'),
  })
  .describe('A security group with dynamic device membership (tutorial step "Create a device group").');

export const EspSettings = z
  .strictObject({
    showInstallationProgress: z.boolean().describe('Show app and profile configuration progress; false means no ESP is shown.'),
    installProgressTimeoutInMinutes: z.number().int().min(1).max(1440).default(60),
    customErrorMessage: z.string().max(10_000).nullable().default(null),
    allowLogCollectionOnInstallFailure: z.boolean().default(false),
    blockDeviceSetupRetryByUser: z.boolean().default(false),
    allowDeviceResetOnInstallFailure: z.boolean().default(false),
    allowDeviceUseOnInstallFailure: z.boolean().default(false),
    selectedMobileAppIds: z.array(z.string().uuid()).max(100).default([]).describe('Blocking apps tracked by the ESP (app GUIDs).'),
    trackInstallProgressForAutopilotOnly: z.boolean().default(false),
    disableUserStatusTrackingAfterFirstUser: z.boolean().default(false),
    allowNonBlockingAppInstallation: z.boolean().default(false),
    installQualityUpdates: z.boolean().default(false),
  })
  .superRefine((s, ctx) => {
    // Intune refuses these together (400) — said here, at plan time, instead of halfway through an
    // apply (the emulator's source: local/graph-emulator/handlers/esp-rules.ts).
    if (!s.blockDeviceSetupRetryByUser) return;
    for (const name of ['allowDeviceResetOnInstallFailure', 'allowDeviceUseOnInstallFailure', 'selectedMobileAppIds'] as const) {
      const value = s[name];
      if (value === true || (Array.isArray(value) && value.length > 0))
        ctx.addIssue({ code: 'custom', path: [name], message: `${name} cannot be set when blockDeviceSetupRetryByUser is true` });
    }
  })
  .describe('The Graph beta properties of windows10EnrollmentCompletionPageConfiguration, by their Graph names.');

export const Esp = z
  .strictObject({
    key,
    displayName: z.string().min(1).max(200),
    description: z.string().max(1000).default(''),
    priority: z
      .number()
      .int()
      .min(1)
      .max(50)
      .describe('Place in the ESP priority order (1 = wins over every other ESP). The default ESP keeps 0 and is never touched.'),
    settings: EspSettings,
    assignments: Targets.default({ include: [], exclude: [] }),
  })
  .describe('An Enrollment Status Page (tutorial step "Configure and assign Autopilot ESP").');

export const OobeSettings = z.strictObject({
  userType: z.enum(['standard', 'administrator']).default('standard'),
  deviceUsageType: z.enum(['singleUser', 'shared']).default('singleUser'),
  eulaHidden: z.boolean().default(true),
  privacySettingsHidden: z.boolean().default(true),
  escapeLinkHidden: z.boolean().default(true).describe('Hide the change-account options.'),
  keyboardSelectionPageSkipped: z.boolean().default(true),
});

export const DeploymentProfile = z
  .strictObject({
    key,
    displayName: z.string().min(1).max(200),
    description: z.string().max(1400).default(''),
    joinType: z
      .literal('azureAD')
      .default('azureAD')
      .describe('Microsoft Entra join (#microsoft.graph.azureADWindowsAutopilotDeploymentProfile); create-only.'),
    deviceType: z
      .enum(['windowsPc', 'surfaceHub2', 'holoLens', 'surfaceHub2S', 'virtualMachine'])
      .default('windowsPc')
      .describe('Create-only.'),
    deviceNameTemplate: z
      .string()
      .max(15)
      .regex(/^$|^[A-Za-z0-9%:-]+$/, 'deviceNameTemplate: letters, digits, dashes and the %SERIAL% / %RAND:x% macros')
      .default('')
      .describe('Device name template, at most 15 characters (%SERIAL%, %RAND:x%); empty keeps the OEM name.'),
    locale: z.string().default('os-default').describe('os-default, user-select, or a locale such as en-US.'),
    preprovisioningAllowed: z.boolean().default(false),
    hardwareHashExtractionEnabled: z.boolean().default(false),
    oobe: OobeSettings.prefault({}),
    assignments: Targets.default({ include: [], exclude: [] }),
  })
  .describe('A user-driven Windows Autopilot deployment profile (tutorial steps "Create Autopilot profile" and "Assign").');

export const Baseline = z
  .strictObject({
    $schema: z.string().optional(),
    version: z.literal(1),
    groups: z.array(Group).default([]),
    enrollmentStatusPages: z.array(Esp).default([]),
    deploymentProfiles: z.array(DeploymentProfile).default([]),
  })
  .superRefine((b, ctx) => {
    const keys = new Map<string, string>();
    const all: [string, { key: string }[]][] = [
      ['groups', b.groups],
      ['enrollmentStatusPages', b.enrollmentStatusPages],
      ['deploymentProfiles', b.deploymentProfiles],
    ];
    for (const [list, items] of all)
      items.forEach((item, i) => {
        const seen = keys.get(item.key);
        if (seen) ctx.addIssue({ code: 'custom', path: [list, i, 'key'], message: `key "${item.key}" is already used by ${seen}` });
        keys.set(item.key, `${list}[${i}]`);
      });
    const groups = new Set(b.groups.map((g) => g.key));
    for (const [list, items] of [
      ['enrollmentStatusPages', b.enrollmentStatusPages],
      ['deploymentProfiles', b.deploymentProfiles],
    ] as const)
      items.forEach((item, i) =>
        (['include', 'exclude'] as const).forEach((kind) =>
          item.assignments[kind].forEach((ref, j) => {
            if (!groups.has(ref))
              ctx.addIssue({ code: 'custom', path: [list, i, 'assignments', kind, j], message: `no group with key "${ref}" in groups` });
          }),
        ),
      );
    const priorities = new Map<number, string>();
    b.enrollmentStatusPages.forEach((esp, i) => {
      const seen = priorities.get(esp.priority);
      if (seen)
        ctx.addIssue({
          code: 'custom',
          path: ['enrollmentStatusPages', i, 'priority'],
          message: `priority ${esp.priority} is also ${seen}'s`,
        });
      priorities.set(esp.priority, esp.key);
    });
  })
  .describe('autopilot-intake tenant baseline, version 1: the tutorial’s groups, ESPs, deployment profiles and assignments.');

export type Baseline = z.infer<typeof Baseline>;
export type BaselineGroup = z.infer<typeof Group>;
export type BaselineEsp = z.infer<typeof Esp>;
export type BaselineProfile = z.infer<typeof DeploymentProfile>;
export type BaselineTargets = z.infer<typeof Targets>;

export class BaselineError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file} is not a valid baseline:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
}

/** Parses a baseline file's text; every problem comes back at once, each with its JSON path. */
export function parseBaseline(text: string, file = 'baseline'): Baseline {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new BaselineError(file, [`not JSON: ${(error as Error).message}`]);
  }
  const parsed = Baseline.safeParse(json);
  if (!parsed.success)
    throw new BaselineError(
      file,
      parsed.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`),
    );
  return parsed.data;
}

/** The published JSON Schema (draft 2020-12) of the file an admin writes (defaults optional). */
export function baselineJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(Baseline, { io: 'input' }) as Record<string, unknown>;
  return { $id: 'urn:autopilot-intake:baseline:v1', ...schema };
}
