import { describe, expect, it } from 'vitest';
import { readEsps, isDefaultEsp } from '../../shared/graph/autopilot-api';
import { resolveEsp, type EspConfig, type EspResolution } from '../../shared/run/confirm/esp';
import { FakeGraph, ok } from '../support/fake-graph';

const def: EspConfig = {
  id: 'tenant_DefaultWindows10EnrollmentCompletionPageConfiguration',
  displayName: 'All users and all devices',
  priority: 0,
  isDefault: true,
  assignments: [{ kind: 'allDevices' }],
};
const esp = (id: string, priority: number, assignments: EspConfig['assignments']): EspConfig => ({
  id,
  displayName: id,
  priority,
  isDefault: false,
  assignments,
});
const resolvedId = (r: EspResolution) => (r.kind === 'resolved' ? r.esp?.id : `filtered:${r.esp.id}:${r.filterId}`);

describe('ESP resolution (device-targeted, by priority, exclusions, else default)', () => {
  it('picks the highest-priority (lowest number) ESP assigned to one of the device groups', () => {
    const esps = [def, esp('b', 2, [{ kind: 'group', groupId: 'g1' }]), esp('a', 1, [{ kind: 'group', groupId: 'g2' }])];
    expect(resolvedId(resolveEsp(esps, new Set(['g1', 'g2'])))).toBe('a');
    expect(resolvedId(resolveEsp(esps, new Set(['g1'])))).toBe('b');
  });
  it('falls back to the default ESP, even though the default targets all devices at priority 0', () => {
    expect(resolvedId(resolveEsp([def, esp('a', 1, [{ kind: 'group', groupId: 'g2' }])], new Set(['g1'])))).toBe(def.id);
    expect(resolvedId(resolveEsp([esp('a', 1, [{ kind: 'group', groupId: 'g1' }]), def], new Set(['g1'])))).toBe('a');
  });
  it('honours exclusion groups and All devices targets, ignores user-only targets', () => {
    const esps = [
      def,
      esp('all', 3, [{ kind: 'allDevices' }, { kind: 'exclusion', groupId: 'kiosk' }]),
      esp('users', 1, [{ kind: 'allUsers' }]),
    ];
    expect(resolvedId(resolveEsp(esps, new Set(['g1'])))).toBe('all');
    expect(resolvedId(resolveEsp(esps, new Set(['kiosk'])))).toBe(def.id);
  });
  it('cannot confirm an ESP that reaches the device only through a filtered assignment, include or exclude', () => {
    for (const filterType of ['include', 'exclude'] as const) {
      const esps = [
        def,
        esp('filtered', 1, [{ kind: 'group', groupId: 'g1', filterId: 'f-1', filterType }]),
        esp('plain', 2, [{ kind: 'group', groupId: 'g1' }]),
      ];
      expect(resolveEsp(esps, new Set(['g1']))).toMatchObject({ kind: 'filtered', esp: { id: 'filtered' }, filterId: 'f-1', filterType });
    }
  });
  it('a filter does not matter when an unfiltered assignment of the same ESP reaches the device, or the filtered ESP does not target it', () => {
    const twice = [
      def,
      esp('a', 1, [
        { kind: 'allDevices', filterId: 'f-1', filterType: 'include' },
        { kind: 'group', groupId: 'g1' },
      ]),
    ];
    expect(resolvedId(resolveEsp(twice, new Set(['g1'])))).toBe('a');
    const elsewhere = [
      def,
      esp('a', 1, [{ kind: 'group', groupId: 'other', filterId: 'f-1', filterType: 'include' }]),
      esp('b', 2, [{ kind: 'group', groupId: 'g1' }]),
    ];
    expect(resolvedId(resolveEsp(elsewhere, new Set(['g1'])))).toBe('b');
  });
});

describe('reading the ESPs as real tenants return them', () => {
  const config = (over: Record<string, unknown>) => ({
    '@odata.type': '#microsoft.graph.windows10EnrollmentCompletionPageConfiguration',
    displayName: 'x',
    deviceEnrollmentConfigurationType: 'windows10EnrollmentCompletionPageConfiguration',
    assignments: [],
    ...over,
  });

  it('recognises the built-in ESP by its id suffix and priority 0 (the service sends the ordinary ESP type), and keeps the metadata-only default type as a fallback', () => {
    expect(
      isDefaultEsp({
        id: '636b62ee-0000_DefaultWindows10EnrollmentCompletionPageConfiguration',
        priority: 0,
        type: 'windows10EnrollmentCompletionPageConfiguration',
      }),
    ).toBe(true);
    expect(isDefaultEsp({ id: 'x', priority: 0, type: 'windows10EnrollmentCompletionPageConfiguration' })).toBe(true);
    expect(isDefaultEsp({ id: 'x', priority: 1, type: 'windows10EnrollmentCompletionPageConfiguration' })).toBe(false);
    expect(isDefaultEsp({ id: 'x', priority: 0, type: 'defaultWindows10EnrollmentCompletionPageConfiguration' })).toBe(true);
    expect(isDefaultEsp({ id: 't_DefaultLimit', priority: 0, type: 'limit' })).toBe(false);
  });

  it('a custom ESP assigned to the group wins over the default; the default is confirmed when nothing else targets the device', async () => {
    const graph = new FakeGraph({
      listEnrollmentConfigurations: () =>
        ok({
          value: [
            config({
              id: 't_DefaultWindows10EnrollmentCompletionPageConfiguration',
              priority: 0,
              assignments: [{ target: { '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget' } }],
            }),
            config({
              id: 'custom',
              priority: 1,
              assignments: [
                {
                  target: {
                    '@odata.type': '#microsoft.graph.groupAssignmentTarget',
                    groupId: 'g1',
                    deviceAndAppManagementAssignmentFilterType: 'none',
                  },
                },
              ],
            }),
            {
              '@odata.type': '#microsoft.graph.deviceEnrollmentLimitConfiguration',
              id: 't_DefaultLimit',
              priority: 0,
              deviceEnrollmentConfigurationType: 'limit',
              assignments: [],
            },
          ],
        }),
    });
    const esps = await readEsps(graph);
    expect(esps.map((e) => [e.id, e.isDefault])).toEqual([
      ['t_DefaultWindows10EnrollmentCompletionPageConfiguration', true],
      ['custom', false],
    ]);
    expect(resolvedId(resolveEsp(esps, new Set(['g1'])))).toBe('custom');
    expect(resolvedId(resolveEsp(esps, new Set(['g2'])))).toBe('t_DefaultWindows10EnrollmentCompletionPageConfiguration');
  });

  it('reads assignment filters from the beta target', async () => {
    const graph = new FakeGraph({
      listEnrollmentConfigurations: () =>
        ok({
          value: [
            config({
              id: 'custom',
              priority: 1,
              assignments: [
                {
                  target: {
                    '@odata.type': '#microsoft.graph.groupAssignmentTarget',
                    groupId: 'g1',
                    deviceAndAppManagementAssignmentFilterId: 'f-9',
                    deviceAndAppManagementAssignmentFilterType: 'exclude',
                  },
                },
              ],
            }),
          ],
        }),
    });
    expect((await readEsps(graph))[0]!.assignments).toEqual([{ kind: 'group', groupId: 'g1', filterId: 'f-9', filterType: 'exclude' }]);
  });
});
