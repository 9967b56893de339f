import { defineConfig } from 'vitest/config';

// Suites that run the built app (dist/) in the local host: their project checks the build is not
// behind the sources before any of them starts (tests/support/build-fresh.global-setup.ts).
const BUILT_APP_SUITES = ['tests/integration/**/*.test.ts', 'tests/faults/**/*.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration suites spawn Azurite, the emulator and the host on their own ports; two at a
    // time fits a 2-core machine.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'source',
          include: ['tests/**/*.test.ts', 'local/**/*.test.ts', 'infra/**/*.test.ts'],
          exclude: BUILT_APP_SUITES,
        },
      },
      {
        extends: true,
        test: {
          name: 'built-app',
          include: BUILT_APP_SUITES,
          globalSetup: ['tests/support/build-fresh.global-setup.ts'],
        },
      },
    ],
  },
});
