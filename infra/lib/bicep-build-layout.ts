/**
 * Where `npm run infra:build` keeps what it makes (all under the git-ignored infra/.bicep/), what it
 * records about its last run, and the fingerprint of its inputs. Shared by the build script and by
 * the tests that read the compiled ARM JSON, so both agree on whether that JSON is current.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { z } from 'zod';
import { INFRA_DIR, listBicepFiles, REPO_ROOT } from './bicep-ast';

/** The Bicep CLI version restored from NuGet (Azure.Bicep.CommandLine.<rid>). Bump deliberately: new linter rules come with it. */
export const BICEP_VERSION = '0.49.2';
/** The Microsoft Graph Bicep extension v1.0 needs at least this compiler (a bicep already on PATH must be this new). */
export const MIN_BICEP_VERSION = '0.36.1';

export const BUILD_DIR = join(INFRA_DIR, '.bicep');
export const CLI_DIR = join(BUILD_DIR, 'cli');
export const ARM_DIR = join(BUILD_DIR, 'arm');
export const STATUS_PATH = join(BUILD_DIR, 'status.json');
export const COMPILE_CONFIG_PATH = join(BUILD_DIR, 'bicepconfig.json');
export const GRAPH_EXTENSION_PATH = join(BUILD_DIR, 'extensions', 'microsoftgraph-v1.0-1.0.0.tgz');
export const VENDOR_GRAPH_DIR = join(INFRA_DIR, 'vendor', 'msgraph-bicep-types');
export const BICEPCONFIG_PATH = join(INFRA_DIR, 'bicepconfig.json');

/** Bumped when the build script changes what it produces, so an older infra/.bicep is rebuilt. */
const LAYOUT_VERSION = '1';

export const Diagnostic = z.object({
  file: z.string(),
  line: z.number().int(),
  column: z.number().int(),
  level: z.enum(['Error', 'Warning', 'Info']),
  code: z.string(),
  message: z.string(),
});
export type Diagnostic = z.infer<typeof Diagnostic>;

export const BuildStatus = z.discriminatedUnion('ran', [
  z.object({ ran: z.literal(false), reason: z.string(), at: z.string() }),
  z.object({
    ran: z.literal(true),
    ok: z.boolean(),
    at: z.string(),
    fingerprint: z.string(),
    bicepVersion: z.string(),
    cliSource: z.string(),
    /** Repo-relative .bicep path -> repo-relative compiled ARM JSON path. */
    outputs: z.record(z.string(), z.string()),
    diagnostics: z.array(Diagnostic),
    durationMs: z.number(),
  }),
]);
export type BuildStatus = z.infer<typeof BuildStatus>;

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((e) => {
    const full = join(dir, e);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });
}

/** Every file the compile reads: the Bicep sources, the config, loadJsonContent targets, the vendored extension. */
export function buildInputs(): string[] {
  const loaded = [join(INFRA_DIR, 'graph-app-roles.json'), BICEPCONFIG_PATH];
  return [...listBicepFiles(), ...loaded, ...filesUnder(VENDOR_GRAPH_DIR)].map((f) => relative(REPO_ROOT, f)).sort();
}

/** Changes whenever an input's content, the pinned compiler or this layout changes. */
export function inputsFingerprint(): string {
  const hash = createHash('sha256').update(`layout ${LAYOUT_VERSION}\nbicep ${BICEP_VERSION}\n`);
  for (const rel of buildInputs())
    hash
      .update(`${rel}\n`)
      .update(readFileSync(join(REPO_ROOT, rel)))
      .update('\n');
  return hash.digest('hex');
}

export function readStatus(): BuildStatus | undefined {
  if (!existsSync(STATUS_PATH)) return undefined;
  const parsed = BuildStatus.safeParse(JSON.parse(readFileSync(STATUS_PATH, 'utf8')));
  return parsed.success ? parsed.data : undefined;
}

/** The compiled ARM JSON path for a source, e.g. infra/modules/storage.bicep -> infra/.bicep/arm/modules/storage.json. */
export function armPathFor(bicepRel: string): string {
  const inInfra = relative(INFRA_DIR, join(REPO_ROOT, bicepRel));
  return join(ARM_DIR, inInfra.replace(/\.bicep$/, '.json'));
}
