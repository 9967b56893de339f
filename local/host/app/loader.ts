import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import type { CoreRegistry } from '../core/core-api';
import { expandGlob } from './glob';

const PackageJson = z.object({ main: z.string().min(1).optional() }).loose();

/**
 * Loads the app's entry points the way the Node worker does (`startApp.ts`): package.json `main`
 * (a glob allowed), each file in order, then the `appStart` hooks; afterwards registration is locked.
 */
export async function loadApp(appDir: string, registry: CoreRegistry): Promise<string[]> {
  const pkgPath = join(appDir, 'package.json');
  if (!existsSync(pkgPath)) throw new Error(`No package.json in ${appDir}; the host loads the app from its "main" field.`);
  const pkg = PackageJson.safeParse(JSON.parse(readFileSync(pkgPath, 'utf8')) as unknown);
  if (!pkg.success) throw new Error(`${pkgPath}: ${pkg.error.message}`);
  const main = pkg.data.main ?? 'index.js';
  const files = expandGlob(appDir, main);
  if (files.length === 0) {
    throw new Error(`package.json "main" (${main}) matches no file in ${appDir}. The host does not build the app: run the build first.`);
  }
  const requireFromApp = createRequire(pkgPath);
  for (const file of files) {
    const ext = extname(file);
    if (ext === '.mjs') await import(pathToFileURL(file).href);
    else requireFromApp(file);
  }
  for (const hook of registry.hooks.appStart) {
    await hook({ hookData: {}, appHookData: registry.appHookData, functionAppDirectory: appDir });
  }
  registry.locked = true;
  const pm = registry.programmingModel;
  if (!pm || registry.functions.size === 0) {
    throw new Error(`The app in ${appDir} registered no functions (entry points: ${files.join(', ')}).`);
  }
  const caps = pm.getCapabilities ? await pm.getCapabilities({}) : {};
  if ('HttpUri' in caps) {
    throw new Error('The app enables HTTP streaming (app.setup({ enableHttpStream: true })), which the local host does not support.');
  }
  return files;
}
