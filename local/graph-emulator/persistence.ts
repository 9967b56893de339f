import { defaultTenantPolicies, type TenantPolicies } from './state/tenant-policies';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { parseMembershipRule } from './membership';
import type { ScheduledEvent } from './scheduler';
import type { Tenant } from './domain/tenant';
import type {
  Assignment,
  AutopilotDevice,
  AutopilotSettings,
  DeploymentProfile,
  EnrollmentConfiguration,
  EntraDevice,
  Group,
  ImportRecord,
} from './state/types';

/**
 * `--state <file>`: the tenant survives restarts. The file is this emulator's own snapshot format
 * (versioned); it is written on stop and on POST /_emulator/state/save, atomically via rename.
 */
const VERSION = 1;

type Plain<T> = { [K in keyof T]: T[K] extends Set<string> ? string[] : T[K] extends Map<string, Assignment> ? Assignment[] : T[K] };

/** Registration fields added since format 1 was first written: older files lack them, and get
 * the values a registration starts with. */
type Added = 'profileDetailedStatus' | 'profilePinned' | 'enrollmentState' | 'lastContactedAt' | 'managedDeviceId';
type StoredAutopilot = Omit<AutopilotDevice, Added> & Partial<Pick<AutopilotDevice, Added>>;
const ADDED_DEFAULTS: Pick<AutopilotDevice, Added> = {
  profileDetailedStatus: 'none',
  profilePinned: false,
  enrollmentState: 'notContacted',
  lastContactedAt: undefined,
  managedDeviceId: undefined,
};

interface Snapshot {
  version: number;
  tenantId: string;
  clockOffsetMs: number;
  imports: ImportRecord[];
  autopilot: StoredAutopilot[];
  visibleOrder: string[];
  foreignSerials: string[];
  unpublished: string[];
  devices: Plain<EntraDevice>[];
  groups: Plain<Group>[];
  profiles: Plain<DeploymentProfile>[];
  enrollmentConfigurations: Plain<EnrollmentConfiguration>[];
  autopilotSettings: AutopilotSettings;
  /** Absent in files written before it existed: an active subscription. */
  subscriptionState?: string;
  /** Absent in files written before it existed: the tutorial's tenant. */
  tenantPolicies?: TenantPolicies;
  events: ScheduledEvent[];
}

export function saveState(tenant: Tenant, file: string): void {
  const s = tenant.store;
  const snapshot: Snapshot = {
    version: VERSION,
    tenantId: tenant.tenantId,
    clockOffsetMs: tenant.clock.advancedMs,
    imports: [...s.imports.values()],
    autopilot: [...s.autopilotAll.values()],
    visibleOrder: [...s.autopilotVisible.values()].map((a) => a.id),
    foreignSerials: [...s.foreignSerials],
    unpublished: [...tenant.unpublished],
    devices: [...s.devices.values()].map((d) => ({ ...d, memberOf: [...d.memberOf] })),
    groups: [...s.groups.values()].map((g) => ({ ...g, members: [...g.members], memberOf: [...g.memberOf] })),
    profiles: [...s.profiles.values()].map((p) => ({ ...p, assignments: [...p.assignments.values()] })),
    enrollmentConfigurations: [...s.enrollmentConfigurations.values()].map((c) => ({ ...c, assignments: [...c.assignments.values()] })),
    autopilotSettings: s.autopilotSettings,
    subscriptionState: s.subscriptionState,
    tenantPolicies: s.tenantPolicies,
    events: tenant.scheduler.snapshot(),
  };
  writeFileSync(`${file}.tmp`, JSON.stringify(snapshot));
  renameSync(`${file}.tmp`, file);
}

/** Loads a snapshot into a freshly reset tenant; a file of another version is refused. */
export function loadState(tenant: Tenant, file: string): void {
  const snapshot = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  if (snapshot.version !== VERSION)
    throw new Error(`state file ${file} has version ${snapshot.version}; this emulator reads version ${VERSION}`);
  if (snapshot.tenantId !== tenant.tenantId) throw new Error(`state file ${file} belongs to tenant ${snapshot.tenantId}`);
  tenant.reset();
  const s = tenant.store;
  s.enrollmentConfigurations.clear();
  tenant.clock.restoreOffset(snapshot.clockOffsetMs);
  for (const r of snapshot.imports) s.imports.set(r.id, r);
  const visible = new Set(snapshot.visibleOrder);
  for (const ap of snapshot.autopilot) s.addAutopilot({ ...ADDED_DEFAULTS, ...ap, visible: false });
  for (const id of snapshot.visibleOrder) {
    const ap = s.autopilotAll.get(id);
    if (ap && visible.has(id)) s.publishAutopilot(ap);
  }
  for (const ap of s.autopilotAll.values()) s.setDeviceProfile(ap, ap.profileId);
  for (const serial of snapshot.foreignSerials) s.foreignSerials.add(serial);
  for (const id of snapshot.unpublished) tenant.unpublished.add(id);
  for (const d of snapshot.devices) s.addDevice({ ...d, memberOf: new Set(d.memberOf) });
  for (const g of snapshot.groups) {
    s.addGroup({ ...g, members: new Set(g.members), memberOf: new Set(g.memberOf) });
    if (g.membershipRule) {
      const parsed = parseMembershipRule(g.membershipRule);
      if (!parsed.ok) throw new Error(`state file ${file}: group ${g.id} has a rule this emulator rejects: ${parsed.error}`);
      tenant.rules.set(g.id, parsed);
    }
  }
  for (const p of snapshot.profiles) s.profiles.set(p.id, { ...p, assignments: new Map(p.assignments.map((a) => [a.id, a])) });
  for (const c of snapshot.enrollmentConfigurations)
    s.enrollmentConfigurations.set(c.id, { ...c, assignments: new Map(c.assignments.map((a) => [a.id, a])) });
  s.autopilotSettings = snapshot.autopilotSettings;
  s.subscriptionState = snapshot.subscriptionState ?? 'active';
  s.tenantPolicies = snapshot.tenantPolicies ?? defaultTenantPolicies();
  tenant.scheduler.restore(snapshot.events);
}
