import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appToken, grantedAppRoles } from '../../local/app-token';
import { readSeedFile, startGraphEmulator, TUTORIAL_TENANT, type GraphEmulator, type Seed } from '../../local/graph-emulator';
import { REPO_ROOT } from '../../local/stack';
import { createClientGateway } from '../../shared/graph/client-gateway';
import { runPreflight, type PreflightReport } from '../../shared/preflight/preflight';
import { renderPreflight } from '../../shared/preflight/render';

const GRANTED = grantedAppRoles(REPO_ROOT);
const EXPECTED = {
  groupIds: [TUTORIAL_TENANT.autopilotGroupId],
  profileId: TUTORIAL_TENANT.deploymentProfileId,
  espId: TUTORIAL_TENANT.espId,
};
const tutorial = (): Seed & {
  groups: NonNullable<Seed['groups']>;
  deploymentProfiles: NonNullable<Seed['deploymentProfiles']>;
  enrollmentStatusPages: NonNullable<Seed['enrollmentStatusPages']>;
} => readSeedFile(TUTORIAL_TENANT.seedFile) as never;

/** The preflight against an emulated tenant seeded with `seed`, as the app with `roles`. */
async function preflight(seed: Seed, roles: readonly string[] = GRANTED, notifyProblems?: string[]): Promise<PreflightReport> {
  const emulator = await startGraphEmulator({ timeScale: 0, seed });
  try {
    const token = appToken(roles);
    const graph = createClientGateway({ endpoint: emulator.url, tokens: { getToken: async () => token } });
    return await runPreflight({ graph, token: async () => token }, { expected: EXPECTED, endpoint: emulator.url, notifyProblems });
  } finally {
    await emulator.stop();
  }
}

const failed = (report: PreflightReport) => report.checks.filter((c) => c.status === 'fail').map((c) => c.id);
const check = (report: PreflightReport, id: string) => report.checks.find((c) => c.id === id)!;

