/**
 * POST /api/intake — for procurement systems: upload a CSV, get 202 with the run id and its status
 * URL. The file is stored in autopilot-intake/api/… like any drop and goes through the same run.
 */
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { z } from 'zod';
import type { RunSettings } from '../shared/contracts/run';
import { CONTAINERS, type ObjectStore } from '../shared/storage/object-store';
import { startRunIfNew, type RunStarter } from './start-run';

const ACCEPTED_TYPES = ['text/csv', 'application/csv', 'text/plain', 'application/octet-stream', 'application/vnd.ms-excel'];

const FileName = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .regex(/^[\w. ()-]+\.csv$/i, 'fileName must be a plain name ending in .csv (letters, digits, space, . _ - ( ))');

export interface IntakeUploadDeps {
  objects: ObjectStore;
  settings: RunSettings;
  maxUploadBytes: number;
  clientOf: (context: InvocationContext) => RunStarter;
  /** A unique part of the stored name (a UUID in production). */
  newId: () => string;
  today: () => string;
}

function problem(status: number, message: string): HttpResponseInit {
  return { status, jsonBody: { error: message } };
}

export function intakeUploadHandler(deps: IntakeUploadDeps) {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const contentType = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (!ACCEPTED_TYPES.includes(contentType)) {
      return problem(415, `Content-Type must be one of ${ACCEPTED_TYPES.join(', ')}; got "${contentType || 'none'}".`);
    }
    const declared = Number(request.headers.get('content-length') ?? '0');
    if (declared > deps.maxUploadBytes) return problem(413, `The file is larger than the ${deps.maxUploadBytes}-byte limit.`);
    const fileName = FileName.safeParse(request.query.get('fileName') ?? request.headers.get('x-file-name') ?? 'upload.csv');
    if (!fileName.success) return problem(400, fileName.error.issues[0]?.message ?? 'invalid fileName');
    const body = Buffer.from(await request.arrayBuffer());
    if (body.length === 0) return problem(400, 'The body is empty; send the CSV file as the request body.');
    if (body.length > deps.maxUploadBytes) return problem(413, `The file is larger than the ${deps.maxUploadBytes}-byte limit.`);

    const name = `api/${deps.today()}/${deps.newId()}-${fileName.data}`;
    const etag = await deps.objects.put(CONTAINERS.intake, name, body, 'text/csv');
    const { runId } = await startRunIfNew(deps.clientOf(context), { container: CONTAINERS.intake, name, etag }, deps.settings);
    context.log(`[${runId}] upload stored as ${CONTAINERS.intake}/${name} (${body.length} bytes)`);
    const statusUrl = new URL(`/api/runs/${runId}`, request.url).toString();
    return { status: 202, headers: { Location: statusUrl }, jsonBody: { runId, statusUrl, blob: `${CONTAINERS.intake}/${name}` } };
  };
}
