import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts', 'local/**/*.test.ts', 'infra/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration suites spawn Azurite, the emulator and the host on their own ports; two at a
    // time fits a 2-core machine.
    maxWorkers: 2,
  },
});
