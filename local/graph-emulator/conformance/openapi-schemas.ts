/**
 * Reads base types and property types from the `components.schemas` section of Microsoft's
 * generated OpenAPI YAML. The generator's layout is fixed (two-space indentation, one schema per
 * `    microsoft.graph.x:` line, `allOf: [ $ref base, {properties} ]` for derived types), so an
 * indentation-aware line scan is enough and spares us a YAML dependency for multi-megabyte files.
 * Anything the scan does not recognise is left undefined, never guessed.
 */
export interface OpenApiProperty {
  type: string | undefined;
  collection: boolean;
}

export interface OpenApiSchema {
  baseType: string | undefined;
  properties: Map<string, OpenApiProperty>;
}

const SCHEMA_REF = /\$ref: '#\/components\/schemas\/([^']+)'/;
const PRIMITIVES: Record<string, string> = {
  string: 'Edm.String',
  boolean: 'Edm.Boolean',
  integer: 'Edm.Int32',
  number: 'Edm.Double',
};
const FORMATS: Record<string, string> = {
  'date-time': 'Edm.DateTimeOffset',
  uuid: 'Edm.Guid',
  int64: 'Edm.Int64',
  base64url: 'Edm.Binary',
};

export function parseOpenApiSchemas(yaml: string): Map<string, OpenApiSchema> {
  const lines = yaml.split('\n');
  const schemas = new Map<string, OpenApiSchema>();
  const start = lines.findIndex((line) => line === '  schemas:');
  if (start < 0) return schemas;

  let i = start + 1;
  while (i < lines.length) {
    const line = lines[i] as string;
    if (line.trim() !== '' && indentOf(line) <= 2) break; // end of components.schemas
    const header = /^ {4}(['"]?)([^'":]+)\1:\s*$/.exec(line);
    if (!header) {
      i++;
      continue;
    }
    const end = blockEnd(lines, i, 4);
    schemas.set(header[2] as string, readSchema(lines.slice(i + 1, end)));
    i = end;
  }
  return schemas;
}

function readSchema(block: string[]): OpenApiSchema {
  let baseType: string | undefined;
  const properties = new Map<string, OpenApiProperty>();
  const allOfBase = block.findIndex((line) => /^ {8}- \$ref: /.test(line));
  if (allOfBase >= 0 && block.some((line) => line === '      allOf:')) {
    baseType = SCHEMA_REF.exec(block[allOfBase] as string)?.[1];
  }
  const propertiesAt = block.findIndex((line) => /^( {6}| {10})properties:\s*$/.test(line));
  if (propertiesAt < 0) return { baseType, properties };
  const nameIndent = indentOf(block[propertiesAt] as string) + 2;
  const end = blockEnd(block, propertiesAt, nameIndent - 2);
  for (let i = propertiesAt + 1; i < end; i++) {
    const line = block[i] as string;
    if (indentOf(line) !== nameIndent) continue;
    const name = /^\s*(['"]?)(.+?)\1:\s*$/.exec(line)?.[2];
    if (!name) continue;
    const propertyEnd = blockEnd(block, i, nameIndent);
    properties.set(name, readProperty(block.slice(i + 1, propertyEnd), nameIndent + 2));
  }
  return { baseType, properties };
}

function readProperty(block: string[], indent: number): OpenApiProperty {
  const pad = ' '.repeat(indent);
  const collection = block.includes(`${pad}type: array`);
  // Only Graph types count; numbers also reference a helper schema named ReferenceNumeric.
  const ref = block.map((line) => SCHEMA_REF.exec(line)?.[1]).find((x) => x !== undefined && x.startsWith('microsoft.graph.'));
  if (ref) return { type: ref, collection };
  // A primitive: `type: x` directly under the property, or under `items:` for a collection.
  const typeIndent = collection ? indent + 2 : indent;
  const typeLine = block.find((line) => line.startsWith(`${' '.repeat(typeIndent)}type: `) && indentOf(line) === typeIndent);
  const format = block
    .find((line) => indentOf(line) === typeIndent && line.trim().startsWith('format: '))
    ?.trim()
    .slice('format: '.length);
  const primitive = (format && FORMATS[format]) ?? (typeLine ? PRIMITIVES[typeLine.trim().slice('type: '.length)] : undefined);
  // Doubles are emitted as oneOf/anyOf [number, string, ReferenceNumeric]: no single primitive.
  const alternatives = block.some((line) => line.trim() === 'anyOf:' || line.trim() === 'oneOf:');
  return { type: alternatives ? undefined : primitive, collection };
}

function indentOf(line: string): number {
  return line.length - line.trimStart().length;
}

/** Index of the first line after `from` that is not blank and is indented at most `indent`. */
function blockEnd(lines: string[], from: number, indent: number): number {
  let i = from + 1;
  while (i < lines.length) {
    const line = lines[i] as string;
    if (line.trim() !== '' && indentOf(line) <= indent) return i;
    i++;
  }
  return i;
}
