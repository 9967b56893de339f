import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type AzuriteInstance } from '../support/azurite';
import { startHostProcess, type HostProcess } from '../host/support/host-process';
import { waitFor } from './wait';

// The timer trigger through the whole host and the real @azure/functions: what user code receives.

const APP = join(__dirname, 'apps', 'timer-app');
let azurite: AzuriteInstance;
let stateDir: string;
let host: HostProcess | undefined;

beforeAll(async () => {
  azurite = await startAzurite();
  stateDir = mkdtempSync(join(tmpdir(), 'timer-e2e-'));
});
afterEach(async () => {
  await host?.kill();
  host = undefined;
});
afterAll(async () => {
  await azurite?.stop();
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
});

async function seenTimers(): Promise<Array<{ timer: unknown; at: string }>> {
  const container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('timer-seen');
  if (!(await container.exists())) return [];
  const out: Array<{ timer: unknown; at: string }> = [];
  for await (const b of container.listBlobsFlat()) {
    out.push(JSON.parse((await container.getBlobClient(b.name).downloadToBuffer()).toString('utf8')));
  }
  return out.sort((a, b) => a.at.localeCompare(b.at));
}

/** The schedule's next occurrence after `at` (yearly, 1 January 00:00 UTC), as the host formats it. */
const newYearAfter = (at: Date) => `${at.getUTCFullYear() + 1}-01-01T00:00:00+00:00`;

describe('timer trigger through the local host', () => {
  it('runOnStartup hands the handler the camelCased timer object, then isPastDue after a missed occurrence', async () => {
    // The host computes Next at an instant between these two, captured once each: on 31 December
    // near midnight they straddle the new year and either answer is right; otherwise they agree.
    const beforeStart = new Date();
    host = await startHostProcess({ appDir: APP, stateDir, env: { AzureWebJobsStorage: azurite.connectionString } });
    await waitFor(async () => (await seenTimers()).length === 1, 30_000, 'the startup invocation');
    const afterInvocation = new Date();
    expect((await seenTimers())[0]?.timer).toEqual({
      schedule: { adjustForDST: true },
      scheduleStatus: {
        last: '0001-01-01T00:00:00',
        next: expect.toBeOneOf([newYearAfter(beforeStart), newYearAfter(afterInvocation)]),
        lastUpdated: '0001-01-01T00:00:00',
      },
      isPastDue: false,
    });
    const statusFile = join(stateDir, 'timers', 'yearlyTick.status.json');
    await waitFor(() => JSON.parse(readFileSync(statusFile, 'utf8')).Last !== null, 10_000, 'the status recorded');
    await host.kill();
    host = undefined;

    // While the host was down, the new year came and went: the recorded Next is in the past.
    writeFileSync(
      statusFile,
      JSON.stringify({ Last: '2020-01-01T00:00:00.000Z', Next: '2021-01-01T00:00:00.000Z', LastUpdated: '2020-01-01T00:00:00.000Z' }),
    );
    host = await startHostProcess({ appDir: APP, stateDir, env: { AzureWebJobsStorage: azurite.connectionString } });
    await waitFor(async () => (await seenTimers()).length === 2, 30_000, 'the past-due invocation');
    expect((await seenTimers())[1]?.timer).toEqual({
      schedule: { adjustForDST: true },
      scheduleStatus: { last: '2020-01-01T00:00:00+00:00', next: '2021-01-01T00:00:00+00:00', lastUpdated: '2020-01-01T00:00:00+00:00' },
      isPastDue: true,
    });
  });
});
