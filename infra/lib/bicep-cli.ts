/**
 * Finds a Bicep CLI to compile infra/ with, in this order:
 *  1. the pinned version already restored into infra/.bicep/cli (reused, no network);
 *  2. the pinned version restored now from NuGet (Azure.Bicep.CommandLine.<rid>) with the .NET SDK;
 *  3. a `bicep` on PATH, or the one `az bicep install` keeps in ~/.azure/bin, if new enough.
 * NuGet ships the CLI as a self-contained executable inside the package, so no .NET runtime is
 * needed to run it, only the SDK to restore it. Nothing here downloads from anywhere but NuGet.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { BICEP_VERSION, CLI_DIR, MIN_BICEP_VERSION } from './bicep-build-layout';

export type CliSource = 'nuget (cached)' | 'nuget (restored now)' | 'PATH' | 'az bicep';

export type CliLookup =
  { found: true; path: string; version: string; source: CliSource; notes: string[] } | { found: false; reasons: string[] };

/** NuGet runtime id of this machine, as the Azure.Bicep.CommandLine.<rid> packages name it. */
export function runtimeId(platform: NodeJS.Platform = process.platform, arch: string = process.arch): string | undefined {
  const os = platform === 'linux' ? 'linux' : platform === 'darwin' ? 'osx' : platform === 'win32' ? 'win' : undefined;
  const cpu = arch === 'x64' ? 'x64' : arch === 'arm64' ? 'arm64' : undefined;
  return os && cpu ? `${os}-${cpu}` : undefined;
}

export function pinnedCliPath(rid: string): string {
  const exe = rid.startsWith('win') ? 'bicep.exe' : 'bicep';
  // NuGet lower-cases package folder names in a --packages folder.
  return join(CLI_DIR, 'packages', `azure.bicep.commandline.${rid}`, BICEP_VERSION, 'tools', exe);
}

/** `Bicep CLI version 0.49.2 (b34271ac51)` -> `0.49.2`. */
export function parseVersion(output: string): string | undefined {
  return /Bicep CLI version (\d+\.\d+\.\d+)/.exec(output)?.[1];
}

export function versionAtLeast(version: string, minimum: string): boolean {
  const a = version.split('.').map(Number);
  const b = minimum.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d > 0;
  }
  return true;
}

function cliVersion(path: string): string | undefined {
  const res = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 60_000 });
  return res.status === 0 ? parseVersion(res.stdout) : undefined;
}

function onPath(command: string): string | undefined {
  const res = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  const path = res.stdout.trim();
  return res.status === 0 && path ? path : undefined;
}

/** The last lines of a failed command's output: enough to say why, not a wall of text. */
function tail(text: string, lines = 8): string {
  return text.trim().split('\n').slice(-lines).join('\n');
}

/**
 * Restores the pinned package with a throwaway project (PackageDownload: the package only, no
 * dependencies, no build). Returns the executable's path, or the exact error.
 */
export function restoreFromNuget(rid: string, log: (line: string) => void): { path: string } | { error: string } {
  const dotnet = onPath('dotnet');
  if (!dotnet) return { error: 'the .NET SDK (dotnet) is not on PATH, so the pinned Bicep CLI cannot be restored from NuGet' };
  const sdk = spawnSync(dotnet, ['--version'], { encoding: 'utf8', timeout: 60_000 });
  const major = /^(\d+)\./.exec(sdk.stdout ?? '')?.[1];
  if (sdk.status !== 0 || !major) return { error: `dotnet --version failed: ${tail(`${sdk.stdout ?? ''}${sdk.stderr ?? ''}`)}` };
  mkdirSync(CLI_DIR, { recursive: true });
  const project = join(CLI_DIR, 'restore-bicep.csproj');
  // The SDK's own target framework, so restore needs no targeting pack from NuGet.
  writeFileSync(
    project,
    `<Project Sdk="Microsoft.NET.Sdk">
  <!-- Written by infra/lib/bicep-cli.ts: restores the pinned Bicep CLI package, builds nothing. -->
  <PropertyGroup><TargetFramework>net${major}.0</TargetFramework></PropertyGroup>
  <ItemGroup><PackageDownload Include="Azure.Bicep.CommandLine.${rid}" Version="[${BICEP_VERSION}]" /></ItemGroup>
</Project>
`,
  );
  log(`restoring Azure.Bicep.CommandLine.${rid} ${BICEP_VERSION} from NuGet (dotnet ${sdk.stdout.trim()})...`);
  const res = spawnSync(dotnet, ['restore', project, '--packages', join(CLI_DIR, 'packages'), '--nologo'], {
    encoding: 'utf8',
    timeout: 600_000,
    env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1', DOTNET_SKIP_FIRST_TIME_EXPERIENCE: '1' },
  });
  const path = pinnedCliPath(rid);
  if (res.status !== 0 || !existsSync(path)) {
    const why = res.error ? String(res.error) : tail(`${res.stdout ?? ''}${res.stderr ?? ''}`);
    return { error: `dotnet restore of Azure.Bicep.CommandLine.${rid} ${BICEP_VERSION} failed (exit ${String(res.status)}):\n${why}` };
  }
  // The package keeps the executable bit for its owner only on some systems; make sure.
  chmodSync(path, 0o755);
  return { path };
}

export function findBicepCli(log: (line: string) => void = () => undefined): CliLookup {
  const reasons: string[] = [];
  const rid = runtimeId();
  if (!rid) reasons.push(`no Azure.Bicep.CommandLine package for ${process.platform}-${process.arch}`);
  else {
    const cached = pinnedCliPath(rid);
    const cachedVersion = existsSync(cached) ? cliVersion(cached) : undefined;
    if (cachedVersion === BICEP_VERSION) return { found: true, path: cached, version: cachedVersion, source: 'nuget (cached)', notes: [] };
    const restored = restoreFromNuget(rid, log);
    if ('path' in restored) {
      const version = cliVersion(restored.path);
      if (version === BICEP_VERSION) return { found: true, path: restored.path, version, source: 'nuget (restored now)', notes: [] };
      reasons.push(`the restored ${restored.path} does not report version ${BICEP_VERSION} (got ${String(version)})`);
    } else reasons.push(restored.error);
  }
  const candidates: [CliSource, string | undefined][] = [
    ['PATH', onPath('bicep')],
    ['az bicep', existsSync(join(homedir(), '.azure', 'bin', 'bicep')) ? join(homedir(), '.azure', 'bin', 'bicep') : undefined],
  ];
  for (const [source, path] of candidates) {
    if (!path) continue;
    const version = cliVersion(path);
    if (!version) reasons.push(`${path} (${source}) did not report a Bicep CLI version`);
    else if (!versionAtLeast(version, MIN_BICEP_VERSION))
      reasons.push(`${path} (${source}) is Bicep ${version}; the Graph extension needs ${MIN_BICEP_VERSION} or newer`);
    else {
      const notes =
        version === BICEP_VERSION
          ? []
          : [`using Bicep ${version} from ${source}, not the pinned ${BICEP_VERSION}: linter findings may differ`];
      return { found: true, path, version, source, notes };
    }
  }
  if (candidates.every(([, p]) => !p)) reasons.push('no bicep on PATH and none installed by `az bicep install` (~/.azure/bin/bicep)');
  return { found: false, reasons };
}
