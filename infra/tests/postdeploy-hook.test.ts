// Runs infra/hooks/postdeploy.sh against a fake `az` on PATH: it waits (bounded) for the
// eventgrid_extension key, then deploys the phase-2 template with the azd outputs; it fails loudly
// when an output is missing or the key never appears, and never prints the key.
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { INFRA_DIR } from '../lib/bicep-ast';

const HOOK = join(INFRA_DIR, 'hooks', 'postdeploy.sh');
const KEY = 'fake-blobs-extension-key-value';
const dirs: string[] = [];

const AZD_OUTPUTS = {
  AZURE_SUBSCRIPTION_ID: '00000000-1111-2222-3333-444444444444',
  RESOURCE_GROUP: 'rg-test',
  AZURE_FUNCTION_APP_NAME: 'func-abc',
  AZURE_STORAGE_ACCOUNT_NAME: 'stabc',
  EVENTGRID_SYSTEM_TOPIC_NAME: 'evgt-abc',
  INTAKE_CONTAINER_NAME: 'autopilot-intake',
  INTAKE_FUNCTION_NAME: 'intakeBlobCreated',
  EVENTGRID_DEADLETTER_CONTAINER_NAME: 'autopilot-eventgrid-deadletter',
};

/** A fake `az` that logs its arguments and returns the key from the Nth `keys list` call on (or fails like az with `error`). */
function fakeAz(keyOnCall: number, error?: string): { bin: string; log: string } {
  const dir = mkdtempSync(join(tmpdir(), 'postdeploy-'));
  dirs.push(dir);
  const log = join(dir, 'az.log');
  const counter = join(dir, 'count');
  writeFileSync(counter, '0');
  writeFileSync(
    join(dir, 'az'),
    `#!/bin/sh
echo "$*" >> "${log}"
if [ "$1 $2 $3" = "functionapp keys list" ]; then
  n=$(($(cat "${counter}") + 1)); echo "$n" > "${counter}"
  ${error ? `echo "${error}" >&2; exit 3` : ''}
  if [ "$n" -ge ${keyOnCall} ]; then echo "${KEY}"; fi
fi
exit 0
`,
  );
  chmodSync(join(dir, 'az'), 0o755);
  return { bin: dir, log };
}

function runHook(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('/bin/sh', [HOOK], { env, timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const baseEnv = (bin: string): Record<string, string> => ({
  PATH: `${bin}:/usr/bin:/bin`,
  POSTDEPLOY_KEY_INTERVAL_SECONDS: '0',
  POSTDEPLOY_KEY_ATTEMPTS: '5',
});

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('postdeploy hook', () => {
  it('waits for the key, then deploys the Event Grid subscription with the azd outputs', async () => {
    const az = fakeAz(3);
    const res = await runHook({ ...baseEnv(az.bin), ...AZD_OUTPUTS });
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const calls = readFileSync(az.log, 'utf8').trim().split('\n');
    const keyCalls = calls.filter((c) => c.startsWith('functionapp keys list'));
    expect(keyCalls).toHaveLength(3);
    const deploy = calls.find((c) => c.startsWith('deployment group create')) ?? '';
    // Both calls are pinned to the azd environment's subscription, not az's default one.
    for (const c of [...keyCalls, deploy]) expect(c).toContain(`--subscription ${AZD_OUTPUTS.AZURE_SUBSCRIPTION_ID}`);
    expect(deploy).toContain('--resource-group rg-test');
    expect(deploy).toMatch(/--template-file \S+\/infra\/hooks\/\.\.\/eventgrid\/blob-subscription\.bicep/);
    for (const p of [
      'functionAppName=func-abc',
      'storageAccountName=stabc',
      'systemTopicName=evgt-abc',
      'containerName=autopilot-intake',
      'functionName=intakeBlobCreated',
      'deadLetterContainerName=autopilot-eventgrid-deadletter',
    ]) {
      expect(deploy).toContain(p);
    }
    // The key is fetched by the template itself (listKeys), never passed or printed by the hook.
    expect(deploy).not.toContain(KEY);
    expect(res.stdout).not.toContain(KEY);
  });

  it('fails with the missing value named when azd has not provisioned', async () => {
    const az = fakeAz(1);
    const { INTAKE_FUNCTION_NAME: _omitted, ...rest } = AZD_OUTPUTS;
    const res = await runHook({ ...baseEnv(az.bin), ...rest });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('INTAKE_FUNCTION_NAME is not set');
  });

  it('gives up after the bounded number of tries when the key never appears', async () => {
    const az = fakeAz(1000);
    const res = await runHook({ ...baseEnv(az.bin), ...AZD_OUTPUTS, POSTDEPLOY_KEY_ATTEMPTS: '3' });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('no eventgrid_extension key on func-abc after 3 tries');
    expect(readFileSync(az.log, 'utf8')).not.toContain('deployment group create');
  });

  it("shows az's own error when the wait ends without a key (a wrong subscription is not mistaken for a slow host)", async () => {
    const az = fakeAz(1, 'ERROR: (ResourceGroupNotFound) Resource group rg-test could not be found.');
    const res = await runHook({ ...baseEnv(az.bin), ...AZD_OUTPUTS, POSTDEPLOY_KEY_ATTEMPTS: '2' });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('no eventgrid_extension key on func-abc after 2 tries');
    expect(res.stderr).toContain("The last 'az functionapp keys list' said:");
    expect(res.stderr).toContain('(ResourceGroupNotFound) Resource group rg-test could not be found.');
  });

  it('fails with the subscription named when azd did not provide it', async () => {
    const az = fakeAz(1);
    const { AZURE_SUBSCRIPTION_ID: _omitted, ...rest } = AZD_OUTPUTS;
    const res = await runHook({ ...baseEnv(az.bin), ...rest });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('AZURE_SUBSCRIPTION_ID is not set');
  });

  it('fails clearly without the Azure CLI', async () => {
    const res = await runHook({ PATH: '/nonexistent', ...AZD_OUTPUTS });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('the Azure CLI (az) is required');
  });
});

describe('postdeploy.ps1 (not run here: no PowerShell)', () => {
  const ps1 = readFileSync(join(INFRA_DIR, 'hooks', 'postdeploy.ps1'), 'utf8');

  it('pins both az calls to the azd subscription and keeps az errors instead of discarding them', () => {
    for (const call of ['az functionapp keys list', 'az deployment group create']) {
      const at = ps1.indexOf(call);
      expect(at, call).toBeGreaterThan(-1);
      expect(ps1.slice(at, ps1.indexOf('\n', ps1.indexOf('--subscription', at)))).toContain('--subscription $env:AZURE_SUBSCRIPTION_ID');
    }
    expect(ps1).not.toContain('2>$null');
    expect(ps1).toContain("The last 'az functionapp keys list' said:");
  });
});
