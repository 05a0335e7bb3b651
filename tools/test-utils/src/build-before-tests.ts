import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * Vitest global setup: brings the build up to date (wasm kernels and `tsc -b`, both incremental: about
 * 2 s when nothing changed) before any test runs. Tests that start the CLI as a child process run the
 * built entry point — what `npx vggscope` runs — instead of compiling the TypeScript sources in every
 * child (≈ 1 s each, ~80 children per run), and a test never runs a stale build.
 */
export default function buildBeforeTests(): void {
  // Each vitest project runs its global setup (vitest.config.ts has two): build once per vitest process.
  const done = Symbol.for('vggscope.buildBeforeTests');
  const g = globalThis as { [done]?: boolean };
  if (g[done]) return;
  const r = spawnSync('npm', ['run', '-s', 'build'], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`npm run build failed before the tests (exit ${r.status}):\n${r.stderr}`);
  g[done] = true;
}
