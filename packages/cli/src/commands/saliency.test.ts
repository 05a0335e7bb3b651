import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { EXIT_CODES, isVggError } from '@vggscope/core';
import { decodeNpy } from '@vggscope/io';
import { tinyWeights } from '@vggscope/test-utils';
import { describe, expect, it } from 'vitest';
import { runCaptured } from '../testdata/test-cli.js';
import type { SaliencyRecord } from './saliency.js';

/** Exit status and message as main.ts reports them (runCaptured lets typed errors through). */
async function failure(argv: string[]): Promise<{ code: number; err: string }> {
  try {
    const r = await runCaptured(argv);
    return { code: r.code, err: r.err };
  } catch (e) {
    if (!isVggError(e)) throw e;
    return { code: EXIT_CODES[e.category], err: e.message };
  }
}

const tmp = () => mkdtempSync(join(tmpdir(), 'saliency-'));
const CAT = 'packages/cli/assets/chelsea.png';

describe('cli saliency', () => {
  it('smoothgrad: PNG at the photo size, map (224, 224), gradient (1, 224, 224, 3); the same seed gives the same bytes', async () => {
    const weights = await tinyWeights('vgg16', 'h5', { includeTop: true });
    const args = ['saliency', '--model', 'tiny-vgg16', '--weights', weights, '--backend', 'reference', '--image', CAT];
    const [a, b] = [tmp(), tmp()];
    const run = (out: string) =>
      runCaptured([...args, '--method', 'smoothgrad', '--samples', '2', '--seed', '3', '--out', out, '--json']);
    const r = await run(a);
    expect(r.code, r.err).toBe(0);
    const [rec] = (JSON.parse(r.out) as { results: SaliencyRecord[] }).results;
    expect(rec!.passes).toBe(2);
    expect(rec!.class!.index).toBeGreaterThanOrEqual(0);
    expect(readdirSync(a).sort()).toEqual([
      'chelsea_smoothgrad.npy',
      'chelsea_smoothgrad.png',
      'chelsea_smoothgrad_gradient.npy',
    ]);
    const png = PNG.sync.read(readFileSync(rec!.png));
    expect(png.width).toBeGreaterThan(451); // the photo (451 wide) plus the colour bar
    const map = decodeNpy(readFileSync(rec!.npy));
    const grad = decodeNpy(readFileSync(rec!.gradientNpy));
    expect(map.shape).toEqual([224, 224]);
    expect(grad.shape).toEqual([1, 224, 224, 3]);
    // The map is max over channels of |gradient|.
    for (const p of [0, 777, 224 * 224 - 1]) {
      const g = grad.data as Float32Array;
      expect(map.data[p]).toBe(Math.max(Math.abs(g[3 * p]!), Math.abs(g[3 * p + 1]!), Math.abs(g[3 * p + 2]!)));
    }
    expect((await run(b)).code).toBe(0);
    for (const f of readdirSync(a)) expect(readFileSync(join(a, f)).equals(readFileSync(join(b, f))), f).toBe(true);
  });

  it('a filter objective needs no top; bad values are usage errors (exit 2); a bad --out fails before the weights load (exit 6)', async () => {
    const noTop = await tinyWeights('vgg16', 'h5');
    const base = ['saliency', '--model', 'tiny-vgg16', '--weights', noTop, '--backend', 'reference', '--image', CAT];
    const ok = await runCaptured([...base, '--layer', 'block2_conv1', '--filter', '3', '--out', tmp(), '--json']);
    expect(ok.code, ok.err).toBe(0);
    expect((JSON.parse(ok.out) as { results: SaliencyRecord[] }).results[0]!.class).toBeUndefined();
    const bad = await failure([...base, '--layer', 'block2_conv1', '--filter', '99', '--out', tmp()]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/filter 99 does not exist in 'block2_conv1', which has 8/);
    expect((await failure([...base, '--method', 'smoothgrad', '--samples', '0'])).code).toBe(2);
    expect((await failure([...base, '--layer', 'block9_conv1', '--filter', '0', '--out', tmp()])).code).toBe(2);
    const file = join(tmp(), 'a-file');
    writeFileSync(file, 'x');
    // --weights given once (a repeated single-value option is a usage error of its own).
    const noWeights = base.map((a) => (a === noTop ? '/nonexistent.h5' : a));
    const out = await failure([...noWeights, '--out', join(file, 'sub')]);
    expect(out.code).toBe(6);
    expect(out.err).toMatch(/ENOTDIR/);
  });

  it('tfjs-wasm has no gradients: a usage error naming the backends that have them', async () => {
    const w = await tinyWeights('vgg16', 'h5');
    const r = await failure([
      'saliency',
      '--model',
      'tiny-vgg16',
      '--weights',
      w,
      '--backend',
      'tfjs-wasm',
      '--layer',
      'block1_conv1',
      '--filter',
      '0',
      '--out',
      tmp(),
    ]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/computes no gradients.*'simd'.*'reference'/);
  });
});
