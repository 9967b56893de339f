/**
 * The app's side of BASELINE_FILE: at start, the configuration's expected group, profile and ESP
 * are resolved from the baseline (expected.ts). A missing or invalid file, or a tenant without the
 * baseline's objects, is a ConfigError listing every problem — reported by GET /api/health and
 * `npm run doctor` like any wrong setting.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, isAbsolute, join } from 'node:path';
import { ConfigError, type AppConfig } from '../config';
import type { GraphGateway } from '../graph/gateway';
import { resolveExpected } from './expected';
import { BaselineError, parseBaseline, type Baseline } from './schema';

/** A relative BASELINE_FILE is read from the app's root (where host.json and baseline/ are), from sources or from dist/. */
const TWO_UP = join(__dirname, '..', '..');
const APP_ROOT = basename(TWO_UP) === 'dist' ? join(TWO_UP, '..') : TWO_UP;

/** Reads and validates BASELINE_FILE; every problem is a ConfigError line. */
export function readAppBaseline(baselineFile: string): Baseline {
  const file = isAbsolute(baselineFile) ? baselineFile : join(APP_ROOT, baselineFile);
  if (!existsSync(file)) throw new ConfigError([`BASELINE_FILE: ${file} does not exist`]);
  try {
    return parseBaseline(readFileSync(file, 'utf8'), file);
  } catch (error) {
    if (error instanceof BaselineError) throw new ConfigError(error.problems.map((p) => `BASELINE_FILE ${file}: ${p}`));
    throw error;
  }
}

export async function withBaselineExpected(config: AppConfig, graph: GraphGateway): Promise<AppConfig> {
  if (!config.baselineFile) return config;
  const baseline = readAppBaseline(config.baselineFile);
  const resolved = await resolveExpected(graph, baseline);
  if (!resolved.ok) throw new ConfigError(resolved.problems);
  return { ...config, settings: { ...config.settings, expected: resolved.expected } };
}
