/**
 * The bulk read of Autopilot registrations (runs above 100 devices) walks the whole tenant list and
 * keeps one record per device of the run for the step: 100,000 at most. It keeps the facts the
 * confirm stages read and nothing else (the confirm phase held the most memory of a 100,000-device
 * run, issue 16), and only validates whole the records it keeps.
 */
import { describe, expect, it } from 'vitest';
import { readAutopilotDevices } from '../../shared/graph/autopilot-api';
import { GraphContractError } from '../../shared/graph/errors';
import { FakeGraph, ok } from '../support/fake-graph';

const record = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  serialNumber: `SN-${id}`,
  groupTag: 'Sales',
  azureActiveDirectoryDeviceId: `aad-${id}`,
  azureAdDeviceId: `aad-${id}`,
  deploymentProfileAssignmentStatus: 'assignedInSync',
  deploymentProfileAssignmentDetailedStatus: 'none',
  enrollmentState: 'notContacted',
  manufacturer: 'Contoso',
  model: 'M',
  ...extra,
});

describe('readAutopilotDevices (bulk)', () => {
  it('keeps only the id, the Entra deviceId and the profile status of the wanted records', async () => {
    const graph = new FakeGraph({
      listAutopilotDevices: () =>
        ok({
          value: [
            record('a'),
            record('b', { azureAdDeviceId: '', azureActiveDirectoryDeviceId: 'aad-only-v1' }),
            record('c', { azureAdDeviceId: null, azureActiveDirectoryDeviceId: null, deploymentProfileAssignmentStatus: null }),
            record('not-ours'),
          ],
        }),
    });
    const found = await readAutopilotDevices(graph, new Set(['a', 'b', 'c']));
    expect([...found.values()]).toEqual([
      { id: 'a', azureAdDeviceId: 'aad-a', deploymentProfileAssignmentStatus: 'assignedInSync' },
      { id: 'b', azureAdDeviceId: 'aad-only-v1', deploymentProfileAssignmentStatus: 'assignedInSync' },
      { id: 'c', deploymentProfileAssignmentStatus: undefined },
    ]);
  });

  it("validates whole the records it keeps, and only the id of the tenant's others", async () => {
    const odd = { id: 'theirs', enrollmentState: 42 };
    const others = new FakeGraph({ listAutopilotDevices: () => ok({ value: [record('a'), odd] }) });
    expect([...(await readAutopilotDevices(others, new Set(['a']))).values()].map((r) => r.id)).toEqual(['a']);

    const ours = new FakeGraph({ listAutopilotDevices: () => ok({ value: [record('a'), odd] }) });
    await expect(readAutopilotDevices(ours, new Set(['a', 'theirs']))).rejects.toThrow(GraphContractError);
    const noId = new FakeGraph({ listAutopilotDevices: () => ok({ value: [{ serialNumber: 'X' }] }) });
    await expect(readAutopilotDevices(noId, new Set(['a']))).rejects.toThrow(GraphContractError);
  });
});
