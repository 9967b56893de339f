/**
 * Notification test fixtures: validators for the two published shapes (the vendored Adaptive Card
 * 1.4 schema, draft-06, and the notification JSON Schema, 2020-12 — both read from the repository,
 * never the network), a synthetic run of any size written straight into a run store (no hashes,
 * so 10,000 devices take a moment), and channel settings.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import draft06 from 'ajv/dist/refs/json-schema-draft-06.json';
import { emptyCounts, type RunOutcome, type StageCounts } from '../../shared/contracts';
import { countChunk, countRun } from '../../shared/run/counts';
import type { ChunkState, DeviceState, RowRecord, RunManifest } from '../../shared/run/model';
import { ROWS_PER_PART, type RunStore } from '../../shared/run/run-store';
import { CONTAINERS } from '../../shared/storage/object-store';

const ROOT = join(__dirname, '..', '..');
const readJson = (...parts: string[]) => JSON.parse(readFileSync(join(ROOT, ...parts), 'utf8')) as Record<string, unknown>;

let cardValidator: ValidateFunction | undefined;
let notificationValidator: ValidateFunction | undefined;

/** Adaptive Card 1.4 (tests/vendor/adaptivecards): `strict: false` because the schema carries its own keywords (version, features). */
export function validateCard(card: unknown): string[] {
  if (!cardValidator) {
    const ajv = new Ajv({ strict: false, allErrors: true });
    ajv.addMetaSchema(draft06);
    addFormats(ajv);
    // The file names itself with draft-04's `id`, which Ajv 8 refuses: handed over as `$id`, the file unchanged.
    const { id, ...schema } = readJson('tests', 'vendor', 'adaptivecards', '1.4.0', 'adaptive-card.json');
    cardValidator = ajv.compile({ $id: id as string, ...schema });
  }
  return cardValidator(card) ? [] : (cardValidator.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

/** The published webhook body schema (docs/schemas/notification-v1.schema.json). */
export function validateNotification(body: unknown): string[] {
  if (!notificationValidator) {
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    addFormats(ajv);
    notificationValidator = ajv.compile(readJson('docs', 'schemas', 'notification-v1.schema.json'));
  }
  return notificationValidator(body) ? [] : (notificationValidator.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

export interface SyntheticDevice {
  serialNumber: string;
  failure?: { code: string; stage: DeviceState['stage']; message?: string; remediation?: string };
  pending?: boolean;
}

/**
 * A finalized-looking run of `devices` (plus `rejectedRows` rejected CSV rows first) in `runs`:
 * manifest, row parts and chunk states of 100 devices, as the pipeline leaves them.
 */
export async function writeSyntheticRun(
  runs: RunStore,
  runId: string,
  devices: SyntheticDevice[],
  options: { rejectedRows?: { serialNumber: string; code: string; message: string }[]; fileRejected?: string } = {},
): Promise<{ manifest: RunManifest; counts: StageCounts }> {
  const rejected = options.rejectedRows ?? [];
  const rows: RowRecord[] = [
    ...rejected.map((r, i) => ({
      line: i + 2,
      status: 'rejected' as const,
      serialNumber: r.serialNumber,
      code: r.code,
      message: r.message,
      warnings: [],
    })),
    ...devices.map((d, i) => ({ line: rejected.length + i + 2, status: 'valid' as const, serialNumber: d.serialNumber, warnings: [] })),
  ];
  const parts = Math.ceil(rows.length / ROWS_PER_PART);
  for (let p = 0; p < parts; p++) await runs.writeRowPart(runId, p, rows.slice(p * ROWS_PER_PART, (p + 1) * ROWS_PER_PART));
  const chunks: ChunkState[] = [];
  for (let k = 0; k * 100 < devices.length; k++) {
    chunks.push({
      index: k,
      importId: `${runId}-c${k}`,
      status: 'sent',
      attempts: 1,
      devices: devices.slice(k * 100, (k + 1) * 100).map((d, i) => {
        const line = rejected.length + k * 100 + i + 2;
        const base = { line, serialNumber: d.serialNumber, recordDeleted: true, alreadyRegistered: false, at: {} };
        if (d.pending) return { ...base, importStatus: 'complete' as const, stage: 'profile' as const };
        if (d.failure)
          return {
            ...base,
            importStatus: d.failure.stage === 'import' ? ('error' as const) : ('complete' as const),
            stage: d.failure.stage,
            result: 'failed' as const,
            failure: {
              stage: d.failure.stage,
              code: d.failure.code,
              message: d.failure.message ?? `failed with ${d.failure.code}`,
              remediation: d.failure.remediation ?? `fix ${d.failure.code}`,
            },
          };
        return { ...base, importStatus: 'complete' as const, stage: 'done' as const, result: 'confirmed' as const };
      }),
    });
  }
  for (const c of chunks) await runs.writeChunkState(runId, c);
  const manifest: RunManifest = {
    runId,
    source: { container: CONTAINERS.intake, name: 'oem/devices.csv', etag: '"0x1"' },
    parsedAt: '2026-11-28T10:00:00.000Z',
    warnings: [],
    ...(options.fileRejected ? { fileRejected: options.fileRejected } : {}),
    chunkCount: chunks.length,
    rowParts: parts,
    counts: { ...emptyCounts(), rows: rows.length, valid: devices.length, rejectedRows: rejected.length },
  };
  await runs.writeManifest(manifest);
  const counts = countRun(manifest);
  for (const c of chunks) countChunk(counts, c);
  return { manifest, counts };
}

export function outcomeOf(runId: string, counts: StageCounts, extra: Partial<RunOutcome> = {}): RunOutcome {
  return { runId, status: counts.valid > 0 ? 'completed' : 'rejected', reportPath: `${CONTAINERS.reports}/${runId}/`, counts, ...extra };
}

export const SECRET = 'f'.repeat(16) + '0123456789abcdef0123456789abcdef';
export const TEAMS_URL =
  'https://prod-01.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?api-version=2016-06-01&sig=TopSecretSig123';
export const HOOK_URL = 'https://hooks.example.com/autopilot?token=hook-credential-42';

export function channelEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    NOTIFY_CHANNELS: 'ops,contoso',
    NOTIFY_CHANNEL_OPS_TYPE: 'teams',
    NOTIFY_CHANNEL_OPS_URL: TEAMS_URL,
    NOTIFY_CHANNEL_CONTOSO_TYPE: 'webhook',
    NOTIFY_CHANNEL_CONTOSO_URL: HOOK_URL,
    NOTIFY_CHANNEL_CONTOSO_SECRET: SECRET,
    DASHBOARD_URL: 'https://func-x.azurewebsites.net/api/dashboard',
    ...extra,
  };
}
