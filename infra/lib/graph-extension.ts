/**
 * The Microsoft Graph Bicep extension without its container registry. `extension microsoftGraphV1`
 * resolves, through infra/bicepconfig.json, to br:mcr.microsoft.com/... which the compiler restores
 * at compile time; these machines reach no container registry. The compiler also accepts an
 * extension as a local package file, so the build packs the vendored type definitions
 * (infra/vendor/msgraph-bicep-types) with `bicep publish-extension` and compiles with a copy of
 * bicepconfig.json whose alias points at that file. Everything else in the config (the linter
 * rules) is the real one, so what is compiled is what azd compiles, bar where the types come from.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { z } from 'zod';
import { BUILD_DIR, VENDOR_GRAPH_DIR } from './bicep-build-layout';

export const GRAPH_EXTENSION_ALIAS = 'microsoftGraphV1';

const Source = z.object({
  repo: z.string(),
  commit: z.string().regex(/^[0-9a-f]{40}$/),
  path: z.string(),
  registryReference: z.string(),
  sha256: z.record(z.string(), z.string().regex(/^[0-9a-f]{64}$/)),
});
export type GraphTypesSource = z.infer<typeof Source>;

export function graphTypesSource(): GraphTypesSource {
  return Source.parse(JSON.parse(readFileSync(join(VENDOR_GRAPH_DIR, 'SOURCE.json'), 'utf8')));
}

/** The vendored index.json to pack, after checking every vendored file is unchanged since it was copied. */
export function vendoredGraphIndex(source: GraphTypesSource = graphTypesSource()): string {
  for (const [rel, expected] of Object.entries(source.sha256)) {
    const actual = createHash('sha256')
      .update(readFileSync(join(VENDOR_GRAPH_DIR, rel)))
      .digest('hex');
    if (actual !== expected)
      throw new Error(
        `infra/vendor/msgraph-bicep-types/${rel} differs from the copy recorded in SOURCE.json (sha256 ${actual}); re-vendor it rather than editing it`,
      );
  }
  const index = Object.keys(source.sha256).find((rel) => rel.endsWith('/index.json'));
  if (!index) throw new Error('infra/vendor/msgraph-bicep-types/SOURCE.json lists no index.json');
  return join(VENDOR_GRAPH_DIR, index);
}

type BicepConfig = { extensions?: Record<string, string>; cacheRootDirectory?: string } & Record<string, unknown>;

/**
 * The config the build compiles with: the project's bicepconfig.json, with the Graph alias pointing
 * at the locally packed extension and the compiler's artifact cache inside infra/.bicep (not ~/.bicep).
 * Fails if the project asks for a different extension version than the one vendored.
 */
export function compileConfig(
  projectConfig: BicepConfig,
  configPath: string,
  packedExtension: string,
  source: GraphTypesSource,
): BicepConfig {
  const wanted = projectConfig.extensions?.[GRAPH_EXTENSION_ALIAS];
  if (wanted !== source.registryReference) {
    throw new Error(
      `infra/bicepconfig.json maps ${GRAPH_EXTENSION_ALIAS} to ${String(wanted)}, but the vendored Graph types are ${source.registryReference}: vendor the matching version (infra/vendor/msgraph-bicep-types)`,
    );
  }
  const fromConfig = (p: string) => `./${relative(dirname(configPath), p)}`;
  return {
    ...projectConfig,
    extensions: { ...projectConfig.extensions, [GRAPH_EXTENSION_ALIAS]: fromConfig(packedExtension) },
    cacheRootDirectory: join(BUILD_DIR, 'cache'),
  };
}
