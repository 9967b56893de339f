import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HASH_FIXTURES } from '../support/hardware-hash-fixtures';
import { getImport, importDevices, startHarness, type Harness } from './support';

interface ApDevice {
  serialNumber: string;
  manufacturer: string;
  model: string;
}

// End to end through the emulator's import: the registered identity comes from the emulator's own
// reading of a captured-format hash, not from the row and not from the product's decoder.
describe('importing captured-format hardware hashes', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ timeScale: 0 });
  });
  afterAll(async () => h.emu.stop());

  it('registers each device with the serial, manufacturer and model inside its hash', async () => {
    // The row serials are deliberately wrong: DDS uses the serial inside the hash.
    const records = await importDevices(
      h.client,
      HASH_FIXTURES.map((f, i) => ({ serialNumber: `ROW-${i}`, hardwareIdentifier: f.hash })),
    );
    for (const [i, f] of HASH_FIXTURES.entries()) {
      const done = await getImport(h.client, records[i]!.id);
      expect(done.state, f.file).toMatchObject({ deviceImportStatus: 'complete', deviceErrorCode: 0 });
      const ap = (await h.client
        .api(`/deviceManagement/windowsAutopilotDeviceIdentities/${done.state.deviceRegistrationId}`)
        .version('beta')
        .get()) as ApDevice;
      expect(ap, f.file).toMatchObject({ serialNumber: f.serialNumber, manufacturer: f.manufacturer, model: f.model });
    }
  });
});
