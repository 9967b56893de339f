/**
 * The local host runs the app as Azure does, from its build (package.json `main` → dist/), so a
 * stack run after a source edit without a build would exercise the old code and pass or fail for
 * the wrong reason. This lists the app's sources whose build output is missing or older.
 */
import { readdirSync, statSync, type Stats } from 'node:fs';
import { join, relative } from 'node:path';

/** The app: what tsconfig.build.json compiles. */
const APP_SOURCE_DIRS = ['functions', 'orchestrations', 'shared'];

function* typeScriptFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* typeScriptFiles(path);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) yield path;
  }
}

function statOf(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/** Sources (relative to `root`) with no `dist/….js`, or one older than the source. */
export function staleBuildOutputs(root: string): string[] {
  const stale: string[] = [];
  for (const dir of APP_SOURCE_DIRS) {
    for (const source of typeScriptFiles(join(root, dir))) {
      const rel = relative(root, source);
      const built = statOf(join(root, 'dist', rel.replace(/\.ts$/, '.js')));
      if (!built || built.mtimeMs < statSync(source).mtimeMs) stale.push(rel);
    }
  }
  // The dashboard's sources build into one bundle (dashboard/build.ts): stale when any is newer.
  const bundle = statOf(join(root, 'dist', 'dashboard-assets', 'app.js'));
  const dashboard = join(root, 'dashboard');
  if (statOf(dashboard)) {
    const sources = [...typeScriptFiles(dashboard), join(dashboard, 'app.css')];
    for (const source of sources) if (!bundle || bundle.mtimeMs < statSync(source).mtimeMs) stale.push(relative(root, source));
  }
  return stale;
}

/** Throws a message that says what to do when the build is behind the sources. */
export function assertBuildFresh(root: string): void {
  const stale = staleBuildOutputs(root);
  if (stale.length === 0) return;
  const named = stale.slice(0, 5).join(', ') + (stale.length > 5 ? ` and ${stale.length - 5} more` : '');
  throw new Error(
    `dist/ is older than the sources (${named}): run npm run build. ` +
      'The stack and fault suites run the built app, as Azure does (local/host/app/loader.ts loads package.json main).',
  );
}
