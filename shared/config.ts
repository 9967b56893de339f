/**
 * Configuration, read from the environment once at start (the composition root) and validated
 * with clear errors. The app never knows whether it runs in Azure or on the local stack: only
 * these values differ.
 */
import { z } from 'zod';
import { DEFAULT_MAX_ROWS } from './intake/read-intake-csv';
import type { ReconcileSettings, RunSettings } from './contracts';
import { parseNotifyConfig, type NotifyConfig } from './notify/channels-config';

const csvList = z
  .string()
  .optional()
  .transform((v) =>
    (v ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0),
  );

const num = (fallback: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return fallback;
      const n = Number(v);
      if (!Number.isFinite(n)) {
        ctx.addIssue({ code: 'custom', message: `expected a number, got "${v}"` });
        return z.NEVER;
      }
      return n;
    });

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Polling pace. The report follows the service's last step by at most one interval, so the cap sets
 * the lag: 20 s is ≤ 3.5 % of the ~10 minutes Autopilot takes from import to profile assignment
 * (docs/PERFORMANCE.md, "Where each target stands"), and a poll of a run's devices costs a few
 * requests against Intune's 1,000 per 20 s.
 */
export const POLL_DEFAULTS = { initialSeconds: 15, maxSeconds: 20, factor: 1.5 } as const;

const EnvSchema = z.object({
  GRAPH_ENDPOINT: z.string().url().default('https://graph.microsoft.com'),
  GRAPH_AUTH: z.enum(['managed-identity', 'default-azure-credential', 'static-token']).default('managed-identity'),
  AZURE_CLIENT_ID: z.string().optional(),
  GRAPH_STATIC_TOKEN: z.string().optional(),
  EXPECTED_GROUP_IDS: csvList,
  EXPECTED_PROFILE_ID: z.string().optional(),
  EXPECTED_ESP_ID: z.string().optional(),
  /** A tenant baseline file (baseline/tenant.json): the expected ids are resolved from it at start instead of EXPECTED_*. */
  BASELINE_FILE: z.string().optional(),
  IMPORT_CHUNK_SIZE: num(100),
  /** Data rows one file may hold; above it the file is rejected with this setting named. */
  MAX_FILE_ROWS: num(DEFAULT_MAX_ROWS),
  POLL_INITIAL_SECONDS: num(POLL_DEFAULTS.initialSeconds),
  POLL_MAX_SECONDS: num(POLL_DEFAULTS.maxSeconds),
  POLL_FACTOR: num(POLL_DEFAULTS.factor),
  IMPORT_DEADLINE_MINUTES: num(60),
  REGISTRATION_DEADLINE_MINUTES: num(60),
  GROUP_DEADLINE_MINUTES: num(60),
  PROFILE_DEADLINE_MINUTES: num(120),
  ESP_DEADLINE_MINUTES: num(30),
  MAX_UPLOAD_BYTES: num(50 * 1024 * 1024),
  INTUNE_WRITES_PER_20S: num(96),
  INTUNE_REQUESTS_PER_20S: num(960),
  /** `shared`: one Graph budget per tenant for every instance and run (Table storage); `process`: each worker paces alone. */
  GRAPH_BUDGET: z.enum(['shared', 'process']).default('shared'),
  /** How long a grant of the shared budget may be used; what a dead instance held counts until one window after this. */
  GRAPH_BUDGET_LEASE_SECONDS: num(15),
  /** The tenant the shared budget is kept for (one record per tenant); Azure's own tenant id when set. */
  AZURE_TENANT_ID: z.string().optional(),
  /** `repair` carries out the auto tier; `report-only` is a dry run (reports, changes nothing). */
  RECONCILE_MODE: z.enum(['repair', 'report-only']).default('repair'),
  /** A profile assignment `pending` for longer than this is reported stuck. */
  RECONCILE_STUCK_MINUTES: num(120),
  /** Read at load by functions/index.ts (a timer's schedule is fixed when the app starts); validated here so /api/health reports a wrong one. */
  RECONCILE_ENABLED: z.enum(['true', 'false']).optional(),
  RECONCILE_SCHEDULE: z
    .string()
    .optional()
    .refine(
      (v) => v === undefined || v.trim() === '' || v.trim().split(/\s+/).length === 6,
      'expected six NCRONTAB fields ({second} {minute} {hour} {day} {month} {day-of-week}), e.g. "0 0 3 * * *"',
    ),
  AzureWebJobsStorage: z.string().optional(),
  AzureWebJobsStorage__blobServiceUri: z.string().url().optional(),
  AzureWebJobsStorage__accountName: z.string().optional(),
  AzureWebJobsStorage__clientId: z.string().optional(),
});

