import type { EnrollmentConfiguration } from '../state/types';
import type { TenantContext } from './context';
import { deviceGroups, targetsDevice } from './targeting';

/**
 * The Enrollment Status Page that applies to a device, as Intune resolves it for device-targeted
 * flows: the highest-priority (lowest number) ESP whose assignments target the device and do not
 * exclude it, else the default ESP. User-targeted ESPs are out of scope: the devices here have no
 * user at registration.
 */
export function resolveEsp(ctx: TenantContext, deviceObjectId: string): EnrollmentConfiguration | undefined {
  const groups = deviceGroups(ctx, ctx.store.devices.get(deviceObjectId));
  let best: EnrollmentConfiguration | undefined;
  let fallback: EnrollmentConfiguration | undefined;
  for (const config of ctx.store.enrollmentConfigurations.values()) {
    if (config.isDefault) {
      fallback = config;
      continue;
    }
    if (!targetsDevice(config.assignments.values(), groups)) continue;
    if (!best || config.priority < best.priority) best = config;
  }
  return best ?? fallback;
}
