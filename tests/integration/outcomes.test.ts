import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobServiceClient } from '@azure/storage-blob';
import { generateHardwareHash } from '../../local/fixtures/hardware-hash-generator';
import { CONTAINERS } from '../../shared/storage/object-store';
import { tutorialSeed } from '../../local/stack';
import { drop, lines, readReport, readText, waitForRun, withStack, type Report } from './support';

type Stack = Awaited<ReturnType<typeof withStack>>;
const hash = (serial: string, manufacturer = 'Contoso') =>
  generateHardwareHash({ serialNumber: serial, manufacturer, model: 'Surface Laptop 7' });
const csv = (rows: string[]) => ['Device Serial Number,Windows Product ID,Hardware Hash', ...rows].join('\r\n') + '\r\n';
const row = (report: Report, serial: string) => report.rows.find((r) => r.serialNumber === serial);

/** Serial numbers sent to the import action, from the emulator's request log. */
function importedSerials(stack: Stack): string[] {
  return stack.emulator
    .requestLog(0, 100_000)
    .entries.filter((e) => e.method === 'POST' && e.path.includes('/import'))
    .flatMap((e) =>
      (
        (e.requestBody as { importedWindowsAutopilotDeviceIdentities?: { serialNumber: string }[] })
          ?.importedWindowsAutopilotDeviceIdentities ?? []
      ).map((d) => d.serialNumber),
    );
}

