import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../shared/config';

const base = { AzureWebJobsStorage: 'UseDevelopmentStorage=true' };

describe('configuration', () => {
  it('has production defaults: managed identity, real Graph, chunks of 100', () => {
    const c = loadConfig({ ...base, EXPECTED_GROUP_IDS: '11111111-1111-4111-8111-111111111111, 22222222-2222-4222-8222-222222222222' });
    expect(c.graph).toMatchObject({ endpoint: 'https://graph.microsoft.com', auth: { kind: 'managed-identity', clientId: undefined } });
    expect(c.settings.chunkSize).toBe(100);
    expect(c.settings.maxRows).toBe(1_000_000);
    expect(loadConfig({ ...base, MAX_FILE_ROWS: '2500000' }).settings.maxRows).toBe(2_500_000);
    expect(c.graph.intuneBudget).toEqual({ writesPer20s: 96, requestsPer20s: 960 });
    expect(c.graph.budget).toEqual({ mode: 'shared', leaseSeconds: 15, tenant: 'default' });
    expect(c.settings.expected.groupIds).toHaveLength(2);
  });

  it('lists every problem at once with the setting name', () => {
    try {
      loadConfig({
        GRAPH_AUTH: 'static-token',
        EXPECTED_GROUP_IDS: 'not-a-guid',
        IMPORT_CHUNK_SIZE: '5000',
        POLL_INITIAL_SECONDS: 'soon',
        INTUNE_WRITES_PER_20S: '5',
        GRAPH_BUDGET: 'everyone',
        GRAPH_BUDGET_LEASE_SECONDS: '0',
        MAX_FILE_ROWS: '0',
      });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const text = (error as ConfigError).message;
      for (const key of [
        'GRAPH_STATIC_TOKEN',
        'AzureWebJobsStorage',
        'EXPECTED_GROUP_IDS',
        'POLL_INITIAL_SECONDS',
        'INTUNE_WRITES_PER_20S',
        'GRAPH_BUDGET:',
        'GRAPH_BUDGET_LEASE_SECONDS:',
        'MAX_FILE_ROWS',
      ])
        expect(text).toContain(key);
    }
  });

  it('refuses a static token against anything but a loopback emulator', () => {
    expect(() =>
      loadConfig({ ...base, GRAPH_AUTH: 'static-token', GRAPH_STATIC_TOKEN: 't', GRAPH_ENDPOINT: 'https://graph.microsoft.com' }),
    ).toThrow(/emulator only/);
    expect(
      loadConfig({ ...base, GRAPH_AUTH: 'static-token', GRAPH_STATIC_TOKEN: 't', GRAPH_ENDPOINT: 'http://127.0.0.1:7072' }).graph.auth.kind,
    ).toBe('static-token');
  });

  it('uses identity-based storage when no connection string is set', () => {
    const c = loadConfig({ AzureWebJobsStorage__accountName: 'stintake', AzureWebJobsStorage__clientId: 'cid' });
    expect(c.storage).toEqual({ kind: 'identity', blobServiceUri: 'https://stintake.blob.core.windows.net', clientId: 'cid' });
  });
});
