import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI_ENTRY, REPO_ROOT } from '@vggscope/test-utils';
import type { CommandContext } from '../context.js';
import { runCli } from '../run-cli.js';

/** Runs the CLI in-process, capturing what it prints. */
export async function runCaptured(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const ctx: CommandContext = {
    stdout: { write: (s: string) => (out += s) },
    stderr: Object.assign(Object.create(process.stderr) as NodeJS.WriteStream, {
      isTTY: false,
      write: (s: string) => ((err += s), true),
    }),
  };
  const code = await runCli(argv, ctx);
  return { code, out, err };
}

/**
 * The user cache (~/.cache/vggscope) of whoever runs the tests must not change their outcome: child
 * processes get an empty one unless a test names its own VGGSCOPE_HOME.
 */
const ISOLATED_HOME = { VGGSCOPE_HOME: mkdtempSync(join(tmpdir(), 'vggscope-home-')) };

/** Runs the real CLI entry point in a child process (exit codes, stderr), as `npx vggscope` does. */
export function spawnCli(argv: string[], env: Record<string, string> = {}): { code: number; out: string; err: string } {
  const r = spawnSync(
    process.execPath,
    [CLI_ENTRY, ...argv],
    {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: { ...process.env, FORCE_COLOR: '0', ...ISOLATED_HOME, ...env },
    },
  );
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

/** Like spawnCli, but async: the test process stays free to serve (e.g. a loopback download server). */
export function spawnCliAsync(
  argv: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI_ENTRY, ...argv],
      { cwd: REPO_ROOT, env: { ...process.env, FORCE_COLOR: '0', ...ISOLATED_HOME, ...env }, maxBuffer: 64 << 20 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, out: stdout, err: stderr }),
    );
  });
}
