import { describe, expect, it } from 'vitest';
import { resolveEsp, type EspConfig } from '../../shared/run/esp';

const def: EspConfig = { id: 'default', displayName: 'All users and all devices', priority: 0, isDefault: true, assignments: [] };
const esp = (id: string, priority: number, assignments: EspConfig['assignments']): EspConfig => ({ id, displayName: id, priority, isDefault: false, assignments });

describe('ESP resolution (device-targeted, by priority, exclusions, else default)', () => {
  it('picks the highest-priority (lowest number) ESP assigned to one of the device groups', () => {
    const esps = [def, esp('b', 2, [{ kind: 'group', groupId: 'g1' }]), esp('a', 1, [{ kind: 'group', groupId: 'g2' }])];
    expect(resolveEsp(esps, new Set(['g1', 'g2']))?.id).toBe('a');
    expect(resolveEsp(esps, new Set(['g1']))?.id).toBe('b');
  });
  it('falls back to the default ESP', () => {
    expect(resolveEsp([def, esp('a', 1, [{ kind: 'group', groupId: 'g2' }])], new Set(['g1']))?.id).toBe('default');
  });
  it('honours exclusion groups and All devices targets, ignores user-only targets', () => {
    const esps = [def, esp('all', 3, [{ kind: 'allDevices' }, { kind: 'exclusion', groupId: 'kiosk' }]), esp('users', 1, [{ kind: 'allUsers' }])];
    expect(resolveEsp(esps, new Set(['g1']))?.id).toBe('all');
    expect(resolveEsp(esps, new Set(['kiosk']))?.id).toBe('default');
  });
});
