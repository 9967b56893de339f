/**
 * Checks a Graph response body against the schema derived from Microsoft's descriptions for that
 * version (the vendored subset, vendored-schema.ts, unless a schema is passed): every property must exist on the (inferred or @odata.type-declared) type, recursively
 * through complex values, collections, $expand-ed navigation properties and `value` arrays; every
 * enum value must be a member; primitives must have their JSON type. OData annotations are allowed.
 */
import { resolveResponseTarget } from './resolve-target';
import { isSameOrDerived, type GraphSchema, type GraphVersion, type PropertyShape } from './schema-model';
import { vendoredSchema } from './vendored-schema';

export type { GraphSchema, GraphVersion } from './schema-model';

export interface ConformanceViolation {
  /** JSONPath-like location in the body, e.g. $.value[0].state.deviceImportStatus */
  at: string;
  problem: string;
}

export interface ResponseToCheck {
  version: GraphVersion;
  method: string;
  /** Absolute or relative; `/v1.0` or `/beta` prefix optional. */
  url: string;
  status?: number;
  body: unknown;
  /** Needed only for $batch, to pair each inner response with its request. */
  requestBody?: unknown;
}

/** The schema checks read: the vendored subset of what derive.ts derives (read once per process). */
export function loadGraphSchema(version: GraphVersion): GraphSchema {
  return vendoredSchema(version);
}

export function checkGraphResponse(
  response: ResponseToCheck,
  schema: GraphSchema = loadGraphSchema(response.version),
): ConformanceViolation[] {
  const violations: ConformanceViolation[] = [];
  new BodyChecker(schema, violations).checkResponse(response, '$');
  return violations;
}

const COLLECTION_ANNOTATIONS = new Set(['@odata.context', '@odata.nextLink', '@odata.count', '@odata.deltaLink']);
const ERROR_KEYS = new Set(['code', 'message', 'innerError', 'details', 'target']);
const INNER_ERROR_KEYS = new Set(['request-id', 'date', 'client-request-id', 'code', 'message', 'innerError', '@odata.type']);
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,12})?(Z|[+-]\d{2}:\d{2})$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

class BodyChecker {
  constructor(
    private readonly schema: GraphSchema,
    private readonly violations: ConformanceViolation[],
  ) {}

  checkResponse(response: Omit<ResponseToCheck, 'version'>, at: string): void {
    const { body } = response;
    if (body === undefined || body === null || body === '') return;
    if ((response.status !== undefined && response.status >= 400) || (isObject(body) && 'error' in body)) {
      this.checkErrorBody(body, at);
      return;
    }
    const target = resolveResponseTarget(this.schema, response.method, response.url);
    switch (target.kind) {
      case 'unresolved':
        return this.report(at, `cannot infer the response type of ${response.method} ${response.url}: ${target.reason}`);
      case 'noContent':
        return this.report(at, `expected no body (${target.because}) but got one`);
      case 'count':
        if (typeof body !== 'number' && !(typeof body === 'string' && /^\d+$/.test(body))) this.report(at, '$count must be a number');
        return;
      case 'entity':
        return this.checkObject(body, target.type, at);
      case 'collection':
        return this.checkCollection(body, at, (item, itemAt) => this.checkObject(item, target.type, itemAt));
      case 'strings':
        return this.checkCollection(body, at, (item, itemAt) => {
          if (typeof item !== 'string') this.report(itemAt, 'expected a string');
        });
      case 'references':
        return this.checkCollection(body, at, (item, itemAt) => {
          if (!isObject(item)) return this.report(itemAt, 'expected a reference object');
          for (const key of Object.keys(item))
            if (!key.startsWith('@odata.')) this.report(`${itemAt}.${key}`, 'a reference holds only @odata annotations');
        });
      case 'batch':
        return this.checkBatch(body, response.requestBody, at);
    }
  }

  private checkCollection(body: unknown, at: string, checkItem: (item: unknown, at: string) => void): void {
    if (!isObject(body)) return this.report(at, 'expected a collection object with a value array');
    for (const key of Object.keys(body)) {
      if (key !== 'value' && !COLLECTION_ANNOTATIONS.has(key))
        this.report(`${at}.${key}`, `'${key}' is not allowed at the top of a collection response`);
    }
    const value = body.value;
    if (!Array.isArray(value)) return this.report(`${at}.value`, 'a collection response must carry a value array');
    value.forEach((item, index) => checkItem(item, `${at}.value[${index}]`));
  }

