import { defaultTenantPolicies, type TenantPolicies } from './tenant-policies';
import { OrderedCollection } from './ordered';
import type {
  AutopilotDevice,
  AutopilotSettings,
  DeploymentProfile,
  EnrollmentConfiguration,
  EntraDevice,
  Group,
  ImportRecord,
} from './types';

function addToIndex(index: Map<string, Set<string>>, key: string, id: string): void {
  let set = index.get(key);
  if (!set) index.set(key, (set = new Set()));
  set.add(id);
}

function removeFromIndex(index: Map<string, Set<string>>, key: string, id: string): void {
  const set = index.get(key);
  if (!set) return;
  set.delete(id);
  if (set.size === 0) index.delete(key);
}

/**
 * The tenant's objects and the indexes every hot path uses (by id, Entra deviceId, display name,
 * physical id, serial). Index upkeep lives here so callers cannot update an object and forget its
 * index.
 */
export class TenantStore {
  readonly imports = new OrderedCollection<ImportRecord>();
  /** Every registration DDS knows, visible or not. */
  readonly autopilotAll = new Map<string, AutopilotDevice>();
  /** Only the registrations published to windowsAutopilotDeviceIdentities, in publication order. */
  readonly autopilotVisible = new OrderedCollection<AutopilotDevice>();
  /** Serial key → the registration DDS matches imports on (806): the first one, while it exists. */
  readonly registeredBySerial = new Map<string, string>();
  /** Serial key → every registration with that serial, in registration order. Usually one; a
   * re-registered device whose old record was never deleted has two (docs/GRAPH-EMULATOR.md, "Drift"). */
  private readonly registrationsBySerial = new Map<string, Set<string>>();
  /** Trigram → published Autopilot ids whose serial key contains it: `contains(serialNumber,…)`
   * without scanning the tenant. */
  private readonly serialTrigrams = new Map<string, Set<string>>();
  readonly foreignSerials = new Set<string>();
  readonly devices = new OrderedCollection<EntraDevice>();
  private readonly devicesByDeviceId = new Map<string, string>();
  private readonly devicesByName = new Map<string, Set<string>>();
  private readonly devicesByPhysicalId = new Map<string, Set<string>>();
  readonly groups = new OrderedCollection<Group>();
  private readonly groupsByName = new Map<string, Set<string>>();
  readonly profiles = new OrderedCollection<DeploymentProfile>();
  /** profile id → Autopilot ids whose `deploymentProfile` is that profile. */
  readonly profileDevices = new Map<string, Set<string>>();
  readonly enrollmentConfigurations = new OrderedCollection<EnrollmentConfiguration>();
  autopilotSettings: AutopilotSettings;
  /** deviceManagement.subscriptionState: whether the tenant has an Intune subscription. */
  subscriptionState = 'active';
  /** The tenant-wide settings tutorial steps 1–2 assume (handlers/tenant-policies.ts). */
  tenantPolicies: TenantPolicies = defaultTenantPolicies();

  constructor(readonly tenantId: string) {
    this.autopilotSettings = {
      id: tenantId,
      lastSyncDateTime: undefined,
      lastManualSyncTriggerDateTime: undefined,
      syncStatus: 'unknown',
      runningUntil: undefined,
    };
  }

  // Autopilot
  addAutopilot(device: AutopilotDevice): void {
    this.autopilotAll.set(device.id, device);
    if (!this.registeredBySerial.has(device.serialKey)) this.registeredBySerial.set(device.serialKey, device.id);
    addToIndex(this.registrationsBySerial, device.serialKey, device.id);
    if (device.visible) {
      this.autopilotVisible.set(device.id, device);
      this.indexSerial(device, true);
    }
  }

  /** Every registration with this serial key (upper-cased), oldest first. */
  registrationsOfSerial(key: string): AutopilotDevice[] {
    return [...(this.registrationsBySerial.get(key) ?? [])].map((id) => this.autopilotAll.get(id)!).filter(Boolean);
  }

  publishAutopilot(device: AutopilotDevice): boolean {
    if (device.visible) return false;
    device.visible = true;
    this.autopilotVisible.set(device.id, device);
    this.indexSerial(device, true);
    return true;
  }

  private indexSerial(device: AutopilotDevice, add: boolean): void {
    const key = device.serialKey;
    for (let i = 0; i + 3 <= key.length; i++) {
      const gram = key.slice(i, i + 3);
      if (add) addToIndex(this.serialTrigrams, gram, device.id);
      else removeFromIndex(this.serialTrigrams, gram, device.id);
    }
  }

  /** Published Autopilot devices whose serial contains `needle` (case-insensitive), in list order. */
  autopilotSerialContains(needle: string): AutopilotDevice[] {
    const upper = needle.toUpperCase();
    let candidates: Iterable<AutopilotDevice>;
    if (upper.length < 3) candidates = this.autopilotVisible.values();
    else {
      let smallest: Set<string> | undefined;
      for (let i = 0; i + 3 <= upper.length; i++) {
        const set = this.serialTrigrams.get(upper.slice(i, i + 3));
        if (!set) return [];
        if (!smallest || set.size < smallest.size) smallest = set;
      }
      candidates = [...smallest!].map((id) => this.autopilotAll.get(id)!);
    }
    const out: AutopilotDevice[] = [];
    for (const ap of candidates) if (ap.visible && ap.serialKey.includes(upper)) out.push(ap);
    return out.sort((a, b) => (this.autopilotVisible.position(a.id) ?? 0) - (this.autopilotVisible.position(b.id) ?? 0));
  }

