/**
 * The confirm stage's profile verdict on the whole stack (tests-audit F3): the tenant's dynamic group
 * gets the tutorial's profile, while the app expects another one that exists but targets nothing.
 * The emulator assigns what the tenant's assignments say (its own rules), so the device is
 * registered, joins the group and is assigned — the wrong profile — and the run must say so, by id,
 * once the profile deadline has passed, instead of confirming it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateHardwareHash } from '../../local/fixtures/hardware-hash-generator';
import { TUTORIAL_TENANT } from '../../local/graph-emulator/seeds/tutorial-tenant';
import { tutorialSeed } from '../../local/stack';
import { drop, readReport, waitForRun, withStack } from './support';

const KIOSK_PROFILE_ID = '7b2e9d40-3c5a-4f0e-8b6d-2e9c4a7f00a1';

describe('local stack: a device assigned another deployment profile than expected', () => {
  let stack: Awaited<ReturnType<typeof withStack>>;
  beforeAll(async () => {
    const seed = tutorialSeed();
    stack = await withStack({
      seed: {
        ...seed,
        deploymentProfiles: [...(seed.deploymentProfiles ?? []), { id: KIOSK_PROFILE_ID, displayName: 'Kiosk (targets nothing)' }],
      },
      appSettings: {
        EXPECTED_PROFILE_ID: KIOSK_PROFILE_ID,
        // 0.05 min = 3 s after joining the group: long enough for the assignment to show, short for a test.
        PROFILE_DEADLINE_MINUTES: '0.05',
        POLL_INITIAL_SECONDS: '0.2',
        POLL_MAX_SECONDS: '1',
        LOCAL_HOST_BLOB_POLL_MS: '250',
      },
    });
  }, 120_000);
  afterAll(async () => stack?.dispose());

  it('is reported UnexpectedProfile naming the profile it got and the one expected, not confirmed', async () => {
    const serial = 'WRONGPROF-0001';
    const hash = generateHardwareHash({ serialNumber: serial, manufacturer: 'Contoso', model: 'Surface Laptop 7' });
    const { runId } = await drop(
      stack,
      'oem/wrong-profile.csv',
      `Device Serial Number,Windows Product ID,Hardware Hash\r\n${serial},,${hash}\r\n`,
    );
    await waitForRun(stack, runId);
    const row = (await readReport(stack, runId)).rows.find((r) => r.serialNumber === serial);
    expect(row?.device).toMatchObject({ result: 'failed', failure: { stage: 'profile', code: 'UnexpectedProfile' } });
    const failure = (row?.device as { failure?: { message?: string } }).failure;
    expect(failure?.message).toBe(
      `The device got deployment profile ${TUTORIAL_TENANT.deploymentProfileId} instead of ${KIOSK_PROFILE_ID}.`,
    );
  });
});
