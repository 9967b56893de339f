/**
 * BASELINE_FILE: the app's expected group, profile and ESP resolved from the baseline at start, by
 * marker, as the Function App's own (app-only, read-mostly) identity — and a clear error naming
 * each object when the tenant has not had the baseline applied.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN_APPLY_SCOPES, delegatedToken } from '../../local/admin-token';
import { appToken, grantedAppRoles } from '../../local/app-token';
import { startGraphEmulator, type GraphEmulator } from '../../local/graph-emulator';
import { REPO_ROOT } from '../../local/stack';
import { withBaselineExpected } from '../../shared/baseline/app-config';
import { converge } from '../../shared/baseline/converge';
import { defaultBaseline } from '../../shared/baseline/default';
import { DEFAULT_BASELINE_FILE } from '../../shared/baseline/files';
import { ConfigError, loadConfig } from '../../shared/config';
import { createClientGateway } from '../../shared/graph/client-gateway';

let emulator: GraphEmulator | undefined;
afterEach(async () => {
  await emulator?.stop();
  emulator = undefined;
});

function env(graphUrl: string, extra: Record<string, string> = {}) {
  return { GRAPH_ENDPOINT: graphUrl, GRAPH_AUTH: 'static-token', GRAPH_STATIC_TOKEN: 'x', BASELINE_FILE: 'baseline/tenant.json', ...extra };
}
const asApp = (url: string) => {
  const token = appToken(grantedAppRoles(REPO_ROOT));
  return createClientGateway({ endpoint: url, tokens: { getToken: async () => token } });
};

describe('BASELINE_FILE', () => {
  it('resolves the expected ids from the applied baseline, as the app identity', async () => {
    emulator = await startGraphEmulator({ timeScale: 0 });
    const token = delegatedToken(ADMIN_APPLY_SCOPES);
    const applied = await converge(
      createClientGateway({ endpoint: emulator.url, tokens: { getToken: async () => token } }),
      defaultBaseline(),
    );
    expect(applied.steps).toHaveLength(6);
    const config = loadConfig(env(emulator.url), { storage: false });
    expect(config.settings.expected).toEqual({ groupIds: [], profileId: undefined, espId: undefined });
    const resolved = await withBaselineExpected(config, asApp(emulator.url));
    // The ids are those of the objects apply created (a second converge finds them by marker and changes nothing).
    const again = await converge(
      createClientGateway({ endpoint: emulator.url, tokens: { getToken: async () => token } }),
      defaultBaseline(),
    );
    expect(again.steps).toEqual([]);
    expect(resolved.settings.expected).toEqual({
      groupIds: [again.ids['autopilot-devices']],
      profileId: again.ids['autopilot-user-driven'],
      espId: again.ids['autopilot-esp'],
    });
    expect(resolved.settings.expected.espId).toMatch(/_Windows10EnrollmentCompletionPageConfiguration$/);
  });

  it('a tenant without the baseline applied: every missing object named, with the fix', async () => {
    emulator = await startGraphEmulator({ timeScale: 0 });
    const config = loadConfig(env(emulator.url), { storage: false });
    const failure = await withBaselineExpected(config, asApp(emulator.url)).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ConfigError);
    expect((failure as ConfigError).problems).toEqual([
      'BASELINE_FILE: the tenant has no group marked [baseline:autopilot-devices] ("Autopilot devices") — apply the baseline first (npm run baseline -- apply, as an administrator)',
      'BASELINE_FILE: the tenant has no deployment profile marked [baseline:autopilot-user-driven] ("Autopilot user-driven Entra join") — apply the baseline first (npm run baseline -- apply, as an administrator)',
      'BASELINE_FILE: the tenant has no ESP marked [baseline:autopilot-esp] ("Autopilot ESP") — apply the baseline first (npm run baseline -- apply, as an administrator)',
    ]);
  });

  it('a missing file, or BASELINE_FILE beside EXPECTED_* ids, is a configuration error', async () => {
    const missing = loadConfig(env('http://127.0.0.1:9', { BASELINE_FILE: 'baseline/nope.json' }), { storage: false });
    await expect(withBaselineExpected(missing, asApp('http://127.0.0.1:9'))).rejects.toThrow(/BASELINE_FILE: .*nope\.json does not exist/);
    expect(() =>
      loadConfig(env('http://127.0.0.1:9', { EXPECTED_PROFILE_ID: '7b2e9d40-3c5a-4f0e-8b6d-2e9c4a7f0002' }), { storage: false }),
    ).toThrow(/BASELINE_FILE: the expected group, profile and ESP come from the baseline; remove EXPECTED_GROUP_IDS/);
    expect(DEFAULT_BASELINE_FILE).toMatch(/baseline[\\/]tenant\.json$/);
  });
});