  removeAutopilot(id: string): AutopilotDevice | undefined {
    const device = this.autopilotAll.get(id);
    if (!device) return undefined;
    this.autopilotAll.delete(id);
    if (device.visible) this.indexSerial(device, false);
    this.autopilotVisible.delete(id);
    removeFromIndex(this.registrationsBySerial, device.serialKey, id);
    if (this.registeredBySerial.get(device.serialKey) === id) {
      const next = this.registrationsBySerial.get(device.serialKey)?.values().next();
      if (next && !next.done) this.registeredBySerial.set(device.serialKey, next.value);
      else this.registeredBySerial.delete(device.serialKey);
    }
    this.setDeviceProfile(device, undefined);
    return device;
  }

  setDeviceProfile(device: AutopilotDevice, profileId: string | undefined): void {
    if (device.profileId) removeFromIndex(this.profileDevices, device.profileId, device.id);
    device.profileId = profileId;
    if (profileId) addToIndex(this.profileDevices, profileId, device.id);
  }

  // Entra devices
  addDevice(device: EntraDevice): void {
    this.devices.set(device.id, device);
    this.devicesByDeviceId.set(device.deviceId.toLowerCase(), device.id);
    addToIndex(this.devicesByName, device.displayName.toLowerCase(), device.id);
    for (const p of device.physicalIds) addToIndex(this.devicesByPhysicalId, p.toLowerCase(), device.id);
  }

  deviceByDeviceId(deviceId: string): EntraDevice | undefined {
    const id = this.devicesByDeviceId.get(deviceId.toLowerCase());
    return id === undefined ? undefined : this.devices.get(id);
  }

  devicesNamed(displayName: string): EntraDevice[] {
    return [...(this.devicesByName.get(displayName.toLowerCase()) ?? [])].map((id) => this.devices.get(id)!).filter(Boolean);
  }

  devicesWithPhysicalId(physicalId: string): EntraDevice[] {
    return [...(this.devicesByPhysicalId.get(physicalId.toLowerCase()) ?? [])].map((id) => this.devices.get(id)!).filter(Boolean);
  }

  renameDevice(device: EntraDevice, displayName: string): void {
    removeFromIndex(this.devicesByName, device.displayName.toLowerCase(), device.id);
    device.displayName = displayName;
    addToIndex(this.devicesByName, displayName.toLowerCase(), device.id);
  }

  setPhysicalIds(device: EntraDevice, physicalIds: string[]): void {
    for (const p of device.physicalIds) removeFromIndex(this.devicesByPhysicalId, p.toLowerCase(), device.id);
    device.physicalIds = physicalIds;
    for (const p of physicalIds) addToIndex(this.devicesByPhysicalId, p.toLowerCase(), device.id);
  }

  removeDevice(id: string): EntraDevice | undefined {
    const device = this.devices.get(id);
    if (!device) return undefined;
    this.devices.delete(id);
    this.devicesByDeviceId.delete(device.deviceId.toLowerCase());
    removeFromIndex(this.devicesByName, device.displayName.toLowerCase(), id);
    for (const p of device.physicalIds) removeFromIndex(this.devicesByPhysicalId, p.toLowerCase(), id);
    for (const g of device.memberOf) this.groups.get(g)?.members.delete(id);
    return device;
  }

  // Groups
  addGroup(group: Group): void {
    this.groups.set(group.id, group);
    addToIndex(this.groupsByName, group.displayName.toLowerCase(), group.id);
  }

  groupsNamed(displayName: string): Group[] {
    return [...(this.groupsByName.get(displayName.toLowerCase()) ?? [])].map((id) => this.groups.get(id)!).filter(Boolean);
  }

  removeGroup(id: string): Group | undefined {
    const group = this.groups.get(id);
    if (!group) return undefined;
    this.groups.delete(id);
    removeFromIndex(this.groupsByName, group.displayName.toLowerCase(), id);
    for (const member of group.members) {
      this.devices.get(member)?.memberOf.delete(id);
      this.groups.get(member)?.memberOf.delete(id);
    }
    for (const parent of group.memberOf) this.groups.get(parent)?.members.delete(id);
    return group;
  }

  /** A directory object (device or group) by object id. */
  directoryObject(id: string): { kind: 'device'; value: EntraDevice } | { kind: 'group'; value: Group } | undefined {
    const device = this.devices.get(id);
    if (device) return { kind: 'device', value: device };
    const group = this.groups.get(id);
    if (group) return { kind: 'group', value: group };
    return undefined;
  }

  /** All groups an object belongs to, directly or through nested groups. */
  transitiveGroupsOf(memberOf: Set<string>): Set<string> {
    const seen = new Set<string>();
    const queue = [...memberOf];
    while (queue.length > 0) {
      const id = queue.pop()!;
      if (seen.has(id)) continue;
      seen.add(id);
      const group = this.groups.get(id);
      if (group) for (const parent of group.memberOf) queue.push(parent);
    }
    return seen;
  }

  /**
   * Every member below a group, through nested groups; groups themselves included. Lazy, so a
   * page cut from the front of a 20,000-member group does not walk all of it; a group without
   * nested groups is its own member set.
   */
  transitiveMembersOf(group: Group): Iterable<string> {
    let nested = false;
    for (const m of group.members) {
      if (this.groups.has(m)) {
        nested = true;
        break;
      }
    }
    if (!nested) return group.members;
    return this.walkMembers(group);
  }

  private *walkMembers(group: Group): IterableIterator<string> {
    const seen = new Set<string>([group.id]);
    const stack: Group[] = [group];
    while (stack.length > 0) {
      const g = stack.pop()!;
      for (const m of g.members) {
        if (seen.has(m)) continue;
        seen.add(m);
        yield m;
        const inner = this.groups.get(m);
        if (inner) stack.push(inner);
      }
    }
  }
}
