import type { GraphRequestSpec } from '../../shared/graph/gateway';
import { GRAPH_OPERATIONS, type GraphOperationName } from '../../shared/graph/operations';
import { FakeGraph, err, ok, type Handler } from './fake-graph';

/**
 * A small tenant behind a FakeGraph, for the reconciliation's unit tests: registrations, import
 * records, Entra devices, groups and profiles as plain state that the handlers read and the write
 * operations change, so a step that reads again before it acts sees what an earlier write did.
 * Every call is recorded by the FakeGraph; `writes()` are the calls whose method is not GET.
 */
export interface TenantRegistration {
  id: string;
  serialNumber: string;
  groupTag?: string;
  azureAdDeviceId?: string;
  deploymentProfileAssignmentStatus?: string;
  deploymentProfileAssignmentDetailedStatus?: string;
  enrollmentState?: string;
}

export interface TenantImportRecord {
  id: string;
  serialNumber: string;
  importId: string;
  status: string;
  hardwareIdentifier?: string;
}

export interface TenantGroup {
  processing: string;
  /** Entra deviceIds of the device members. */
  members: string[];
}

export interface TenantProfile {
  /** Autopilot ids the profile is assigned to. */
  devices: string[];
  targets: string[];
  excludes?: string[];
}

interface ImportBody {
  importedWindowsAutopilotDeviceIdentities: { serialNumber: string; hardwareIdentifier: string; importId: string; groupTag?: string }[];
}

export class FakeTenant {
  readonly registrations = new Map<string, TenantRegistration>();
  readonly importRecords = new Map<string, TenantImportRecord>();
  readonly entraDevices: { id: string; deviceId: string; physicalIds: string[] }[] = [];
  readonly groups = new Map<string, TenantGroup>();
  readonly profiles = new Map<string, TenantProfile>();
  /** Import records whose DELETE is accepted but which stay listed (the service is reported to do that). */
  readonly stickyImportRecords = new Set<string>();
  /** Operations (writes, and the registration read) the service refuses with this status. */
  readonly refuse = new Map<GraphOperationName, number>();
  readonly graph: FakeGraph;
  private nextRecord = 1;

  constructor() {
    this.graph = new FakeGraph(this.handlers());
  }

  register(...regs: TenantRegistration[]): this {
    for (const r of regs) this.registrations.set(r.id, { enrollmentState: 'notContacted', ...r });
    return this;
  }

  addImportRecords(...records: TenantImportRecord[]): this {
    for (const r of records) this.importRecords.set(r.id, r);
    return this;
  }

  /** An Entra device carrying [ZTDID]:{ztdId} (and an [OrderID] when a tag is given). */
  addEntraDevice(deviceId: string, ztdId: string, orderId?: string): this {
    this.entraDevices.push({
      id: `obj-${deviceId}`,
      deviceId,
      physicalIds: [`[ZTDID]:${ztdId}`, ...(orderId ? [`[OrderID]:${orderId}`] : []), '[USER-GID]:x'],
    });
    return this;
  }

  /** Calls that change the tenant (every operation whose method is not GET). */
  writes(): GraphRequestSpec[] {
    return this.graph.calls.filter((c) => GRAPH_OPERATIONS[c.op].method !== 'GET');
  }

  private refused(op: GraphOperationName) {
    const status = this.refuse.get(op);
    return status === undefined ? undefined : err(status, 'BadRequest');
  }

  private handlers(): Partial<Record<GraphOperationName, Handler>> {
    const id = (spec: GraphRequestSpec) => spec.params?.id ?? '';
    return {
      listAutopilotDevices: () => ok({ value: [...this.registrations.values()] }),
      getAutopilotDevice: (spec) => {
        const refused = this.refused(spec.op);
        if (refused) return refused;
        const reg = this.registrations.get(id(spec));
        return reg ? ok(reg) : err(404, 'ResourceNotFound');
      },
      updateAutopilotDeviceProperties: (spec) => {
        const refused = this.refused(spec.op);
        if (refused) return refused;
        const reg = this.registrations.get(id(spec));
        if (!reg) return err(404, 'ResourceNotFound');
        reg.groupTag = (spec.body as { groupTag: string }).groupTag;
        return ok(undefined, 204);
      },
      deleteAutopilotDevice: (spec) => {
        const refused = this.refused(spec.op);
        if (refused) return refused;
        return this.registrations.delete(id(spec)) ? ok(undefined, 200) : err(404, 'ResourceNotFound');
      },
      listImportedDevices: () =>
        ok({
          value: [...this.importRecords.values()].map((r) => ({
            id: r.id,
            serialNumber: r.serialNumber,
            importId: r.importId,
            hardwareIdentifier: r.hardwareIdentifier ?? null,
            state: { deviceImportStatus: r.status, deviceRegistrationId: '', deviceErrorCode: 0, deviceErrorName: '' },
          })),
        }),
      deleteImportedDevice: (spec) => {
        const refused = this.refused(spec.op);
        if (refused) return refused;
        if (!this.stickyImportRecords.has(id(spec))) this.importRecords.delete(id(spec));
        return ok(undefined, 200);
      },
      importDevices: (spec) => {
        const refused = this.refused(spec.op);
        if (refused) return refused;
        const created = (spec.body as ImportBody).importedWindowsAutopilotDeviceIdentities.map((d) => {
          const record: TenantImportRecord = {
            id: `imported-${this.nextRecord++}`,
            serialNumber: d.serialNumber,
            importId: d.importId,
            status: 'unknown',
            hardwareIdentifier: d.hardwareIdentifier,
          };
          this.importRecords.set(record.id, record);
          return {
            id: record.id,
            serialNumber: record.serialNumber,
            importId: record.importId,
            hardwareIdentifier: record.hardwareIdentifier,
            state: { deviceImportStatus: 'unknown' },
          };
        });
        return ok({ value: created });
      },
      listDevices: () => ok({ value: this.entraDevices }),
      getGroup: (spec) => {
        const g = this.groups.get(id(spec));
        return g
          ? ok({
              id: id(spec),
              displayName: 'Autopilot devices',
              groupTypes: ['DynamicMembership'],
              membershipRule: '(device.devicePhysicalIDs -any _ -contains "[ZTDId]")',
              membershipRuleProcessingState: g.processing,
            })
          : err(404, 'Request_ResourceNotFound');
      },
      listGroupDeviceMembers: (spec) => {
        const g = this.groups.get(id(spec));
        return g
          ? ok({ value: g.members.map((deviceId) => ({ '@odata.type': '#microsoft.graph.device', id: `obj-${deviceId}`, deviceId })) })
          : err(404, 'Request_ResourceNotFound');
      },
      listProfileAssignedDevices: (spec) => {
        const p = this.profiles.get(id(spec));
        return p ? ok({ value: p.devices.map((d) => ({ id: d })) }) : err(404, 'ResourceNotFound');
      },
      listProfileAssignments: (spec) => {
        const p = this.profiles.get(id(spec));
        if (!p) return err(404, 'ResourceNotFound');
        const target = (type: string) => (groupId: string) => ({
          id: `${type}-${groupId}`,
          target: { '@odata.type': `#microsoft.graph.${type}`, groupId },
        });
        return ok({
          value: [...p.targets.map(target('groupAssignmentTarget')), ...(p.excludes ?? []).map(target('exclusionGroupAssignmentTarget'))],
        });
      },
    };
  }
}
