/**
 * `npm run baseline` as a CI job runs it: exit codes (2 = drift), the snapshot written before
 * apply, and a wrong baseline file named with its problems — against an emulated tenant.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGraphEmulator, type GraphEmulator } from '../../local/graph-emulator';
import { REPO_ROOT } from '../../local/stack';

const run = promisify(execFile);
let emulator: GraphEmulator;
let dir: string;

beforeAll(async () => {
  emulator = await startGraphEmulator({ timeScale: 0 });
  dir = mkdtempSync(join(tmpdir(), 'baseline-cli-'));
});
afterAll(async () => {
  await emulator.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function baseline(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'local', 'baseline.ts'), ...args], {
      cwd: REPO_ROOT,
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('npm run baseline (the command line)', () => {
  it('plan exits 2 on drift, apply snapshots then converges (0), plan exits 0', async () => {
    const graph = ['--graph', emulator.url];
    const before = await baseline('plan', ...graph);
    expect(before.code).toBe(2);
    expect(before.stdout).toContain('+ create group autopilot-devices "Autopilot devices"');
    const snapshots = join(dir, 'snapshots');
    const applied = await baseline('apply', ...graph, '--snapshot-dir', snapshots);
    expect(applied.stdout).toContain('Applied: the tenant matches the baseline.');
    expect(applied.code).toBe(0);
    const [snapshot] = readdirSync(snapshots);
    expect(JSON.parse(readFileSync(join(snapshots, snapshot!), 'utf8'))).toMatchObject({ plan: { steps: expect.any(Array) }, objects: [] });
    const after = await baseline('plan', ...graph);
    expect([after.code, after.stdout.split('\n')[1]]).toEqual([0, 'No changes: the tenant matches the baseline.']);
    // The preconditions follow the plan, read only: the emulated tutorial tenant passes them.
    expect(after.stdout).toContain('Preconditions (read only, never changed):\n  ✔ users may join devices: all users');
  });

  it('a wrong baseline file is an error (1) naming each problem', async () => {
    const file = join(dir, 'bad.json');
    writeFileSync(
      file,
      JSON.stringify({ version: 1, groups: [{ key: 'Bad Key', displayName: 'x', mailNickname: 'x', membershipRule: 'x' }] }),
    );
    const result = await baseline('plan', '--graph', emulator.url, '--file', file);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('groups.0.key: a key is 1–63 lower-case letters');
  });
});
