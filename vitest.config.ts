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
    // One process per worker for all its files, not one per file: each file's fresh process re-imported
    // and re-initialised the engine, tfjs and the wasm modules (≈ 1 s per file, 108 files). Measured on
    // 2 cores: ≈ 40 s off the whole suite (5m11s → 4m21s together with cheaper references). A file that mocks a module imports its subject after
    // vi.resetModules() (png-whole-inflate.test.ts); env changes are restored by the tests that make them.
    isolate: false,
  },
});