  private checkObject(value: unknown, declaredType: string, at: string): void {
    if (value === null) return;
    if (!isObject(value)) return this.report(at, `expected an object of type ${declaredType}`);
    let typeName = declaredType;
    const odataType = value['@odata.type'];
    if (odataType !== undefined) {
      const named = typeof odataType === 'string' ? odataType.replace(/^#/, '') : '';
      if (this.schema.leftOut.has(named)) return this.report(`${at}.@odata.type`, outsideSubset(named, this.schema.version));
      if (!this.schema.types.has(named))
        return this.report(`${at}.@odata.type`, `'${String(odataType)}' is not a type in ${this.schema.version}`);
      if (!isSameOrDerived(this.schema, named, declaredType)) {
        return this.report(`${at}.@odata.type`, `${named} is not ${declaredType} or derived from it`);
      }
      typeName = named;
    }
    const type = this.schema.types.get(typeName);
    if (!type) return this.report(at, `${typeName} is not a type in ${this.schema.version}`);
    if (type.pathStepOnly)
      return this.report(at, `${typeName} is vendored only as a step of request paths, without its properties; ${REGENERATE}`);
    for (const [key, propertyValue] of Object.entries(value)) {
      const annotation = key.indexOf('@');
      if (annotation >= 0) {
        const owner = key.slice(0, annotation);
        if (!key.slice(annotation + 1).startsWith('odata.')) this.report(`${at}.${key}`, `'${key}' is not an OData annotation`);
        else if (owner !== '' && !type.properties.has(owner))
          this.report(`${at}.${key}`, `annotation on '${owner}', which does not exist on ${typeName} in ${this.schema.version}`);
        continue;
      }
      const property = type.properties.get(key);
      if (!property) {
        this.report(`${at}.${key}`, `property '${key}' does not exist on ${typeName} in ${this.schema.version}`);
        continue;
      }
      this.checkValue(propertyValue, property, `${at}.${key}`);
    }
  }

  private checkValue(value: unknown, shape: PropertyShape, at: string): void {
    if (value === null || value === undefined) return;
    if (shape.collection) {
      if (!Array.isArray(value)) return this.report(at, `expected an array of ${shape.type ?? 'values'}`);
      value.forEach((item, index) => this.checkSingle(item, shape.type, `${at}[${index}]`));
      return;
    }
    this.checkSingle(value, shape.type, at);
  }

  private checkSingle(value: unknown, type: string | undefined, at: string): void {
    if (value === null || type === undefined) return;
    const members = this.schema.enums.get(type);
    if (members) {
      if (typeof value !== 'string') return this.report(at, `expected a member of ${type} as a string`);
      // Flags enums serialise several members comma-separated.
      for (const member of value.split(',').map((m) => m.trim())) {
        if (!members.has(member))
          this.report(at, `'${member}' is not a member of ${type} in ${this.schema.version} (members: ${[...members].join(', ')})`);
      }
      return;
    }
    if (this.schema.types.has(type)) return this.checkObject(value, type, at);
    if (this.schema.leftOut.has(type)) return this.report(at, outsideSubset(type, this.schema.version));
    this.checkPrimitive(value, type, at);
  }

  private checkPrimitive(value: unknown, type: string, at: string): void {
    const fail = (what: string): void => this.report(at, `expected ${what} for ${type}, got ${JSON.stringify(value)}`);
    switch (type) {
      case 'Edm.String':
      case 'Edm.Binary':
      case 'Edm.Duration':
      case 'Edm.Date':
      case 'Edm.TimeOfDay':
        if (typeof value !== 'string') fail('a string');
        return;
      case 'Edm.DateTimeOffset':
        if (typeof value !== 'string' || !DATE_TIME.test(value)) fail('an ISO 8601 date-time string');
        return;
      case 'Edm.Guid':
        if (typeof value !== 'string' || !GUID.test(value)) fail('a GUID string');
        return;
      case 'Edm.Boolean':
        if (typeof value !== 'boolean') fail('a boolean');
        return;
      case 'Edm.Int16':
      case 'Edm.Int32':
      case 'Edm.Byte':
        if (typeof value !== 'number' || !Number.isInteger(value)) fail('an integer');
        return;
      case 'Edm.Int64':
      case 'Edm.Double':
      case 'Edm.Single':
      case 'Edm.Decimal':
        // IEEE754Compatible clients receive these as strings; both forms are valid JSON for OData.
        if (typeof value !== 'number' && typeof value !== 'string') fail('a number');
        return;
      default:
        return; // Edm.Stream, Edm.Untyped, types of another namespace: nothing to check by name.
    }
  }

  private checkErrorBody(body: unknown, at: string): void {
    if (!isObject(body) || !isObject(body.error)) return this.report(at, 'an error response must be {"error": {...}}');
    for (const key of Object.keys(body)) if (key !== 'error') this.report(`${at}.${key}`, `'${key}' is not allowed beside error`);
    const error = body.error;
    for (const key of Object.keys(error))
      if (!ERROR_KEYS.has(key)) this.report(`${at}.error.${key}`, `'${key}' is not part of an OData error`);
    // The service itself sometimes sends an empty code (json-batching docs, a 403 inside a batch).
    if (typeof error.code !== 'string') this.report(`${at}.error.code`, 'error.code must be a string');
    if (typeof error.message !== 'string') this.report(`${at}.error.message`, 'error.message must be a string');
    const inner = error.innerError;
    if (!isObject(inner)) return this.report(`${at}.error.innerError`, 'error.innerError with request-id and date is missing');
    for (const key of Object.keys(inner))
      if (!INNER_ERROR_KEYS.has(key)) this.report(`${at}.error.innerError.${key}`, `'${key}' is not part of innerError`);
    if (typeof inner['request-id'] !== 'string') this.report(`${at}.error.innerError.request-id`, 'innerError.request-id must be a string');
    if (typeof inner.date !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/.test(inner.date)) {
      this.report(`${at}.error.innerError.date`, 'innerError.date must be a date-time string');
    }
  }

  private checkBatch(body: unknown, requestBody: unknown, at: string): void {
    if (!isObject(body) || !Array.isArray(body.responses)) return this.report(at, 'a $batch response must be {"responses": [...]}');
    for (const key of Object.keys(body))
      if (key !== 'responses' && !key.startsWith('@odata.')) this.report(`${at}.${key}`, `'${key}' is not part of a $batch response`);
    const requests = new Map<string, { method: string; url: string }>();
    if (isObject(requestBody) && Array.isArray(requestBody.requests)) {
      for (const request of requestBody.requests) {
        if (isObject(request) && typeof request.id === 'string' && typeof request.method === 'string' && typeof request.url === 'string') {
          requests.set(request.id, { method: request.method, url: request.url });
        }
      }
    } else {
      return this.report(at, 'the $batch request body is needed to check the inner responses');
    }
    body.responses.forEach((inner, index) => {
      const innerAt = `${at}.responses[${index}]`;
      if (!isObject(inner)) return this.report(innerAt, 'expected a response object');
      for (const key of Object.keys(inner))
        if (!['id', 'status', 'headers', 'body'].includes(key))
          this.report(`${innerAt}.${key}`, `'${key}' is not part of a batch response`);
      const request = typeof inner.id === 'string' ? requests.get(inner.id) : undefined;
      if (!request) return this.report(`${innerAt}.id`, `no request with id ${JSON.stringify(inner.id)} in the batch`);
      if (typeof inner.status !== 'number') return this.report(`${innerAt}.status`, 'status must be a number');
      this.checkResponse({ method: request.method, url: request.url, status: inner.status, body: inner.body }, `${innerAt}.body`);
    });
  }

  private report(at: string, problem: string): void {
    this.violations.push({ at, problem });
  }
}

const REGENERATE =
  'if the emulator now returns it, run npm run graph-schema:vendor -- --descriptions <graph-openapi dir> and commit the result';

function outsideSubset(type: string, version: GraphVersion): string {
  return `${type} is outside the vendored ${version} schema subset (no route or operation returns it); ${REGENERATE}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
