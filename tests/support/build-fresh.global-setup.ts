/**
 * Global setup of the suites that run the built app on the local stack (vitest.config.mts, project
 * "stack"): it runs only when one of them is selected, and stops the run before any starts if the
 * build is behind the sources. `npm test` builds first, so there it only checks (no second build).
 */
import { resolve } from 'node:path';
import { assertBuildFresh } from '../../local/dist-freshness';

export default function setup(): void {
  assertBuildFresh(resolve(__dirname, '../..'));
}
