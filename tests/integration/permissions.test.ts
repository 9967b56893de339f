import { afterEach, describe, expect, it } from 'vitest';
import { appToken } from '../../local/app-token';
import { generateHardwareHash } from '../../local/fixtures/hardware-hash-generator';
import { CONTAINERS } from '../../shared/storage/object-store';
import { drop, readReport, readText, waitForRun, withStack } from './support';

type Stack = Awaited<ReturnType<typeof withStack>>;

const csv = (serials: string[]) =>
  [
    'Device Serial Number,Windows Product ID,Hardware Hash',
    ...serials.map((s) => `${s},,${generateHardwareHash({ serialNumber: s, manufacturer: 'Contoso', model: 'M' })}`),
  ].join('\r\n') + '\r\n';

/**
 * A run that meets a missing permission stops at once and says which, instead of polling until
 * its deadlines (an hour and more at the defaults these stacks keep): the emulator enforces the
 * app roles in the app's token, as Microsoft Graph does.
 */
describe('a missing Graph permission stops the run within a minute with the fix', () => {
  let stack: Stack | undefined;
  afterEach(async () => {
    await stack?.dispose();
    stack = undefined;
  });

  const runWith = async (roles: string[], serials: string[]) => {
    stack = await withStack({ appSettings: { GRAPH_STATIC_TOKEN: appToken(roles), POLL_INITIAL_SECONDS: '0.2', POLL_MAX_SECONDS: '1' } });
    const started = Date.now();
    const { runId } = await drop(stack, 'perm/devices.csv', csv(serials));
    // The stage deadlines stay at their defaults (an hour and more): a run that ends at all within
    // this wait stopped on the failure instead of polling until them.
    const status = await waitForRun(stack, runId, 150_000);
    return {
      status,
      runId,
      seconds: (Date.now() - started) / 1000,
      report: await readReport(stack, runId),
      summary: await readText(stack, CONTAINERS.reports, `${runId}/summary.md`),
    };
  };

  // Two devices in flight: membership is asked per device, and the device's directory object cannot
  // be read. (Above 100 devices the group is walked, and its members come back without their
  // deviceId instead: tests/pipeline/steps.test.ts, "limited information".)
  it('without Device.Read.All the device cannot be looked up: the confirm phase stops and names the permission', async () => {
    const { status, report, summary, seconds } = await runWith(
      ['DeviceManagementServiceConfig.ReadWrite.All', 'GroupMember.Read.All'],
      ['PERM-A1', 'PERM-A2'],
    );
    expect(seconds).toBeLessThan(150);
    expect(status.output).toMatchObject({
      status: 'completed',
      counts: { confirmed: 0, failed: 2 },
      stopped: { kind: 'permission', operation: 'listDevices', phase: 'confirm' },
    });
    // Each device fails with the stop, in the last stage recorded for it.
    for (const row of report.rows) expect(row.device?.failure?.code).toBe('PermissionDenied');
    expect(summary).toContain('The run stopped in its confirm phase');
    expect(summary).toContain('Device.Read.All');
  }, 240_000);

  it('with a read-only Intune grant the import call is refused: the import phase stops, nothing is retried', async () => {
    const { status, report, summary, seconds } = await runWith(
      ['DeviceManagementServiceConfig.Read.All', 'GroupMember.Read.All', 'Device.Read.All'],
      ['PERM-B1'],
    );
    expect(seconds).toBeLessThan(150);
    expect(status.output).toMatchObject({
      stopped: { kind: 'permission', operation: 'importDevices', phase: 'import', status: 403 },
      counts: { failed: 1 },
    });
    expect(report.rows[0]!.device?.failure).toMatchObject({ code: 'PermissionDenied', stage: 'import' });
    expect(summary).toContain('DeviceManagementServiceConfig.ReadWrite.All');
    const imports = stack!.emulator
      .requestLog(0, 10_000)
      .entries.filter((e) => e.path.endsWith('/importedWindowsAutopilotDeviceIdentities/import'));
    expect(imports.map((e) => e.status)).toEqual([403]);
  }, 240_000);
});
