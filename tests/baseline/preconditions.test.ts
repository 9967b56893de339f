/**
 * The tutorial's steps 1–2, checked read-only before apply: a tenant failing each one gets a report
 * line with the fix; apply refuses when Entra ID P1 is missing and the plan creates a dynamic group
 * (it would stop halfway), and warns but applies for the join and MDM scope settings.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ADMIN_APPLY_SCOPES, delegatedToken } from '../../local/admin-token';
import { startGraphEmulator, type GraphEmulator, type Seed } from '../../local/graph-emulator';
import { REPO_ROOT } from '../../local/stack';
import { readPreconditions, renderPreconditions, type Precondition } from '../../shared/baseline/preconditions';
import { createClientGateway } from '../../shared/graph/client-gateway';

const run = promisify(execFile);
let emulator: GraphEmulator | undefined;
const snapshots = mkdtempSync(join(tmpdir(), 'baseline-preconditions-'));
afterEach(async () => {
  await emulator?.stop();
  emulator = undefined;
});
afterAll(() => rmSync(snapshots, { recursive: true, force: true }));

async function tenant(policies?: Seed['tenantPolicies']): Promise<GraphEmulator> {
  emulator = await startGraphEmulator({ timeScale: 0, ...(policies ? { seed: { tenantPolicies: policies } } : {}) });
  return emulator;
}

async function check(emu: GraphEmulator, scopes: readonly string[] = ADMIN_APPLY_SCOPES): Promise<Precondition[]> {
  const token = delegatedToken(scopes);
  return readPreconditions(createClientGateway({ endpoint: emu.url, tokens: { getToken: async () => token }, maxInnerRetries: 0 }));
}

const verdicts = (found: Precondition[]) => Object.fromEntries(found.map((p) => [p.name, p.verdict]));

async function cli(...args: string[]): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'local', 'baseline.ts'), ...args], {
      cwd: REPO_ROOT,
      timeout: 60_000,
    });
    return { code: 0, stdout };
  } catch (error) {
    const e = error as { code: number; stdout: string };
    return { code: e.code, stdout: e.stdout };
  }
}

describe('baseline preconditions (read only)', () => {
  it('the tutorial tenant passes all three', async () => {
    const found = await check(await tenant());
    expect(verdicts(found)).toEqual({ 'users may join devices': 'ok', 'MDM user scope': 'ok', 'dynamic groups (Entra ID P1)': 'ok' });
    expect(found.find((p) => p.name === 'dynamic groups (Entra ID P1)')!.detail).toBe('through EMS');
    expect(found.every((p) => p.fix === undefined)).toBe(true);
  });

  it('a tenant failing each gets its line with the fix', async () => {
    const found = await check(await tenant({ azureADJoinAllowedToJoin: 'none', mdmUserScope: 'none', entraIdP1: false }));
    expect(verdicts(found)).toEqual({ 'users may join devices': 'warn', 'MDM user scope': 'warn', 'dynamic groups (Entra ID P1)': 'fail' });
    const text = renderPreconditions(found);
    expect(text).toContain('! users may join devices: nobody');
    expect(text).toContain('"Users may join devices to Microsoft Entra": All');
    expect(text).toContain('! MDM user scope: Microsoft Intune: none');
    expect(text).toContain('"MDM user scope": All');
    expect(text).toContain('✘ dynamic groups (Entra ID P1): no active subscription carries Microsoft Entra ID P1');
    expect(text).toContain('groups-dynamic-membership');

    const selected = await check(await tenant({ azureADJoinAllowedToJoin: 'selected', mdmUserScope: 'selected' }));
    expect(verdicts(selected)).toMatchObject({ 'users may join devices': 'warn', 'MDM user scope': 'warn' });
    expect(selected[0]!.detail).toMatch(/selected users and groups only/);
  });

  it('without the read permissions each is unknown with the permission to sign in with; the MDM scope is delegated only', async () => {
    const emu = await tenant();
    const found = await check(emu, ['DeviceManagementServiceConfig.ReadWrite.All', 'Group.ReadWrite.All']);
    expect(verdicts(found)).toEqual({
      'users may join devices': 'unknown',
      'MDM user scope': 'unknown',
      'dynamic groups (Entra ID P1)': 'unknown',
    });
    expect(found.map((p) => p.fix)).toEqual([
      expect.stringContaining('Policy.Read.DeviceConfiguration'),
      expect.stringContaining('Policy.Read.All'),
      expect.stringContaining('LicenseAssignment.Read.All'),
    ]);
    // An application token cannot read the MDM scope whatever it holds (Learn: "Application: Not supported").
    const app = await fetch(`${emu.url}/beta/policies/mobileDeviceManagementPolicies`, {
      headers: { Authorization: `Bearer ${appToken(['Policy.Read.All', 'Policy.ReadWrite.MobilityManagement'])}` },
    });
    expect(app.status).toBe(403);
  });

  it('apply refuses without Entra ID P1 before writing anything; it warns and applies when only the join and MDM scope are off', async () => {
    const noP1 = await tenant({ entraIdP1: false });
    const refused = await cli('apply', '--graph', noP1.url, '--snapshot-dir', snapshots);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('✘ Not applied: a precondition fails: dynamic groups (Entra ID P1)');
    const groups = (await (await fetch(`${noP1.url}/v1.0/groups`, { headers: { Authorization: 'Bearer t' } })).json()) as {
      value: unknown[];
    };
    expect(groups.value).toEqual([]);
    await noP1.stop();

    const off = await tenant({ azureADJoinAllowedToJoin: 'none', mdmUserScope: 'none' });
    const applied = await cli('apply', '--graph', off.url, '--snapshot-dir', snapshots);
    expect(applied.stdout).toContain('! MDM user scope');
    expect(applied.stdout).toContain('Applied: the tenant matches the baseline.');
    expect(applied.code).toBe(0);
  });
});

function appToken(roles: string[]): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part({ aud: 'https://graph.microsoft.com', appid: 'app', idtyp: 'app', roles })}.`;
}
