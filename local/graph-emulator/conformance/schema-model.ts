/** What the conformance checker knows about one Graph version, derived from Microsoft's descriptions. */
export type GraphVersion = 'v1.0' | 'beta';

export interface PropertyShape {
  /** Qualified type ("microsoft.graph.enrollmentState", "Edm.String"), or undefined when no description gives it. */
  type: string | undefined;
  collection: boolean;
  navigation: boolean;
}

export interface StructuredType {
  /** Qualified name, e.g. microsoft.graph.windowsAutopilotDeviceIdentity. */
  name: string;
  kind: 'entity' | 'complex';
  baseType: string | undefined;
  /** Where the base type came from; "assumed" means no description gave one (see derive.ts). */
  baseTypeSource: 'csdl' | 'openapi' | 'documented' | 'assumed' | 'none';
  /** Own and inherited properties (structural and navigation), by name. */
  properties: ReadonlyMap<string, PropertyShape>;
  /**
   * Set in the vendored subset on a type requests only walk through and none returns: it keeps
   * just the navigation properties taken, so no body may be checked against it.
   */
  pathStepOnly?: true;
}

export interface GraphSchema {
  version: GraphVersion;
  types: ReadonlyMap<string, StructuredType>;
  enums: ReadonlyMap<string, ReadonlySet<string>>;
  /**
   * Types a property of a kept type names but the vendored subset leaves out (navigation targets
   * off every path the emulator and the product use). Empty for a full derivation. The checker
   * reports a value of such a type instead of passing it unchecked.
   */
  leftOut: ReadonlySet<string>;
}

/** True when `type` is `base` or derives from it (directly or further down). */
export function isSameOrDerived(schema: GraphSchema, type: string, base: string): boolean {
  let current: string | undefined = type;
  const seen = new Set<string>();
  while (current !== undefined && !seen.has(current)) {
    if (current === base) return true;
    seen.add(current);
    current = schema.types.get(current)?.baseType;
  }
  return false;
}
