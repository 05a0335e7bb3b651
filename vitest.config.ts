import { defineConfig } from 'vitest/config';

// One config for the whole repo: tests sit beside the code they test. The '@vggscope/source'
// export condition makes workspace packages resolve to their TypeScript sources (no build step).
export default defineConfig({
  resolve: { conditions: ['@vggscope/source'] },
  ssr: { resolve: { conditions: ['@vggscope/source'] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'tools/*/src/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // Builds (incrementally) before any test: child-process tests run the built CLI.
    globalSetup: ['tools/test-utils/src/build-before-tests.ts'],
    pool: 'forks',
    maxWorkers: 2,
  },
});
