import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateHardwareHash } from '../../local/fixtures/hardware-hash-generator';
import { CONTAINERS } from '../../shared/storage/object-store';
import { blobs, drop, lines, readReport, readText, waitForRun, withStack } from './support';

type Stack = Awaited<ReturnType<typeof withStack>>;

const hash = (serial: string) => generateHardwareHash({ serialNumber: serial, manufacturer: 'Contoso', model: 'Surface Laptop 7' });
const csv = (rows: string[]) => ['Device Serial Number,Windows Product ID,Hardware Hash,Group Tag', ...rows].join('\r\n') + '\r\n';

describe('local stack: a dropped CSV becomes verified Autopilot devices', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await withStack({
      seed: undefined,
      appSettings: { POLL_INITIAL_SECONDS: '0.2', POLL_MAX_SECONDS: '1' },
    });
  }, 120_000);
  afterAll(async () => stack?.dispose());

  it('a fresh stack has the containers the app uses, as infra creates them in Azure', async () => {
    const names: string[] = [];
    for await (const c of blobs(stack).listContainers()) names.push(c.name);
    expect(names).toEqual(expect.arrayContaining(['autopilot-intake', 'autopilot-reports', 'autopilot-intake-archive', 'autopilot-state']));
  });

  it('happy path: every device imported, registered, in the group, profile assigned, expected ESP; file archived', async () => {
    const { runId } = await drop(
      stack,
      'oem/contoso/batch-1.csv',
      csv(['HP-0001,,' + hash('HP-0001') + ',Sales', 'HP-0002,,' + hash('HP-0002') + ',']),
    );
    const status = await waitForRun(stack, runId);
    expect(status.output).toMatchObject({ status: 'completed', counts: { confirmed: 2, failed: 0 }, importRecordsLeft: 0 });
    const report = await readReport(stack, runId);
    expect(lines(report)).toEqual([2, 3]);
    for (const row of report.rows) {
      expect(row.device?.result).toBe('confirmed');
      expect(Object.keys(row.device?.at ?? {})).toEqual(
        expect.arrayContaining(['imported', 'registered', 'inGroup', 'profileAssigned', 'espConfirmed']),
      );
    }
    expect(await readText(stack, CONTAINERS.intake, 'oem/contoso/batch-1.csv')).toBeUndefined();
    expect(await readText(stack, CONTAINERS.archive, 'processed/oem/contoso/batch-1.csv')).toContain('HP-0001');
    const summary = await readText(stack, CONTAINERS.reports, `${runId}/summary.md`);
    expect(summary).toContain('**confirmed** | **2**');
    const reportCsv = await readText(stack, CONTAINERS.reports, `${runId}/report.csv`);
    expect(reportCsv?.split('\n').filter(Boolean)).toHaveLength(3);
    // The run deleted only its own import records, none are left behind…
    const log = stack.emulator.requestLog(0, 10_000).entries;
    const deletes = log.filter((e) => e.method === 'DELETE' && /importedWindowsAutopilotDeviceIdentities\/[^/?]+$/.test(e.path));
    expect(deletes.map((e) => e.status)).toEqual([200, 200]);
    // …and counted each deleted only once a read of the import list after its DELETE no longer held it.
    const lists = log.filter((e) => e.method === 'GET' && /importedWindowsAutopilotDeviceIdentities\/?(\?|$)/.test(e.path));
    for (const d of deletes) {
      const id = d.path.split('/').pop()!;
      const after = lists.find((e) => e.at >= d.at && e.status === 200 && !JSON.stringify(e.responseBody).includes(id));
      expect(after, `a list read confirming ${id} is gone`).toBeDefined();
    }
    // Two devices in flight: membership was asked per device (its directory object by deviceId, then
    // checkMemberGroups), with the app's own grant (no 403 anywhere); the group was not walked. The
    // walk, an advanced query, is what runs above 100 devices take (tests/faults/shared-budget.test.ts).
    const lookups = log.filter((e) => e.method === 'GET' && /\/devices\?.*deviceId(%20| )eq/.test(e.path));
    const checks = log.filter((e) => e.method === 'POST' && /\/devices\/[^/]+\/checkMemberGroups$/.test(e.path));
    expect(lookups.length).toBeGreaterThanOrEqual(2);
    expect(checks.length).toBeGreaterThanOrEqual(2);
    expect([...lookups, ...checks].every((e) => e.status === 200)).toBe(true);
    expect(log.filter((e) => e.path.includes('/transitiveMembers/'))).toEqual([]);
    expect(log.filter((e) => e.status === 401 || e.status === 403)).toEqual([]);
    // The sync was posted without a body.
    const syncs = log.filter((e) => e.path.endsWith('/windowsAutopilotSettings/sync'));
    expect(syncs.length).toBeGreaterThan(0);
    expect(syncs.every((e) => e.requestBody === undefined)).toBe(true);
  });

  it('runs the worker (the host process) with the heap limit and allocator settings Azure gives the Node worker', () => {
    // stackAppSettings sets languageWorkers__node__arguments, as infra does in Azure.
    const cmdline = readFileSync(`/proc/${stack.host.child.pid}/cmdline`, 'utf8').split('\0');
    expect(cmdline).toContain('--max-old-space-size=256');
    // …and the allocator settings infra gives it with that limit (read by glibc at process start).
    const environ = readFileSync(`/proc/${stack.host.child.pid}/environ`, 'utf8').split('\0');
    expect(environ).toEqual(expect.arrayContaining(['MALLOC_ARENA_MAX=2', 'MALLOC_MMAP_THRESHOLD_=131072']));
  });

  it('npm run drop uploads a sample, follows its run and prints the summary once the report is written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'intake-drop-'));
    try {
      const stackFile = join(dir, 'stack.json');
      writeFileSync(stackFile, JSON.stringify({ hostUrl: stack.hostUrl, connectionString: stack.azurite.connectionString }));
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--import', 'tsx', 'local/drop.ts', 'samples/intune-basic.csv', '--name', 'cli/intune-basic.csv'],
        {
          env: { ...process.env, INTAKE_STACK_FILE: stackFile },
          timeout: 60_000,
        },
      );
      expect(stdout).toMatch(/Run intake-[0-9a-f]{32}/);
      expect(stdout).toMatch(/· (report|cleanup) ·|Completed ·/);
      expect(stdout).toContain('**confirmed** | **5**');
      expect(stdout).toMatch(/Report: autopilot-reports\/intake-[0-9a-f]{32}\//);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
