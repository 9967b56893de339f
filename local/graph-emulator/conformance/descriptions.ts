/**
 * Microsoft's full Graph descriptions (the graph-openapi/ folder: type mappings, CSDL, OpenAPI YAML;
 * about 17 MB, its MANIFEST.md gives their provenance). They are not part of the repository: only
 * the vendoring and derivation scripts read them, from a folder named on their command line
 * (`--descriptions <dir>`) or in GRAPH_DESCRIPTIONS_DIR; nothing looks for them on its own. Every
 * conformance check reads the vendored subset instead (vendored-schema.ts).
 *
 * Each parsed file is cached per process: the CSDL and the beta YAML take seconds to read.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseCsdl, type CsdlDocument } from './csdl';
import { parseOpenApiPaths, type OpenApiPathItem } from './openapi-paths';
import { parseOpenApiSchemas, type OpenApiSchema } from './openapi-schemas';
import type { GraphVersion } from './schema-model';

export type MappingKind = 'entity' | 'complex' | 'enum';

const CSDL_FILE = path.join('csdl', 'v1.0-Prod.csdl');
const openApiFolder = (version: GraphVersion): string => path.join('openapi-powershell-2023-07', version);

/** True when the folder holds the descriptions (checked by the one file every derivation reads). */
function descriptionsPresent(dir: string): boolean {
  return existsSync(path.join(dir, CSDL_FILE));
}

const opened = new Map<string, GraphDescriptions>();

/**
 * The descriptions in `dir` (else GRAPH_DESCRIPTIONS_DIR), one reader per folder per process so
 * parsed files are shared. There is no default location: a clone does not hold them.
 */
export function openDescriptions(dir: string | undefined = process.env.GRAPH_DESCRIPTIONS_DIR): GraphDescriptions {
  if (!dir) {
    throw new Error(
      "Microsoft's Graph descriptions are not part of the repository: pass --descriptions <dir> (a graph-openapi/ folder) or set GRAPH_DESCRIPTIONS_DIR",
    );
  }
  const resolved = path.resolve(dir);
  let descriptions = opened.get(resolved);
  if (!descriptions) {
    if (!descriptionsPresent(resolved)) {
      throw new Error(`Graph descriptions not found at ${resolved}: expected ${CSDL_FILE} and the rest of a graph-openapi/ folder there`);
    }
    descriptions = new GraphDescriptions(resolved);
    opened.set(resolved, descriptions);
  }
  return descriptions;
}

export class GraphDescriptions {
  private readonly cache = new Map<string, unknown>();

  constructor(readonly dir: string) {}

  typeMappings(version: GraphVersion, kind: MappingKind): unknown {
    const file = mappingFile(version, kind);
    return this.once(file, () => JSON.parse(this.read(file)) as unknown);
  }

  csdl(): CsdlDocument {
    return this.once(CSDL_FILE, () => parseCsdl(this.read(CSDL_FILE)));
  }

  /** components.schemas of every module YAML of a version, keeping the richest copy of a schema the modules repeat. */
  openApiSchemas(version: GraphVersion): Map<string, OpenApiSchema> {
    return this.once(`schemas:${version}`, () => {
      const merged = new Map<string, OpenApiSchema>();
      for (const file of this.openApiFiles(version)) {
        for (const [name, schema] of parseOpenApiSchemas(this.read(file))) {
          const known = merged.get(name);
          if (!known || schema.properties.size > known.properties.size) merged.set(name, schema);
        }
      }
      return merged;
    });
  }

  /** The paths of every module YAML of a version (a path is described by one module only). */
  openApiPaths(version: GraphVersion): Map<string, OpenApiPathItem> {
    return this.once(`paths:${version}`, () => {
      const merged = new Map<string, OpenApiPathItem>();
      for (const file of this.openApiFiles(version)) {
        for (const [template, item] of parseOpenApiPaths(this.read(file)))
          merged.set(template, new Map([...(merged.get(template) ?? []), ...item]));
      }
      return merged;
    });
  }

  /** Every file the vendored subset is generated from, relative to the folder, with its sha256. */
  sourceFiles(): Array<{ file: string; sha256: string }> {
    const files = [
      ...(['v1.0', 'beta'] as const).flatMap((version) =>
        (['entity', 'complex', 'enum'] as const).map((kind) => mappingFile(version, kind)),
      ),
      CSDL_FILE,
      ...this.openApiFiles('v1.0'),
      ...this.openApiFiles('beta'),
    ];
    return files.map((file) => ({
      file: file.split(path.sep).join('/'),
      sha256: createHash('sha256')
        .update(readFileSync(path.join(this.dir, file)))
        .digest('hex'),
    }));
  }

  private openApiFiles(version: GraphVersion): string[] {
    const folder = openApiFolder(version);
    const files = readdirSync(path.join(this.dir, folder))
      .filter((f) => f.endsWith('.yml'))
      .sort();
    if (files.length === 0) throw new Error(`no OpenAPI YAML files in ${path.join(this.dir, folder)}`);
    return files.map((f) => path.join(folder, f));
  }

  private read(file: string): string {
    return readFileSync(path.join(this.dir, file), 'utf8');
  }

  private once<T>(key: string, load: () => T): T {
    if (!this.cache.has(key)) this.cache.set(key, load());
    return this.cache.get(key) as T;
  }
}

function mappingFile(version: GraphVersion, kind: MappingKind): string {
  return path.join('type-mappings', `${version}-${kind}-types.json`);
}
