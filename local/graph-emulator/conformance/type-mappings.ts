import { z } from 'zod';

/**
 * Microsoft's "type mapping baselines": per namespace, per type, the names of the type's OWN
 * structural and navigation properties (inherited ones are listed on the base type only), or an
 * enum's member names.
 */
const structuredFile = z.record(
  z.string(),
  z.record(z.string(), z.object({ properties: z.array(z.string()), navigationProperties: z.array(z.string()) })),
);
const enumFile = z.record(z.string(), z.record(z.string(), z.array(z.string())));

export interface OwnNames {
  properties: string[];
  navigationProperties: string[];
}

export function readStructuredMappings(json: unknown, source: string): Map<string, OwnNames> {
  const parsed = structuredFile.safeParse(json);
  if (!parsed.success) throw new Error(`${source} is not a type-mapping file of entity/complex types: ${parsed.error.message}`);
  const result = new Map<string, OwnNames>();
  for (const [namespace, types] of Object.entries(parsed.data)) {
    for (const [name, names] of Object.entries(types)) result.set(`${namespace}.${name}`, names);
  }
  return result;
}

export function readEnumMappings(json: unknown, source: string): Map<string, string[]> {
  const parsed = enumFile.safeParse(json);
  if (!parsed.success) throw new Error(`${source} is not a type-mapping file of enum types: ${parsed.error.message}`);
  const result = new Map<string, string[]>();
  for (const [namespace, enums] of Object.entries(parsed.data)) {
    for (const [name, members] of Object.entries(enums)) result.set(`${namespace}.${name}`, members);
  }
  return result;
}
