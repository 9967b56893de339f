/**
 * The committed subset of Microsoft's Graph descriptions (graph-schema.vendored.json beside this
 * file, written by `npm run graph-schema:vendor`). Every conformance check reads this, so a clone
 * runs them without the full descriptions; vendored-schema.test.ts says whether it is up to date.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { OpenApiPathItem } from './openapi-paths';
import type { GraphSchema, GraphVersion } from './schema-model';
import { decodePaths, decodeTypes, VendoredDocument } from './vendored-format';

export const VENDORED_SCHEMA_FILE = path.join(__dirname, 'graph-schema.vendored.json');

let document: VendoredDocument | undefined;
const schemas = new Map<GraphVersion, GraphSchema>();

export function readVendoredDocument(): VendoredDocument {
  if (!document) {
    const parsed = VendoredDocument.safeParse(JSON.parse(readFileSync(VENDORED_SCHEMA_FILE, 'utf8')) as unknown);
    if (!parsed.success)
      throw new Error(
        `${VENDORED_SCHEMA_FILE} is not a vendored Graph schema (regenerate it with npm run graph-schema:vendor): ${parsed.error.message}`,
      );
    document = parsed.data;
  }
  return document;
}

/** One version's vendored schema, decoded once per process. */
export function vendoredSchema(version: GraphVersion): GraphSchema {
  let schema = schemas.get(version);
  if (!schema) {
    schema = decodeTypes(version, readVendoredDocument().versions[version]);
    schemas.set(version, schema);
  }
  return schema;
}

export interface VendoredPaths {
  paths: Map<string, OpenApiPathItem>;
  roots: Map<string, string>;
  /** `METHOD /path` of each product operation the paths were vendored for. */
  operations: ReadonlySet<string>;
}

export function vendoredPaths(version: GraphVersion): VendoredPaths {
  const part = readVendoredDocument().versions[version];
  return { paths: decodePaths(part), roots: new Map(Object.entries(part.roots)), operations: new Set(part.operations) };
}