describe('local stack: outcomes per device', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await withStack({
      seed: {
        ...tutorialSeed(),
        devices: [{ serialNumber: 'OLD-0001', hardwareIdentifier: hash('OLD-0001') }],
        otherTenantDevices: [{ hardwareIdentifier: hash('FOREIGN-0001') }],
      },
      appSettings: { POLL_INITIAL_SECONDS: '0.2', POLL_MAX_SECONDS: '1', IMPORT_CHUNK_SIZE: '3', LOCAL_HOST_BLOB_POLL_MS: '250' },
    });
  }, 120_000);
  afterAll(async () => stack?.dispose());

  it('806: a device already registered here is found by serial and confirmed; 808: owned by another tenant fails with the remediation', async () => {
    const { runId } = await drop(
      stack,
      'oem/owned.csv',
      csv([`NEW-0001,,${hash('NEW-0001')}`, `OLD-0001,,${hash('OLD-0001')}`, `FOREIGN-0001,,${hash('FOREIGN-0001')}`]),
    );
    await waitForRun(stack, runId);
    const report = await readReport(stack, runId);
    expect(lines(report)).toEqual([2, 3, 4]);
    expect(row(report, 'NEW-0001')?.device?.result).toBe('confirmed');
    expect(row(report, 'OLD-0001')?.device).toMatchObject({ result: 'confirmed', alreadyRegistered: true });
    expect(row(report, 'FOREIGN-0001')?.device).toMatchObject({ result: 'failed', failure: { stage: 'import', code: '808' } });
    const reportCsv = await readText(stack, CONTAINERS.reports, `${runId}/report.csv`);
    expect(reportCsv).toMatch(/FOREIGN-0001.*808.*deregister/);
  });

  it('a mixed file: bad hashes and a missing serial are rejected before import, duplicates imported once, the rest confirmed', async () => {
    const noMaker = generateHardwareHash({ serialNumber: 'MIX-0004', manufacturer: '', model: 'X' });
    const { runId } = await drop(
      stack,
      'partner/mixed.csv',
      csv([
        `MIX-0001,,${hash('MIX-0001')}`,
        `MIX-0002,,not-base64!!`,
        `MIX-0003,,${hash('MIX-0003')}`,
        `MIX-0004,,${noMaker}`,
        `MIX-0001,,${hash('MIX-0001')}`,
        `,,${hash('MIX-0006')}`,
        `MIX-0007,,${hash('SOMETHING-ELSE')}`,
      ]),
    );
    await waitForRun(stack, runId);
    const report = await readReport(stack, runId);
    expect(lines(report)).toEqual([2, 3, 4, 5, 6, 7, 8]);
    const byLine = Object.fromEntries(report.rows.map((r) => [r.line, r]));
    expect(byLine[2]?.device?.result).toBe('confirmed');
    expect(byLine[3]).toMatchObject({ status: 'rejected', code: 'hash-not-base64' });
    expect(byLine[4]?.device?.result).toBe('confirmed');
    expect(byLine[5]).toMatchObject({ status: 'rejected', code: 'hash-missing-manufacturer' });
    expect(byLine[6]).toMatchObject({ status: 'duplicate' });
    expect(byLine[7]).toMatchObject({ status: 'rejected', code: 'missing-serial' });
    // a serial that does not match the hash is imported (the hash is what Autopilot registers) and flagged
    expect(byLine[8]?.device).toMatchObject({ result: 'confirmed', alreadyRegistered: false, importStatus: 'complete' });
    expect(byLine[8]?.device?.ztdId).toMatch(/^[0-9a-f-]{36}$/);
    expect((byLine[8] as unknown as { warnings: string[] }).warnings).toEqual([
      "Line 8: the row's serial MIX-0007 differs from the serial inside its hardware hash (SOMETHING-ELSE). The hash is what Autopilot registers, so that device is imported; check that the row and the hash were not mixed up.",
    ]);
    const sent = importedSerials(stack);
    expect(sent.filter((s) => s === 'MIX-0001')).toHaveLength(1);
    expect(sent).not.toContain('MIX-0002');
  });

  it('the same blob version delivered twice starts one run and imports once', async () => {
    // Slow the tenant down (real service delays) so the run is still going when the blob comes again.
    stack.emulator.updateSettings({ timeScale: 1 });
    const { runId } = await drop(stack, 'oem/twice.csv', csv([`TWICE-0001,,${hash('TWICE-0001')}`, `TWICE-0002,,${hash('TWICE-0002')}`]));
    const deadline = Date.now() + 30_000;
    while ((await fetch(`${stack.hostUrl}/runtime/webhooks/durabletask/instances/${runId}`)).status === 404) {
      if (Date.now() > deadline) throw new Error('run never started');
      await new Promise((r) => setTimeout(r, 100));
    }
    // Wipe the host's receipts: the listener delivers the same version again, as after a lost receipt.
    const hosts = BlobServiceClient.fromConnectionString(stack.azurite.connectionString).getContainerClient('azure-webjobs-hosts');
    for await (const b of hosts.listBlobsFlat({ prefix: 'blobreceipts/' }))
      if (b.name.includes('twice.csv')) await hosts.deleteBlob(b.name);
    const redeliveryDeadline = Date.now() + 30_000;
    while (!/already started; redelivery ignored/.test(stack.hostLog()) && Date.now() < redeliveryDeadline)
      await new Promise((r) => setTimeout(r, 200));
    expect(stack.hostLog()).toMatch(/already started; redelivery ignored/);
    stack.emulator.updateSettings({ timeScale: 0 });
    await stack.emulator.advanceClock(15 * 60_000);
    await waitForRun(stack, runId);
    expect(importedSerials(stack).filter((s) => s.startsWith('TWICE-'))).toEqual(['TWICE-0001', 'TWICE-0002']);
    const report = await readReport(stack, runId);
    expect(report.rows.map((r) => r.device?.result)).toEqual(['confirmed', 'confirmed']);
  });

  it('a file that is not a CSV of devices is rejected whole, with a report that says why, and archived', async () => {
    const { runId } = await drop(stack, 'oops/notes.csv', 'Name,Email\r\nAlice,alice@example.com\r\n');
    const status = await waitForRun(stack, runId);
    expect(status.output).toMatchObject({ status: 'rejected' });
    const report = await readReport(stack, runId);
    expect(report.fileRejected).toMatch(/Hardware Hash|Serial/i);
    expect(await readText(stack, CONTAINERS.archive, 'rejected/oops/notes.csv')).toContain('Alice');
  });
});
