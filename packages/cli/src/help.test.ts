import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXIT_CODES } from '@vggscope/core';
import { REPO_ROOT } from '@vggscope/test-utils';
import { describe, expect, it } from 'vitest';
import { exitCodesHelp } from './help.js';
import { formatProbability } from './table.js';
import { runCaptured } from './testdata/test-cli.js';

/** The README's exit-code table (`| 4 | weights error: … |`): the documented statuses. */
function readmeExitCodes(): Map<number, string> {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const table = readme.slice(readme.indexOf('### Exit codes'));
  return new Map([...table.matchAll(/^\| (\d+) \| ([^|]+) \|$/gm)].map((m) => [Number(m[1]), m[2]!.trim()]));
}

// The commands whose help this module's generator writes (extract, cam and queue adopt it too).
const COMMANDS = [
  'extract',
  'cam',
  'saliency',
  'maximize',
  'queue',
  'maps',
  'filters',
  'predict',
  'summary',
  'report',
  'weights',
];

describe('help texts', () => {
  it.each(COMMANDS)("%s --help teaches 'npx vggscope' and its exit codes are the documented ones", async (c) => {
    const r = await runCaptured([c, '--help']);
    expect(r.code).toBe(0);
    expect(r.out).not.toContain('npx nx run');
    expect(r.out).toContain(`npx vggscope ${c}`);
    const paragraph = /Exit codes: ([\s\S]*?)\.\n/.exec(r.out)?.[1];
    expect(paragraph, 'an Exit codes paragraph').toBeDefined();
    const documented = readmeExitCodes();
    for (const [, n] of paragraph!.matchAll(/(?:^|, )(\d+) /g)) expect(documented.has(Number(n)), n).toBe(true);
  });

  it('main --help lists every status of EXIT_CODES, the same set as the README table', async () => {
    const r = await runCaptured(['--help']);
    const listed = [...r.out.slice(r.out.indexOf('Exit codes:')).matchAll(/^\s+(\d+)\s{2}/gm)].map((m) => Number(m[1]));
    expect(listed).toEqual(Object.values(EXIT_CODES).sort((a, b) => a - b));
    expect([...readmeExitCodes().keys()]).toEqual(listed);
    expect(r.out).toContain('Nx reports every failure as exit 1'); // the nx form stays documented, with its caveat
  });

  it('exitCodesHelp always has ok, internal error and usage error, in numeric order', () => {
    expect(exitCodesHelp(['weights', 'input'])).toBe(
      'Exit codes: 0 ok, 1 internal error, 2 usage error, 3 input (image) error, 4 weights error.',
    );
  });

  it('--version prints the CLI package version', async () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'packages/cli/package.json'), 'utf8')) as { version: string };
    const r = await runCaptured(['--version']);
    expect(r.code).toBe(0);
    expect(r.out).toBe(`vggscope ${pkg.version} (Node ${process.version})\n`);
  });

  it('an unknown option gets did-you-mean: --layers → --layer, --colourmap → --colormap', async () => {
    await expect(runCaptured(['summary', '--layers', 'x'])).rejects.toMatchObject({ code: 'E_USAGE' });
    await expect(runCaptured(['maps', '--layers', 'x'])).rejects.toThrow(
      "maps: Unknown option '--layers'; did you mean '--layer'?; see 'npx vggscope maps --help'",
    );
    await expect(runCaptured(['maps', '--colourmap', 'jet'])).rejects.toThrow("did you mean '--colormap'?");
    await expect(runCaptured(['maps', '--zzzzzz'])).rejects.not.toThrow('did you mean');
  });

  it('an unknown model is E_UNKNOWN_MODEL (exit 2) with a suggestion', async () => {
    await expect(runCaptured(['summary', '--model', 'vgg17'])).rejects.toMatchObject({
      code: 'E_UNKNOWN_MODEL',
      message: "unknown model 'vgg17'; did you mean 'vgg16'? (models: vgg16, vgg19)",
    });
    expect(EXIT_CODES.usage).toBe(2);
  });

  it("'npx vggscope … --json': stdout is the JSON alone", () => {
    const r = spawnSync('npx', ['--no-install', 'vggscope', 'summary', '--model', 'tiny-vgg16', '--json'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ inputSize: [224, 224] });
  }, 120_000);

  it('probabilities: two decimals, and <0.01% instead of 0.00% for a tiny non-zero one', () => {
    expect([0.5, 0.0001, 0.00004, 1e-9, 0].map(formatProbability)).toEqual([
      '50.00%',
      '0.01%',
      '<0.01%',
      '<0.01%',
      '0.00%',
    ]);
  });
});
