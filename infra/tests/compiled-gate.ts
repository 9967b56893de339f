/**
 * Whether the compiled ARM JSON can be tested: `npm run infra:build` ran, succeeded and compiled the
 * sources as they are now. When it cannot, tests that need it are skipped under a title that says
 * NOT RUN and why (and a warning is printed), except in CI (CI=true), where they fail instead.
 */
import { describe, it } from 'vitest';
import { inputsFingerprint, readStatus } from '../lib/bicep-build-layout';
import { isCi } from '../scripts/bicep-build';

export function compiledArmUnavailable(): string | undefined {
  const status = readStatus();
  if (!status) return 'npm run infra:build has not been run here';
  if (!status.ran) return `npm run infra:build could not compile: ${status.reason.split('\n')[0] ?? ''}`;
  if (!status.ok) return 'the last npm run infra:build failed (see its findings)';
  if (status.fingerprint !== inputsFingerprint()) return 'infra/ changed since the last npm run infra:build (run it again)';
  return undefined;
}

/** describe() for suites over the compiled ARM JSON. */
export function describeCompiled(title: string, body: () => void): void {
  const missing = compiledArmUnavailable();
  if (!missing) {
    describe(title, body);
  } else if (isCi()) {
    describe(title, () => {
      it('has the compiled ARM JSON (CI must compile infra/)', () => {
        throw new Error(`compiled ARM JSON unavailable in CI: ${missing}`);
      });
    });
  } else {
    console.warn(`\n!!! NOT RUN: ${title}: ${missing}\n`);
    describe.skip(`NOT RUN (${missing}): ${title}`, body);
  }
}
