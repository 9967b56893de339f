/**
 * Prints what local/graph-emulator/conformance/derive.ts derives from Microsoft's full Graph
 * descriptions (a graph-openapi/ folder given by --descriptions or GRAPH_DESCRIPTIONS_DIR): counts per version,
 * or one type's properties / one enum's members. For looking only; the checks read the vendored
 * subset (npm run graph-schema:vendor writes it).
 *
 * npx tsx scripts/derive-graph-schema.ts [--version v1.0|beta] [--type <name>] [--descriptions <dir>]
 */
import { deriveGraphSchema } from '../local/graph-emulator/conformance/derive';
import { openDescriptions } from '../local/graph-emulator/conformance/descriptions';
import type { GraphSchema } from '../local/graph-emulator/conformance/schema-model';
import { cliOption, runCli } from './cli';

function describeType(schema: GraphSchema, typeArg: string): string[] {
  const name = typeArg.includes('.') ? typeArg : `microsoft.graph.${typeArg}`;
  const type = schema.types.get(name);
  if (type) {
    const lines = [`${name} (${type.kind}, base ${type.baseType ?? 'none'} [${type.baseTypeSource}])`];
    for (const [p, shape] of [...type.properties].sort(([a], [b]) => a.localeCompare(b))) {
      lines.push(
        `  ${p}: ${shape.collection ? `Collection(${shape.type ?? '?'})` : (shape.type ?? '?')}${shape.navigation ? ' (navigation)' : ''}`,
      );
    }
    return lines;
  }
  const members = schema.enums.get(name);
  if (members) return [`${name} (enum): ${[...members].join(', ')}`];
  throw new Error(`${name} is not a type in ${schema.version}`);
}

function summary(schema: GraphSchema): string {
  const types = [...schema.types.values()];
  const assumed = types.filter((t) => t.baseTypeSource === 'assumed').length;
  const untyped = types.reduce((n, t) => n + [...t.properties.values()].filter((p) => p.type === undefined).length, 0);
  return (
    `${schema.version}: ${types.filter((t) => t.kind === 'entity').length} entity types, ${types.filter((t) => t.kind === 'complex').length} complex types, ` +
    `${schema.enums.size} enums; ${assumed} entity base types assumed; ${untyped} property slots without a known type`
  );
}

runCli((argv) => {
  const version = cliOption(argv, '--version') ?? 'v1.0';
  if (version !== 'v1.0' && version !== 'beta') throw new Error(`--version must be v1.0 or beta, got ${version}`);
  const descriptionsDir = cliOption(argv, '--descriptions');
  const schema = deriveGraphSchema(version, openDescriptions(descriptionsDir));
  const typeArg = cliOption(argv, '--type');
  console.log(typeArg ? describeType(schema, typeArg).join('\n') : summary(schema));
});
