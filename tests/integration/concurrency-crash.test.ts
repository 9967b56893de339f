import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateHardwareHash } from '../../local/fixtures/hardware-hash-generator';
import { drop, lines, readReport, waitForRun, withStack } from './support';

type Stack = Awaited<ReturnType<typeof withStack>>;
const hash = (serial: string) => generateHardwareHash({ serialNumber: serial, manufacturer: 'Fabrikam', model: 'Book 3' });
const csvFor = (prefix: string, count: number) =>
  [
    'Device Serial Number,Windows Product ID,Hardware Hash',
    ...Array.from(
      { length: count },
      (_, i) => `${prefix}-${String(i).padStart(4, '0')},,${hash(`${prefix}-${String(i).padStart(4, '0')}`)}`,
    ),
  ].join('\r\n') + '\r\n';

function syncCalls(stack: Stack): number {
  return stack.emulator
    .requestLog(0, 100_000)
    .entries.filter((e) => e.method === 'POST' && e.path.includes('windowsAutopilotSettings/sync') && !e.inBatch).length;
}

function importCountsBySerial(stack: Stack): Map<string, number> {
  const counts = new Map<string, number>();
  for (const e of stack.emulator.requestLog(0, 100_000).entries) {
    if (e.method !== 'POST' || !e.path.includes('/import') || e.status >= 400) continue;
    const body = e.requestBody as { importedWindowsAutopilotDeviceIdentities?: { serialNumber: string }[] } | undefined;
    for (const d of body?.importedWindowsAutopilotDeviceIdentities ?? []) counts.set(d.serialNumber, (counts.get(d.serialNumber) ?? 0) + 1);
  }
  return counts;
}

describe('local stack: concurrent drops and a host crash', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await withStack({
      appSettings: { POLL_INITIAL_SECONDS: '0.3', POLL_MAX_SECONDS: '1', IMPORT_CHUNK_SIZE: '10', LOCAL_HOST_BLOB_POLL_MS: '250' },
    });
  }, 120_000);
  afterAll(async () => stack?.dispose());

  it('two files dropped at once share one Autopilot sync', async () => {
    stack.emulator.clearLog();
    const [a, b] = await Promise.all([drop(stack, 'oem/a.csv', csvFor('CONC-A', 15)), drop(stack, 'oem/b.csv', csvFor('CONC-B', 15))]);
    await Promise.all([waitForRun(stack, a.runId), waitForRun(stack, b.runId)]);
    for (const runId of [a.runId, b.runId]) {
      const report = await readReport(stack, runId);
      expect(report.rows).toHaveLength(15);
      expect(report.rows.every((r) => r.device?.result === 'confirmed')).toBe(true);
    }
    expect(syncCalls(stack)).toBe(1);
  });

  it('the host killed mid-run resumes after a restart: every device reaches its final state, none imported twice', async () => {
    stack.emulator.clearLog();
    // Real service delays, so the kill lands while imports are still processing.
    stack.emulator.updateSettings({ timeScale: 1 });
    const { runId } = await drop(stack, 'oem/crash.csv', csvFor('CRASH', 40));
    const deadline = Date.now() + 30_000;
    for (;;) {
      const res = await fetch(`${stack.hostUrl}/runtime/webhooks/durabletask/instances/${runId}`);
      const body = res.status === 200 || res.status === 202 ? ((await res.json()) as { customStatus?: { phase?: string } }) : undefined;
      if (body?.customStatus?.phase === 'import' || body?.customStatus?.phase === 'confirm') break;
      if (Date.now() > deadline) throw new Error('run did not reach the import phase');
      await new Promise((r) => setTimeout(r, 50));
    }
    await stack.killHost();
    stack.emulator.updateSettings({ timeScale: 0 });
    await stack.emulator.advanceClock(15 * 60_000);
    await stack.startHost();
    await waitForRun(stack, runId);
    const report = await readReport(stack, runId);
    expect(lines(report)).toEqual(Array.from({ length: 40 }, (_, i) => i + 2));
    expect(report.rows.every((r) => r.device?.result === 'confirmed')).toBe(true);
    const counts = importCountsBySerial(stack);
    expect(counts.size).toBe(40);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
  });
});
