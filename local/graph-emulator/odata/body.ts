import { z } from 'zod';
import { errors, type ErrorFlavor } from './errors';

/** `@odata.type` is allowed on every object the service accepts; schemas spread this in. */
export const odataType = { '@odata.type': z.string().optional() };

/**
 * Validates a request body once, at the edge, and turns the first problem into the 400 the service
 * gives: an unknown property names the property and the type; a wrong type names the property.
 */
export function parseBody<S extends z.ZodType>(
  schema: S,
  body: unknown,
  typeName: string,
  flavor: ErrorFlavor,
  action?: string,
): z.infer<S> {
  if (body === undefined || body === null) throw errors.badRequest('Empty Payload. JSON content expected.', flavor);
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '?';
    if (action && issue.path.length === 0) {
      throw errors.invalidValue(
        `The parameter '${key}' in the request payload is not a valid parameter for the operation '${action}'.`,
        flavor,
      );
    }
    throw errors.unknownProperty(key, typeName, flavor);
  }
  const where = issue.path.length > 0 ? issue.path.join('.') : 'the body';
  throw errors.invalidValue(`Invalid value for '${where}' on type 'microsoft.graph.${typeName}': ${issue.message}.`, flavor);
}
