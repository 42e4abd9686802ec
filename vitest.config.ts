import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    environment: 'node',
    // One Dawn device per worker process; GPU tests are CPU-bound on SwiftShader.
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
