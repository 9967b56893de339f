import { randomUUID } from 'node:crypto';

/**
 * Which error body the failing surface speaks: Intune (`/deviceManagement`) wraps a JSON-encoded
 * diagnostic object in `error.message`; the directory and the Graph front door send plain text
 * (graph-api reference §10).
 */
export type ErrorFlavor = 'intune' | 'graph';

export class GraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly flavor: ErrorFlavor = 'graph',
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'GraphError';
  }
}

export interface ErrorBody {
  error: {
    code: string;
    message: string;
    innerError: { date: string; 'request-id': string; 'client-request-id': string };
  };
}

export function errorBody(
  error: GraphError,
  requestId: string,
  clientRequestId: string | undefined,
  nowIso: string,
  path: string,
): ErrorBody {
  const date = nowIso.replace(/\.\d{3}Z$/, '');
  const message = error.flavor === 'intune' ? intuneMessage(error, path) : error.message;
  return {
    error: { code: error.code, message, innerError: { date, 'request-id': requestId, 'client-request-id': clientRequestId ?? requestId } },
  };
}

/** The Intune front end's JSON-in-a-string diagnostic, as observed on real 400s. */
function intuneMessage(error: GraphError, path: string): string {
  const retryAfter = error.headers['Retry-After'];
  const inner = {
    _version: 3,
    Message: `${error.message} - Operation ID (for customer support): 00000000-0000-0000-0000-000000000000 - Activity ID: ${randomUUID()} - Url: https://fef.msub01.manage.microsoft.com/DeviceEnrollmentFE/StatelessDeviceEnrollmentFEService${path}?api-version=5023-05-01`,
    CustomApiErrorPhrase: '',
    RetryAfter: retryAfter ?? null,
    ErrorSourceService: '',
    HttpHeaders: '{}',
  };
  return JSON.stringify(inner, null, 2).replace(/\n/g, '\r\n');
}

// Constructors for the errors the service gives, so handlers cannot drift in wording.
export const errors = {
  unauthenticated: () => new GraphError(401, 'InvalidAuthenticationToken', 'Access token is empty.'),
  intuneNotFound: (what: string, id: string) => new GraphError(404, 'NotFound', `${what} with id '${id}' was not found.`, 'intune'),
  directoryNotFound: (id: string) =>
    new GraphError(
      404,
      'Request_ResourceNotFound',
      `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
    ),
  segmentNotFound: (segment: string) => new GraphError(400, 'BadRequest', `Resource not found for the segment '${segment}'.`),
  notImplemented: (method: string, path: string) =>
    new GraphError(
      501,
      'NotImplemented',
      `The Graph emulator does not implement ${method} ${path}. See docs/GRAPH-EMULATOR.md for what it covers.`,
    ),
  methodNotAllowed: (method: string, path: string) =>
    new GraphError(405, 'Request_BadRequest', `The HTTP method '${method}' is not supported on ${path}.`),
  badRequest: (message: string, flavor: ErrorFlavor = 'graph') =>
    new GraphError(400, flavor === 'intune' ? 'BadRequest' : 'Request_BadRequest', message, flavor),
  unknownProperty: (property: string, type: string, flavor: ErrorFlavor) =>
    new GraphError(
      400,
      flavor === 'intune' ? 'BadRequest' : 'Request_BadRequest',
      `The property '${property}' does not exist on type 'microsoft.graph.${type}'. Make sure to only use property names that are defined by the type or mark the type as open type.`,
      flavor,
    ),
  invalidValue: (detail: string, flavor: ErrorFlavor) =>
    new GraphError(400, flavor === 'intune' ? 'BadRequest' : 'Request_BadRequest', detail, flavor),
  conflict: (message: string, flavor: ErrorFlavor) => new GraphError(409, 'Conflict', message, flavor),
  /**
   * A feature the tenant's service does not offer any more: the deployment profile `assign` action
   * answers this to a fully permitted caller (jseerden/IntuneBackupAndRestore FIXME "403 Forbidden -
   * FeatureNotEnabled"; Microsoft365DSC/Microsoft365DSC#3892). The message text is ours: the sources
   * record the status and code only.
   */
  featureNotEnabled: () =>
    new GraphError(403, 'FeatureNotEnabled', 'This feature is not enabled: assign deployment profiles with POST …/assignments.', 'intune'),
  /** Intune's unhandled-failure answer: `InternalServerError` with the JSON-in-a-string diagnostic. */
  intuneInternal: () => new GraphError(500, 'InternalServerError', 'An internal server error has occurred', 'intune'),
  /**
   * A caller without any of the permissions a call needs. Intune's wording and JSON-in-a-string shape
   * as real tenants answer it (jseerden/IntuneBackupAndRestore#55,
   * microsoft/Intune-ACSC-Windows-Hardening-Guidelines#14); the directory's is Authorization_RequestDenied.
   */
  forbidden: (flavor: ErrorFlavor, needed: readonly string[]) =>
    flavor === 'intune'
      ? new GraphError(
          403,
          'Forbidden',
          `Application is not authorized to perform this operation. Application must have one of the following scopes: ${needed.join(', ')}`,
          'intune',
        )
      : new GraphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.'),
};
