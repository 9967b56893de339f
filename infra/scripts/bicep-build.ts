/**
 * npm run infra:build [-- --force]
 *
 * Compiles infra/main.bicep and every module with the real Bicep compiler (`bicep build`) and runs
 * its linter (`bicep lint`) with infra/bicepconfig.json's rules. The ARM JSON lands in
 * infra/.bicep/arm/ for the policy tests (infra/tests/compiled-*.test.ts) to read. Any error or
 * warning fails the build.
 *
 * Without a compiler (no .NET SDK, NuGet out of reach, no bicep on PATH) it says loudly that it did
 * not run and why, and exits 0 so `npm test` still passes on such a machine; with CI=true that is a
 * failure instead. An unchanged tree is not compiled twice (the inputs' fingerprint is recorded).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { INFRA_DIR, listBicepFiles, REPO_ROOT } from '../lib/bicep-ast';
import {
  ARM_DIR,
  armPathFor,
  BICEP_VERSION,
  BICEPCONFIG_PATH,
  type BuildStatus,
  COMPILE_CONFIG_PATH,
  type Diagnostic,
  GRAPH_EXTENSION_PATH,
  inputsFingerprint,
  readStatus,
  STATUS_PATH,
} from '../lib/bicep-build-layout';
import { findBicepCli } from '../lib/bicep-cli';
import { dedupe, failing, formatDiagnostic, parseDiagnostics } from '../lib/bicep-diagnostics';
import { compileConfig, graphTypesSource, vendoredGraphIndex } from '../lib/graph-extension';

const log = (line: string): void => console.log(`infra:build: ${line}`);

/** CI=true (the CI runner sets it) turns "could not compile" from a loud notice into a failure. */
export function isCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = (env.CI ?? '').toLowerCase();
  return v !== '' && v !== 'false' && v !== '0';
}

function writeStatus(status: BuildStatus): void {
  mkdirSync(dirname(STATUS_PATH), { recursive: true });
  writeFileSync(STATUS_PATH, `${JSON.stringify(status, null, 2)}\n`);
}

