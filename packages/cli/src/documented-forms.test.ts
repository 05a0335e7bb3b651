import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, skipNote, tinyWeights } from '@vggscope/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Every form the README documents, run as a user would from a folder of their own inside the
// repository: exit statuses and relative paths (resolved from the caller's folder, not the root).
const BUILT = existsSync(join(REPO_ROOT, 'packages/cli/dist/main.js'));
const NOT_BUILT = skipNote(!BUILT, "the CLI is not built (run 'npm run build' first; CI does)");
let weights: string;
let cwd: string;
beforeAll(async () => {
  weights = await tinyWeights('vgg16', 'packed');
  mkdirSync(join(REPO_ROOT, 'tmp'), { recursive: true }); // ignored by git
  cwd = mkdtempSync(join(REPO_ROOT, 'tmp', 'caller-'));
  copyFileSync(join(REPO_ROOT, 'packages/cli/assets/chelsea.png'), join(cwd, 'cat.png'));
});
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

const FORMS: { name: string; argv: (args: string[]) => string[]; badLayerExit: number }[] = [
  { name: 'npx vggscope', argv: (a) => ['npx', '--no-install', 'vggscope', ...a], badLayerExit: 2 },
  // Nx reports 1 for any failed task (its getRunExitCode); the README says so and leads with npx vggscope.
  {
    name: 'npx nx run cli:<command> --',
    argv: ([cmd, ...a]) => ['npx', '--no-install', 'nx', 'run', `cli:${cmd}`, '--', ...a],
    badLayerExit: 1,
  },
];

describe.skipIf(!BUILT)(`documented command forms keep the caller's folder and exit statuses${NOT_BUILT}`, () => {
  it.each(FORMS)(
    '$name: relative --image/--out resolve from the caller; an unknown layer exits as documented',
    ({ name, argv, badLayerExit }) => {
      const run = (args: string[]) => {
        const [cmd, ...rest] = argv(args);
        return spawnSync(cmd!, rest, {
          cwd,
          encoding: 'utf8',
          env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', FORCE_COLOR: '0', INIT_CWD: '' },
        });
      };
      const out = `out-${name.split(' ')[1]}`;
      const ok = run([
        'extract',
        '--model',
        'tiny-vgg16',
        '--weights',
        weights,
        '--image',
        'cat.png',
        '--layer',
        'block1_pool',
        '--out',
        out,
      ]);
      expect(ok.status, ok.stderr).toBe(0);
      expect(readdirSync(join(cwd, out, 'cat'))).toEqual(['block1_pool.npy']);
      const bad = run(['extract', '--weights', weights, '--layer', 'block6_pool']);
      expect(bad.status).toBe(badLayerExit);
      expect(`${bad.stdout}${bad.stderr}`).toContain("error [E_UNKNOWN_LAYER]: unknown layer 'block6_pool'");
    },
    120_000,
  );
});
