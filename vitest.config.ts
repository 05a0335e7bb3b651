import { defineConfig } from 'vitest/config';

const INCLUDE = ['packages/*/src/**/*.test.ts', 'tools/*/src/**/*.test.ts'];
// Files that drive Chromium (playwright-core) keep a fresh process each: the browser tests are the ones
// that proved sensitive to timing, and they gain nothing from sharing the engine's imports.
const BROWSER = ['packages/web/src/**/*.test.ts', 'packages/cli/src/commands/report.test.ts'];

// One config for the whole repo: tests sit beside the code they test. The '@vggscope/source'
// export condition makes workspace packages resolve to their TypeScript sources (no build step).
// Two projects that differ only in isolation; list options here, not in the projects: vitest
// concatenates arrays such as `include` when a project extends this file.
export default defineConfig({
  resolve: { conditions: ['@vggscope/source'] },
  ssr: { resolve: { conditions: ['@vggscope/source'] } },
  test: {
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // Builds (incrementally, once per run) before any test: child-process tests run the built CLI.
    globalSetup: ['tools/test-utils/src/build-before-tests.ts'],
    pool: 'forks',
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'shared',
          include: INCLUDE,
          exclude: ['**/node_modules/**', ...BROWSER],
          // One process per worker for all its files, not one per file: each file's fresh process
          // re-imported and re-initialised the engine, tfjs and the wasm modules (≈ 1 s of CPU per file,
          // 106 files; `import` was 165 of 1290 worker-seconds in a whole run). A file that mocks a module
          // imports its subject after vi.resetModules() (png-whole-inflate.test.ts); env changes are
          // restored by the tests that make them.
          isolate: false,
        },
      },
      { extends: true, test: { name: 'browser', include: BROWSER, isolate: true } },
    ],
  },
});