function run(cli: string, args: string[]): { status: number | null; output: string } {
  const res = spawnSync(cli, args, { cwd: REPO_ROOT, encoding: 'utf8', timeout: 600_000, maxBuffer: 64 * 1024 * 1024 });
  return { status: res.status, output: `${res.stdout ?? ''}${res.stderr ?? ''}${res.error ? String(res.error) : ''}` };
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** What to print, and the exit code, when no compiler could be had: loud either way, fatal in CI. */
export function notRunReport(reasons: string[], ci: boolean): { lines: string[]; exitCode: number } {
  const bar = '!'.repeat(78);
  return {
    lines: [
      bar,
      `infra:build: Bicep was ${ci ? 'NOT RUN, and CI requires it' : 'NOT RUN'}: no Bicep compiler could be had.`,
      ...reasons.map((r) => `  - ${r.replace(/\n/g, '\n    ')}`),
      ci
        ? 'infra:build: FAILED. CI must compile and lint infra/ (it restores the CLI from NuGet with the .NET SDK).'
        : 'infra:build: the compiled-ARM policy tests will be SKIPPED. Install the .NET SDK (or put bicep >= 0.36.1 on PATH) and run `npm run infra:build`.',
      bar,
    ],
    exitCode: ci ? 1 : 0,
  };
}

function notRun(reasons: string[]): number {
  writeStatus({ ran: false, reason: reasons.join('\n'), at: new Date().toISOString() });
  const report = notRunReport(reasons, isCi());
  for (const line of report.lines) console.log(line);
  return report.exitCode;
}

function main(argv: string[]): number {
  const started = Date.now();
  const fingerprint = inputsFingerprint();
  const previous = readStatus();
  if (
    !argv.includes('--force') &&
    previous?.ran &&
    previous.ok &&
    previous.fingerprint === fingerprint &&
    Object.values(previous.outputs).every((p) => existsSync(join(REPO_ROOT, p)))
  ) {
    log(
      `up to date (Bicep ${previous.bicepVersion}, ${Object.keys(previous.outputs).length} files, compiled ${previous.at}); --force to recompile`,
    );
    return 0;
  }

  const cli = findBicepCli(log);
  if (!cli.found) return notRun(cli.reasons);
  const cliReady = Date.now();
  log(
    `Bicep ${cli.version} from ${cli.source}${cli.source.startsWith('nuget') ? ` (${relative(REPO_ROOT, cli.path)})` : ` (${cli.path})`} in ${seconds(cliReady - started)}`,
  );
  for (const note of cli.notes) log(`NOTE: ${note}`);

  // The Graph extension from the vendored types (see infra/lib/graph-extension.ts).
  const source = graphTypesSource();
  mkdirSync(dirname(GRAPH_EXTENSION_PATH), { recursive: true });
  const pack = run(cli.path, ['publish-extension', vendoredGraphIndex(source), '--target', GRAPH_EXTENSION_PATH, '--force']);
  if (pack.status !== 0 || !existsSync(GRAPH_EXTENSION_PATH)) {
    log(`FAILED to pack the vendored Microsoft Graph extension types:\n${pack.output}`);
    return 1;
  }
  const projectConfig = JSON.parse(readFileSync(BICEPCONFIG_PATH, 'utf8')) as Parameters<typeof compileConfig>[0];
  writeFileSync(
    COMPILE_CONFIG_PATH,
    `${JSON.stringify(compileConfig(projectConfig, COMPILE_CONFIG_PATH, GRAPH_EXTENSION_PATH, source), null, 2)}\n`,
  );
  log(
    `Microsoft Graph extension: ${source.registryReference} packed from the vendored types (${source.repo}@${source.commit.slice(0, 7)}), not restored from the registry`,
  );

  rmSync(ARM_DIR, { recursive: true, force: true });
  mkdirSync(ARM_DIR, { recursive: true });
  const pattern = `${relative(REPO_ROOT, INFRA_DIR)}/**/*.bicep`;
  const build = run(cli.path, ['build', '--pattern', pattern, '--outdir', ARM_DIR, '--config', COMPILE_CONFIG_PATH]);
  const built = Date.now();
  const lint = run(cli.path, ['lint', '--pattern', pattern, '--config', COMPILE_CONFIG_PATH]);
  const linted = Date.now();

  const diagnostics: Diagnostic[] = dedupe([...parseDiagnostics(build.output), ...parseDiagnostics(lint.output)]);
  const sources = listBicepFiles().map((f) => relative(REPO_ROOT, f));
  const outputs = Object.fromEntries(sources.map((s) => [s, relative(REPO_ROOT, armPathFor(s))]));
  const missing = sources.filter((s) => !existsSync(armPathFor(s)));
  const problems = failing(diagnostics);
  // A non-zero exit with nothing we could read (a crash, a bad flag) must not pass as "no findings".
  const unexplained = [build, lint].filter((r) => r.status !== 0 && parseDiagnostics(r.output).length === 0);

  for (const s of sources) {
    const mine = diagnostics.filter((d) => d.file === s);
    log(
      `${missing.includes(s) ? 'NOT COMPILED' : 'compiled'}  ${s}${mine.length ? `  (${mine.length} finding${mine.length > 1 ? 's' : ''})` : ''}`,
    );
  }
  for (const d of diagnostics) log(`  ${formatDiagnostic(d)}`);
  for (const u of unexplained) log(`the Bicep CLI failed without a diagnostic:\n${u.output}`);

  const ok = problems.length === 0 && missing.length === 0 && unexplained.length === 0;
  writeStatus({
    ran: true,
    ok,
    at: new Date().toISOString(),
    fingerprint,
    bicepVersion: cli.version,
    cliSource: cli.source,
    outputs,
    diagnostics,
    durationMs: Date.now() - started,
  });
  log(
    `${ok ? 'OK' : 'FAILED'}: ${sources.length} files, ${problems.length} error(s)/warning(s); ` +
      `CLI ${seconds(cliReady - started)}, build ${seconds(built - cliReady)}, lint ${seconds(linted - built)}, total ${seconds(Date.now() - started)}` +
      (cli.version === BICEP_VERSION ? '' : ` (Bicep ${cli.version}, pinned ${BICEP_VERSION})`),
  );
  return ok ? 0 : 1;
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