describe('preflight against emulated tenants', () => {
  it("npm start's tenant, with the grant infra gives: every check passes", async () => {
    const report = await preflight(tutorial());
    expect(failed(report)).toEqual([]);
    expect(report.checks.filter((c) => c.status !== 'ok')).toEqual([]);
    expect(report.checks.map((c) => c.id)).toEqual([
      'token',
      'permission:Device.Read.All',
      'permission:DeviceManagementServiceConfig.ReadWrite.All',
      'permission:GroupMember.Read.All',
      'intune',
      `group:${TUTORIAL_TENANT.autopilotGroupId}`,
      'profile',
      'esp',
      'sync',
    ]);
    expect(report.ok).toBe(true);
  });

  it('a missing permission: named, with how to grant it — from the token and from the service', async () => {
    const report = await preflight(tutorial(), ['DeviceManagementServiceConfig.ReadWrite.All', 'GroupMember.Read.All']);
    expect(failed(report)).toEqual(['permission:Device.Read.All']);
    expect(check(report, 'permission:Device.Read.All').fix).toMatch(/azd provision/);
    // A token without a roles claim (a user's, say): the service's answers decide.
    const emulator = await startGraphEmulator({ timeScale: 0, seed: tutorial() });
    try {
      const opaque = 'not-a-jwt';
      const graph = createClientGateway({ endpoint: emulator.url, tokens: { getToken: async () => opaque } });
      const unrestricted = await runPreflight({ graph, token: async () => opaque }, { expected: EXPECTED, endpoint: emulator.url });
      expect(failed(unrestricted)).toEqual([]);
    } finally {
      await emulator.stop();
    }
  });

  it('a group whose rule does not select Autopilot devices, and one with processing paused', async () => {
    const wrongRule = tutorial();
    wrongRule.groups[0]!.membershipRule = '(device.displayName -startsWith "DESKTOP-")';
    expect(failed(await preflight(wrongRule))).toEqual([`group:${TUTORIAL_TENANT.autopilotGroupId}`]);
    const paused = tutorial();
    paused.groups[0]!.membershipRuleProcessingState = 'Paused';
    const report = await preflight(paused);
    expect(failed(report)).toEqual([`group:${TUTORIAL_TENANT.autopilotGroupId}`]);
    expect(check(report, `group:${TUTORIAL_TENANT.autopilotGroupId}`).title).toMatch(/Paused/);
    // The group-tag form is an Autopilot rule too.
    const tagged = tutorial();
    tagged.groups[0]!.membershipRule = '(device.devicePhysicalIds -any (_ -eq "[OrderID]:Sales"))';
    expect(check(await preflight(tagged), `group:${TUTORIAL_TENANT.autopilotGroupId}`)).toMatchObject({
      status: 'ok',
      title: expect.stringContaining('OrderID'),
    });
  });

  it('a deployment profile not assigned to the expected group', async () => {
    const seed = tutorial();
    seed.deploymentProfiles[0]!.assignments = [];
    const report = await preflight(seed);
    expect(failed(report)).toEqual(['profile']);
    expect(check(report, 'profile').title).toMatch(/not assigned to the expected group/);
  });

  it('an ESP of higher priority on the group wins over the expected one: said, with the priorities', async () => {
    const seed = tutorial();
    seed.enrollmentStatusPages.unshift({
      displayName: 'Kiosk ESP',
      priority: 1,
      settings: {},
      assignments: [{ groupId: TUTORIAL_TENANT.autopilotGroupId }],
    });
    seed.enrollmentStatusPages[1]!.priority = 2;
    const report = await preflight(seed);
    expect(failed(report)).toEqual(['esp']);
    expect(check(report, 'esp').title).toBe(
      'A device in the expected group would get "Kiosk ESP" (priority 1), not the expected "Autopilot ESP" (priority 2)',
    );
  });

  it('an assignment filter on the expected ESP is flagged: runs cannot confirm that stage', async () => {
    const seed = tutorial();
    seed.enrollmentStatusPages[0]!.assignments = [
      { groupId: TUTORIAL_TENANT.autopilotGroupId, filterId: 'f0f0f0f0-0000-4000-8000-000000000001', filterType: 'include' },
    ];
    const report = await preflight(seed);
    expect(check(report, 'esp')).toMatchObject({
      status: 'warn',
      title: expect.stringContaining('assignment filter f0f0f0f0-0000-4000-8000-000000000001'),
    });
  });

  it('a tenant without an active Intune subscription', async () => {
    const report = await preflight({ ...tutorial(), intuneSubscriptionState: 'disabled' });
    expect(failed(report)).toEqual(['intune']);
  });

  it('notification settings with problems fail their own line (the app runs on without those channels); none: ok', async () => {
    const problems = ['NOTIFY_CHANNEL_OPS_URL: must be an https URL', 'NOTIFY_CHANNEL_CONTOSO_SECRET: must be at least 32 characters'];
    const report = await preflight(tutorial(), GRANTED, problems);
    expect(failed(report)).toEqual(['notify']);
    expect(check(report, 'notify').detail).toBe(problems.join('; '));
    expect(check(report, 'notify').fix).toMatch(/NOTIFY_\* \/ DASHBOARD_URL/);
    expect(report.ok).toBe(false);
    expect(check(await preflight(tutorial(), GRANTED, []), 'notify').status).toBe('ok');
  });

  it('renders one line per check with a mark, and the fix under each problem', async () => {
    const seed = tutorial();
    seed.deploymentProfiles[0]!.assignments = [];
    const text = renderPreflight(await preflight(seed));
    expect(text).toMatch(/^✔ Token for Microsoft Graph obtained/m);
    expect(text).toMatch(
      /^✘ Deployment profile "Autopilot user-driven Entra join" is not assigned to the expected group\n {4}fix: Assign the profile/m,
    );
    expect(text).toMatch(/Not ready: 1 problem to fix before the first drop\.\n$/);
  });
});

describe('npm run doctor', () => {
  let emulator: GraphEmulator;
  let dir: string;
  beforeAll(async () => {
    emulator = await startGraphEmulator({ timeScale: 0, seed: tutorial() });
    dir = mkdtempSync(join(tmpdir(), 'doctor-'));
  });
  afterAll(async () => {
    await emulator.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('checks the local stack it finds (the emulated tenant npm start seeds): all ✔, exit 0', async () => {
    const stackFile = join(dir, 'stack.json');
    writeFileSync(
      stackFile,
      JSON.stringify({ hostUrl: 'http://127.0.0.1:1', graphUrl: emulator.url, connectionString: 'UseDevelopmentStorage=true' }),
    );
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'local/doctor.ts'], {
      cwd: REPO_ROOT,
      env: { ...process.env, INTAKE_STACK_FILE: stackFile },
    });
    expect(stdout).toMatch(/^✔ Configuration is valid/);
    expect(stdout).not.toMatch(/^[✘!]/m);
    expect(stdout).toContain('Ready: no problem found.');
  });

  it('exits 1 and says what to fix when the configuration names a group that does not exist', async () => {
    const stackFile = join(dir, 'stack.json');
    writeFileSync(
      stackFile,
      JSON.stringify({ hostUrl: 'http://127.0.0.1:1', graphUrl: emulator.url, connectionString: 'UseDevelopmentStorage=true' }),
    );
    const missing = '00000000-0000-4000-8000-00000000dead';
    const result = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'local/doctor.ts', '--group', missing], {
      cwd: REPO_ROOT,
      env: { ...process.env, INTAKE_STACK_FILE: stackFile },
    }).catch((e: { code: number; stdout: string }) => e);
    expect(result).toMatchObject({ code: 1 });
    expect((result as { stdout: string }).stdout).toContain(`✘ Expected group ${missing} does not exist`);
  });
});
