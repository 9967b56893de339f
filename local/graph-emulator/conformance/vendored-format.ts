/**
 * The layout of the vendored Graph schema file, and the conversion between a version's part of it
 * and a GraphSchema. Types carry their OWN properties only (as Microsoft's type mappings do):
 * inherited ones are re-added from the base type on reading, which keeps the file small (a dozen
 * types derive from group, every ESP type from deviceEnrollmentConfiguration).
 *
 * A property's type is written `T` or `Collection(T)`, or null when no description gives one.
 */
import { z } from 'zod';
import type { OpenApiPathItem } from './openapi-paths';
import type { GraphSchema, GraphVersion, PropertyShape, StructuredType } from './schema-model';

const PropertyTypes = z.record(z.string(), z.string().nullable());

const VendoredType = z.object({
  kind: z.enum(['entity', 'complex']),
  baseType: z.string().optional(),
  baseTypeSource: z.enum(['csdl', 'openapi', 'documented', 'assumed', 'none']),
  pathStepOnly: z.literal(true).optional(),
  properties: PropertyTypes,
  navigationProperties: PropertyTypes,
});

const VendoredVersion = z.object({
  types: z.record(z.string(), VendoredType),
  enums: z.record(z.string(), z.array(z.string())),
  leftOut: z.array(z.string()),
  /** Root entity sets (`Collection(T)`) and singletons (`T`) the product and the emulator start from. */
  roots: z.record(z.string(), z.string()),
  /** OpenAPI path templates that match an operation below: method -> operation | action | function. */
  paths: z.record(z.string(), z.record(z.string(), z.enum(['operation', 'action', 'function']))),
  /** The product's operations (`METHOD /path`) the paths were vendored for. */
  operations: z.array(z.string()),
});
export type VendoredVersion = z.infer<typeof VendoredVersion>;

export const VendoredDocument = z.object({
  about: z.array(z.string()),
  sources: z.array(z.object({ file: z.string(), sha256: z.string() })),
  versions: z.object({ 'v1.0': VendoredVersion, beta: VendoredVersion }),
});
export type VendoredDocument = z.infer<typeof VendoredDocument>;

export function operationKey(method: string, path: string): string {
  return `${method.toUpperCase()} ${path}`;
}

export function encodeTypes(schema: GraphSchema): Pick<VendoredVersion, 'types' | 'enums' | 'leftOut'> {
  const types: VendoredVersion['types'] = {};
  for (const type of schema.types.values()) {
    const inherited = type.baseType ? schema.types.get(type.baseType)?.properties : undefined;
    const properties: Record<string, string | null> = {};
    const navigationProperties: Record<string, string | null> = {};
    for (const [name, shape] of type.properties) {
      const base = inherited?.get(name);
      if (base && base.type === shape.type && base.collection === shape.collection && base.navigation === shape.navigation) continue;
      (shape.navigation ? navigationProperties : properties)[name] = writeType(shape);
    }
    types[type.name] = {
      kind: type.kind,
      ...(type.baseType ? { baseType: type.baseType } : {}),
      baseTypeSource: type.baseTypeSource,
      ...(type.pathStepOnly ? { pathStepOnly: true } : {}),
      properties,
      navigationProperties,
    };
  }
  const enums: VendoredVersion['enums'] = {};
  for (const [name, members] of schema.enums) enums[name] = [...members];
  return { types, enums, leftOut: [...schema.leftOut] };
}

export function decodeTypes(version: GraphVersion, vendored: VendoredVersion): GraphSchema {
  const resolved = new Map<string, StructuredType>();
  const resolve = (name: string, chain: readonly string[]): StructuredType | undefined => {
    const done = resolved.get(name);
    if (done) return done;
    const entry = vendored.types[name];
    if (!entry) return undefined;
    if (chain.includes(name)) throw new Error(`base type cycle in the vendored ${version} schema: ${[...chain, name].join(' -> ')}`);
    const inherited = entry.baseType ? resolve(entry.baseType, [...chain, name])?.properties : undefined;
    const properties = new Map<string, PropertyShape>(inherited);
    for (const [p, written] of Object.entries(entry.properties)) properties.set(p, readType(written, false));
    for (const [p, written] of Object.entries(entry.navigationProperties)) properties.set(p, readType(written, true));
    const type: StructuredType = {
      name,
      kind: entry.kind,
      baseType: entry.baseType,
      baseTypeSource: entry.baseTypeSource,
      properties,
      ...(entry.pathStepOnly ? { pathStepOnly: true } : {}),
    };
    resolved.set(name, type);
    return type;
  };
  for (const name of Object.keys(vendored.types)) resolve(name, []);
  const enums = new Map<string, ReadonlySet<string>>(Object.entries(vendored.enums).map(([name, members]) => [name, new Set(members)]));
  return { version, types: resolved, enums, leftOut: new Set(vendored.leftOut) };
}

export function decodePaths(vendored: VendoredVersion): Map<string, OpenApiPathItem> {
  return new Map(Object.entries(vendored.paths).map(([template, methods]) => [template, new Map(Object.entries(methods))]));
}

function writeType(shape: PropertyShape): string | null {
  if (shape.type === undefined) return null;
  return shape.collection ? `Collection(${shape.type})` : shape.type;
}

function readType(written: string | null, navigation: boolean): PropertyShape {
  if (written === null) return { type: undefined, collection: false, navigation };
  const collection = /^Collection\((.+)\)$/.exec(written);
  return { type: collection ? (collection[1] as string) : written, collection: collection !== null, navigation };
}
