/**
 * POST /api/intake — for procurement systems: upload a CSV, get 202 with the run id and its status
 * URL. The file is stored in autopilot-intake/api/… like any drop and goes through the same run.
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { CONTAINERS } from '../shared/storage/object-store';
import { getServices } from './composition';
import { startRunIfNew } from './start-run';

const ACCEPTED_TYPES = ['text/csv', 'application/csv', 'text/plain', 'application/octet-stream', 'application/vnd.ms-excel'];

const FileName = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .regex(/^[\w. ()-]+\.csv$/i, 'fileName must be a plain name ending in .csv (letters, digits, space, . _ - ( ))');

function problem(status: number, message: string): HttpResponseInit {
  return { status, jsonBody: { error: message } };
}

export async function handleIntakeUpload(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const { config, objects } = getServices();
  const contentType = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (!ACCEPTED_TYPES.includes(contentType)) {
    return problem(415, `Content-Type must be one of ${ACCEPTED_TYPES.join(', ')}; got "${contentType || 'none'}".`);
  }
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > config.maxUploadBytes) return problem(413, `The file is larger than the ${config.maxUploadBytes}-byte limit.`);
  const fileName = FileName.safeParse(request.query.get('fileName') ?? request.headers.get('x-file-name') ?? 'upload.csv');
  if (!fileName.success) return problem(400, fileName.error.issues[0]?.message ?? 'invalid fileName');
  const body = Buffer.from(await request.arrayBuffer());
  if (body.length === 0) return problem(400, 'The body is empty; send the CSV file as the request body.');
  if (body.length > config.maxUploadBytes) return problem(413, `The file is larger than the ${config.maxUploadBytes}-byte limit.`);

  const day = new Date().toISOString().slice(0, 10);
  const name = `api/${day}/${randomUUID()}-${fileName.data}`;
  const etag = await objects.put(CONTAINERS.intake, name, body, 'text/csv');
  const { runId } = await startRunIfNew(df.getClient(context), { container: CONTAINERS.intake, name, etag }, config.settings);
  context.log(`[${runId}] upload stored as ${CONTAINERS.intake}/${name} (${body.length} bytes)`);
  const statusUrl = new URL(`/api/runs/${runId}`, request.url).toString();
  return {
    status: 202,
    headers: { Location: statusUrl },
    jsonBody: { runId, statusUrl, blob: `${CONTAINERS.intake}/${name}` },
  };
}

app.http('intakeUpload', {
  route: 'intake',
  methods: ['POST'],
  authLevel: 'function',
  extraInputs: [df.input.durableClient()],
  handler: handleIntakeUpload,
});