/**
 * Checks across settings, on the raw values, so they are reported together with the field errors
 * (a schema refinement would only run once every field parsed).
 */
function crossCheck(env: Record<string, string | undefined>, needsStorage: boolean): string[] {
  const problems: string[] = [];
  const endpoint = env.GRAPH_ENDPOINT ?? 'https://graph.microsoft.com';
  if (env.GRAPH_AUTH === 'static-token') {
    if (!env.GRAPH_STATIC_TOKEN) problems.push('GRAPH_STATIC_TOKEN: required when GRAPH_AUTH=static-token');
    let host = '';
    try {
      host = new URL(endpoint).hostname;
    } catch {
      // reported by the field check
    }
    if (host && !['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host)) {
      problems.push(
        `GRAPH_AUTH: static-token is for the local Graph emulator only; ${endpoint} needs managed-identity or default-azure-credential`,
      );
    }
  }
  if (needsStorage && !env.AzureWebJobsStorage && !env.AzureWebJobsStorage__blobServiceUri && !env.AzureWebJobsStorage__accountName) {
    problems.push(
      'AzureWebJobsStorage: set AzureWebJobsStorage (connection string) or AzureWebJobsStorage__accountName / __blobServiceUri (identity)',
    );
  }
  const ids = (env.EXPECTED_GROUP_IDS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const id of ids) if (!GUID.test(id)) problems.push(`EXPECTED_GROUP_IDS: "${id}" is not a GUID`);
  if (env.EXPECTED_PROFILE_ID && !GUID.test(env.EXPECTED_PROFILE_ID))
    problems.push(`EXPECTED_PROFILE_ID: "${env.EXPECTED_PROFILE_ID}" is not a GUID`);
  if (env.BASELINE_FILE?.trim() && (ids.length > 0 || env.EXPECTED_PROFILE_ID?.trim() || env.EXPECTED_ESP_ID?.trim()))
    problems.push(
      'BASELINE_FILE: the expected group, profile and ESP come from the baseline; remove EXPECTED_GROUP_IDS / EXPECTED_PROFILE_ID / EXPECTED_ESP_ID (or BASELINE_FILE)',
    );
  const chunk = Number(env.IMPORT_CHUNK_SIZE ?? '100');
  if (!Number.isInteger(chunk) || chunk < 1 || chunk > 500) problems.push('IMPORT_CHUNK_SIZE: must be an integer from 1 to 500');
  const maxRows = Number(env.MAX_FILE_ROWS ?? DEFAULT_MAX_ROWS);
  if (!Number.isInteger(maxRows) || maxRows < 1 || maxRows > 10_000_000)
    problems.push('MAX_FILE_ROWS: must be an integer from 1 to 10,000,000');
  for (const key of ['INTUNE_WRITES_PER_20S', 'INTUNE_REQUESTS_PER_20S'] as const) {
    const value = env[key];
    if (value !== undefined && value.trim() !== '' && !(Number.isInteger(Number(value)) && Number(value) >= 20)) {
      problems.push(`${key}: must be an integer of at least 20 (one full $batch)`);
    }
  }
  const lease = env.GRAPH_BUDGET_LEASE_SECONDS;
  if (lease !== undefined && lease.trim() !== '' && !(Number(lease) >= 1 && Number(lease) <= 300))
    problems.push('GRAPH_BUDGET_LEASE_SECONDS: must be a number of seconds from 1 to 300');
  const stuck = env.RECONCILE_STUCK_MINUTES;
  if (stuck !== undefined && stuck.trim() !== '' && !(Number(stuck) > 0))
    problems.push('RECONCILE_STUCK_MINUTES: must be a number of minutes above 0');
  const initial = Number(env.POLL_INITIAL_SECONDS ?? POLL_DEFAULTS.initialSeconds);
  const max = Number(env.POLL_MAX_SECONDS ?? POLL_DEFAULTS.maxSeconds);
  if (Number.isFinite(initial) && Number.isFinite(max) && max < initial)
    problems.push('POLL_MAX_SECONDS: must be at least POLL_INITIAL_SECONDS');
  return problems;
}

export type GraphAuth =
  | { kind: 'managed-identity'; clientId: string | undefined }
  | { kind: 'default-azure-credential'; clientId: string | undefined }
  | { kind: 'static-token'; token: string };

export type StorageAuth =
  { kind: 'connection-string'; connectionString: string } | { kind: 'identity'; blobServiceUri: string; clientId: string | undefined };

export interface AppConfig {
  graph: {
    endpoint: string;
    auth: GraphAuth;
    intuneBudget: { writesPer20s: number; requestsPer20s: number };
    /** Shared by every instance (keyed by tenant) or per process. */
    budget: { mode: 'shared' | 'process'; leaseSeconds: number; tenant: string };
  };
  storage: StorageAuth;
  settings: RunSettings;
  reconcile: ReconcileSettings;
  maxUploadBytes: number;
  /** When set, settings.expected is empty until resolved from this baseline file at start (shared/baseline/expected.ts). */
  baselineFile?: string;
  /** Notification channels (shared/notify/channels-config.ts); URLs and secrets live only here, never in a run's input. */
  notify: NotifyConfig;
}

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * The whole configuration, every problem listed at once. `storage: false` is for tools that only
 * talk to Graph (the preflight from an admin's machine): the storage settings are then optional.
 */
export function loadConfig(env: Record<string, string | undefined>, options: { storage?: boolean } = {}): AppConfig {
  const parsed = EnvSchema.safeParse(env);
  const notify = parseNotifyConfig(env);
  const problems = [
    ...(parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.') || 'environment'}: ${i.message}`)),
    ...crossCheck(env, options.storage ?? true),
    ...notify.problems,
  ];
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const e = parsed.data;
  const graphAuth: GraphAuth =
    e.GRAPH_AUTH === 'static-token'
      ? { kind: 'static-token', token: e.GRAPH_STATIC_TOKEN ?? '' }
      : { kind: e.GRAPH_AUTH, clientId: e.AZURE_CLIENT_ID };
  // Runs started with channels configured notify at their end (the retry pace travels with the run).
  const notifySettings = notify.config.channels.length > 0 ? { notify: notify.config.retry } : {};
  const storage: StorageAuth = e.AzureWebJobsStorage
    ? {
        kind: 'connection-string',
        connectionString: e.AzureWebJobsStorage === 'UseDevelopmentStorage=true' ? DEV_STORAGE : e.AzureWebJobsStorage,
      }
    : {
        kind: 'identity',
        blobServiceUri: e.AzureWebJobsStorage__blobServiceUri ?? `https://${e.AzureWebJobsStorage__accountName}.blob.core.windows.net`,
        clientId: e.AzureWebJobsStorage__clientId ?? e.AZURE_CLIENT_ID,
      };
  return {
    graph: {
      endpoint: e.GRAPH_ENDPOINT.replace(/\/+$/, ''),
      auth: graphAuth,
      intuneBudget: { writesPer20s: e.INTUNE_WRITES_PER_20S, requestsPer20s: e.INTUNE_REQUESTS_PER_20S },
      budget: { mode: e.GRAPH_BUDGET, leaseSeconds: e.GRAPH_BUDGET_LEASE_SECONDS, tenant: e.AZURE_TENANT_ID ?? 'default' },
    },
    storage,
    maxUploadBytes: e.MAX_UPLOAD_BYTES,
    ...(e.BASELINE_FILE?.trim() ? { baselineFile: e.BASELINE_FILE.trim() } : {}),
    notify: notify.config,
    reconcile: { mode: e.RECONCILE_MODE, stuckMinutes: e.RECONCILE_STUCK_MINUTES, ...notifySettings },
    settings: {
      chunkSize: e.IMPORT_CHUNK_SIZE,
      maxRows: e.MAX_FILE_ROWS,
      poll: { initialSeconds: e.POLL_INITIAL_SECONDS, maxSeconds: e.POLL_MAX_SECONDS, factor: e.POLL_FACTOR },
      deadlines: {
        importMinutes: e.IMPORT_DEADLINE_MINUTES,
        registrationMinutes: e.REGISTRATION_DEADLINE_MINUTES,
        groupMinutes: e.GROUP_DEADLINE_MINUTES,
        profileMinutes: e.PROFILE_DEADLINE_MINUTES,
        espMinutes: e.ESP_DEADLINE_MINUTES,
      },
      expected: {
        groupIds: e.EXPECTED_GROUP_IDS,
        profileId: e.EXPECTED_PROFILE_ID || undefined,
        espId: e.EXPECTED_ESP_ID || undefined,
      },
      ...notifySettings,
    },
  };
}

/** Azurite's documented development account (public, not a secret). */
const DEV_STORAGE =
  'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;QueueEndpoint=http://127.0.0.1:10001/devstoreaccount1;TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;';
