import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { decodeNpy } from '@vggscope/io';
import { tinyWeights } from '@vggscope/test-utils';
import { describe, expect, it } from 'vitest';
import { runCaptured, spawnCli } from '../testdata/test-cli.js';
import type { CamRecord } from './cam.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'cam-'));

describe('cli cam', () => {
  it('both methods on two images: PNG overlays at the photo size, .npy at 14×14 and upsampled, one class', async () => {
    const dir = tmp();
    const weights = await tinyWeights('vgg16', 'h5', { includeTop: true });
    const r = await runCaptured([
      'cam',
      '--model',
      'tiny-vgg16',
      '--weights',
      weights,
      '--method',
      'both',
      '--image',
      'packages/cli/assets/chelsea.png',
      '--image',
      'packages/cli/assets/chelsea.png',
      '--max-n',
      '6',
      '--batch',
      '4',
      '--class',
      'tabby',
      '--out',
      dir,
      '--json',
    ]);
    expect(r.code).toBe(0);
    const { results } = JSON.parse(r.out) as { results: CamRecord[] };
    expect(results.map((x) => x.method)).toEqual(['grad-cam', 'score-cam', 'grad-cam', 'score-cam']);
    const files = [
      'grad-cam.npy',
      'grad-cam.png',
      'grad-cam_upsampled.npy',
      'score-cam.npy',
      'score-cam.png',
      'score-cam_upsampled.npy',
    ];
    // The same name twice: numbered, so the second does not overwrite the first.
    expect(readdirSync(dir).sort()).toEqual([
      ...files.map((f) => `chelsea-1_${f}`),
      ...files.map((f) => `chelsea-2_${f}`),
    ]);
    for (const x of results) {
      expect(x.class).toEqual({ index: 281, wnid: 'n02123045', label: 'tabby' });
      expect(x.layer).toBe('block5_conv3');
      expect(x.probability).toBeGreaterThanOrEqual(0); // synthetic weights: a chosen class may be ~0
      expect(x.probability).toBeLessThanOrEqual(1);
      const png = PNG.sync.read(readFileSync(x.png));
      expect([png.width, png.height]).toEqual(x.pngSize);
      expect(png.width).toBeGreaterThan(451); // chelsea is 451×300, plus the colour bar
      const small = decodeNpy(readFileSync(x.npy));
      expect(small.shape).toEqual([14, 14]);
      expect(decodeNpy(readFileSync(x.npyUpsampled)).shape).toEqual([300, 451]);
      expect(Math.min(...small.data)).toBeGreaterThanOrEqual(0); // ReLU
    }
    expect(results.map((x) => x.passes)).toEqual([1, 7, 1, 7]);
  });

  it('the default class is the top-1 prediction, the same one predict prints', async () => {
    const weights = await tinyWeights('vgg16', 'h5', { includeTop: true });
    const cam = await runCaptured(['cam', '--model', 'tiny-vgg16', '--weights', weights, '--out', tmp(), '--json']);
    const pred = await runCaptured(['predict', '--model', 'tiny-vgg16', '--weights', weights, '--top', '1', '--json']);
    const top1 = (JSON.parse(pred.out) as { results: { predictions: { wnid: string; probability: number }[] }[] })
      .results[0]!.predictions[0]!;
    const g = (JSON.parse(cam.out) as { results: CamRecord[] }).results[0]!;
    expect(g.class.wnid).toBe(top1.wnid);
    expect(g.probability).toBeCloseTo(top1.probability, 4);
  });

  it('Score-CAM progress goes to stderr; the table names method, class and passes', async () => {
    const weights = await tinyWeights('vgg16', 'h5', { includeTop: true });
    const r = await runCaptured([
      'cam',
      '--model',
      'tiny-vgg16',
      '--weights',
      weights,
      '--method',
      'score',
      '--layer',
      'block4_conv3',
      '--max-n',
      '4',
      '--out',
      tmp(),
    ]);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/score-cam chelsea\.png 100% 4 maps\/4 maps/);
    expect(r.out).toMatch(/chelsea\.png\s+score-cam\s+block4_conv3\s+\d+ \S+\s+[\d.]+%\s+5/);
  });

  it('--workers 2: Score-CAM through the pool writes the same heatmap as one session', async () => {
    const weights = await tinyWeights('vgg16', 'packed', { includeTop: true });
    const args = ['cam', '--model', 'tiny-vgg16', '--weights', weights, '--method', 'score', '--max-n', '6', '--json'];
    const [one, two] = [tmp(), tmp()];
    expect((await runCaptured([...args, '--out', one])).code).toBe(0);
    expect((await runCaptured([...args, '--out', two, '--workers', '2'])).code).toBe(0);
    const a = decodeNpy(readFileSync(join(one, 'chelsea_score-cam.npy')));
    const b = decodeNpy(readFileSync(join(two, 'chelsea_score-cam.npy')));
    expect(Math.max(...a.data.map((v, i) => Math.abs(v - b.data[i]!)))).toBeLessThan(1e-4 * Math.max(...a.data));
  });

  it('no-top weights → exit 4 naming the top layers', async () => {
    const noTop = spawnCli([
      'cam',
      '--model',
      'tiny-vgg16',
      '--weights',
      await tinyWeights('vgg16', 'h5'),
      '--out',
      tmp(),
    ]);
    expect(noTop.code).toBe(4);
    expect(noTop.err).toContain('class heatmaps need the top weights (fc1, fc2, predictions)');
  });

  it('usage errors name the flag', async () => {
    const top = await tinyWeights('vgg16', 'h5', { includeTop: true });
    const usage = (args: string[], message: RegExp) =>
      expect(runCaptured(['cam', ...args])).rejects.toMatchObject({
        code: 'E_USAGE',
        message: expect.stringMatching(message),
      });
    await usage(
      ['--method', 'lime'],
      /--method must be gradcam, gradcam\+\+, layercam, scorecam, faster-scorecam or both, got 'lime'/,
    );
    await usage(
      ['--model', 'tiny-vgg16', '--weights', top, '--layer', 'block4_pool', '--out', tmp()],
      /'block4_pool' is a pool layer; pick a conv layer/,
    );
    await usage(['--alpha', '1.5'], /--alpha must be a number from 0 to 1/);
    await usage(
      ['--model', 'tiny-vgg16', '--weights', top, '--class', 'not-a-class', '--out', tmp()],
      /unknown ImageNet class 'not-a-class'/,
    );
  });

  it('gradcam++ and layercam at any conv layer (block4_conv3: 28×28); --json names the weights as extract does', async () => {
    const weights = await tinyWeights('vgg16', 'h5', { includeTop: true });
    const dir = tmp();
    const r = await runCaptured([
      'cam',
      '--model',
      'tiny-vgg16',
      '--weights',
      weights,
      '--method',
      'gradcam,gradcam++,layercam',
      '--layer',
      'block4_conv3',
      '--out',
      dir,
      '--json',
    ]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out) as { weights: { path: string; format: string; md5: string }; results: CamRecord[] };
    expect(out.weights).toMatchObject({ format: 'keras-h5', md5: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect(out.results.map((x) => [x.method, x.layer])).toEqual([
      ['grad-cam', 'block4_conv3'],
      ['grad-cam++', 'block4_conv3'],
      ['layer-cam', 'block4_conv3'],
    ]);
    for (const x of out.results) expect(decodeNpy(readFileSync(x.npy)).shape).toEqual([28, 28]);
    expect(new Set(out.results.map((x) => x.class.index)).size).toBe(1);
  });

  it('a bad --out fails before the weights load, with its errno (exit 6)', async () => {
    const file = join(tmp(), 'a-file');
    writeFileSync(file, 'x');
    const r = spawnCli(['cam', '--model', 'tiny-vgg16', '--weights', '/does/not/exist.h5', '--out', join(file, 'sub')]);
    expect(r.code).toBe(6);
    expect(r.err).toMatch(/ENOTDIR/);
  });

  it('an all-zero Score-CAM of a probability-0 class says so', async () => {
    const weights = await tinyWeights('vgg16', 'h5', { includeTop: true });
    const args = ['cam', '--model', 'tiny-vgg16', '--weights', weights, '--image', 'packages/cli/assets/chelsea.png'];
    const top1 = (JSON.parse((await runCaptured([...args, '--out', tmp(), '--json'])).out) as { results: CamRecord[] })
      .results[0]!.class.index;
    const other = top1 === 0 ? 1 : 0;
    const r = await runCaptured([
      ...args,
      '--method',
      'scorecam',
      '--max-n',
      '3',
      '--class',
      String(other),
      '--out',
      tmp(),
    ]);
    expect(r.code).toBe(0);
    // Synthetic weights give one class all the probability: every other class has p = 0 exactly.
    expect(r.err).toMatch(
      /note: chelsea\.png score-cam: all zero: every masked image scores 0 \(the class has probability 0/,
    );
  });
});
