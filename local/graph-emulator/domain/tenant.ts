import { EmulatorClock } from '../clock';
import type { ParsedRule } from '../membership';
import { Scheduler, type EmulatorEvent } from '../scheduler';
import type { Settings } from '../settings';
import { TenantStore } from '../state/store';
import type { EnrollmentConfiguration, EspSettings } from '../state/types';
import type { TenantContext } from './context';
import { evaluateDevices, evaluateGroup } from './membership';
import { completeProfileAssignment } from './profiles';
import { markPending, processImports, publish } from './registration';
import { completeSync } from './sync';

export const DEFAULT_TENANT_ID = '6f3c1a52-7b1e-4c1f-9d0a-2e5b8c4d7a10';

export function defaultEspSettings(): EspSettings {
  return {
    allowDeviceResetOnInstallFailure: false,
    allowDeviceUseOnInstallFailure: false,
    allowLogCollectionOnInstallFailure: false,
    allowNonBlockingAppInstallation: false,
    blockDeviceSetupRetryByUser: false,
    customErrorMessage: null,
    disableUserStatusTrackingAfterFirstUser: false,
    installProgressTimeoutInMinutes: 60,
    installQualityUpdates: false,
    selectedMobileAppIds: [],
    showInstallationProgress: false,
    trackInstallProgressForAutopilotOnly: false,
  };
}

/** Every tenant has exactly one default ESP, priority 0, "All users and all devices". */
export function defaultEsp(tenantId: string, at: number): EnrollmentConfiguration {
  return {
    id: `${tenantId}_DefaultWindows10EnrollmentCompletionPageConfiguration`,
    isDefault: true,
    displayName: 'All users and all devices',
    description:
      'This is the default enrollment status screen configuration applied with the lowest priority to all users and all devices regardless of group membership.',
    priority: 0,
    version: 1,
    roleScopeTagIds: ['0'],
    createdDateTime: at,
    lastModifiedDateTime: at,
    settings: defaultEspSettings(),
    assignments: new Map([
      [
        'default',
        {
          id: `${tenantId}_DefaultWindows10EnrollmentCompletionPageConfiguration_AllDevices`,
          target: { kind: 'allDevices', filterId: null, filterType: 'none' },
          source: 'direct',
          sourceId: null,
        },
      ],
    ]),
  };
}

/** One emulated tenant: state, clock, deferred work, and the event dispatcher. */
export class Tenant implements TenantContext {
  store: TenantStore;
  readonly scheduler = new Scheduler();
  readonly rules = new Map<string, Extract<ParsedRule, { ok: true }>>();
  readonly unpublished = new Set<string>();

  constructor(
    readonly clock: EmulatorClock,
    private readonly getSettings: () => Settings,
    readonly tenantId: string = DEFAULT_TENANT_ID,
  ) {
    this.store = this.freshStore();
  }

  /** Set while deferred work runs: the instant it was due (see TenantContext.now). */
  private actingAt: number | undefined;

  settings(): Settings {
    return this.getSettings();
  }

  now(): number {
    return this.actingAt ?? this.clock.now();
  }

  reset(): void {
    this.store = this.freshStore();
    this.scheduler.clear();
    this.rules.clear();
    this.unpublished.clear();
  }

  /** Runs all deferred work that is due; called before every request and after clock moves. */
  runDue(): number {
    return this.scheduler.runDue(this.clock.now(), (event, due) => {
      this.actingAt = due;
      try {
        this.handle(event, due);
      } finally {
        this.actingAt = undefined;
      }
    });
  }

  private handle(event: EmulatorEvent, due: number): void {
    switch (event.kind) {
      case 'importPending':
        return markPending(this, event.recordIds);
      case 'importProcess':
        return processImports(this, event.recordIds, due);
      case 'autopilotVisible':
        return publish(this, event.autopilotIds);
      case 'syncComplete':
        return completeSync(this, event.startedAt, due);
      case 'evaluateDevices':
        return evaluateDevices(this, event.deviceObjectIds, due);
      case 'evaluateGroup':
        return evaluateGroup(this, event.groupId, event.generation, due);
      case 'profileAssigned':
        return completeProfileAssignment(this, event.autopilotId, event.profileId, event.generation, due);
    }
  }

  private freshStore(): TenantStore {
    const store = new TenantStore(this.tenantId);
    const esp = defaultEsp(this.tenantId, this.clock.now());
    store.enrollmentConfigurations.set(esp.id, esp);
    return store;
  }
}
