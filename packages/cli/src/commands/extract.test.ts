import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeNpy } from '@vggscope/io';
import { PYTHON_WITH_NUMPY, skipNote, tinyWeights, type WeightsFileFormat } from '@vggscope/test-utils';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCaptured, spawnCli } from '../testdata/test-cli.js';

// A tiny VGG16 (VGG16's layers at 4–16 channels; --model tiny-vgg16) in the official .h5 layout:
// every CLI path runs for real, on kilobytes of weights.
let weights: string;
const TINY = ['--model', 'tiny-vgg16'];
beforeAll(async () => {
  weights = await tinyWeights('vgg16', 'h5');
});
const tmp = () => mkdtempSync(join(tmpdir(), 'extract-'));

describe('cli extract (tiny synthetic VGG16 weights, official .h5 layout)', () => {
  it('writes block4_pool and block5_pool .npy files with Keras shapes and prints a table', async () => {
    const out = tmp();
    const r = await runCaptured([
      'extract',
      ...TINY,
      '--weights',
      weights,
      '--layer',
      'block4_pool',
      '--layer',
      'block5_pool',
      '--out',
      out,
    ]);
    expect(r.code).toBe(0);
    expect(readdirSync(join(out, 'chelsea')).sort()).toEqual(['block4_pool.npy', 'block5_pool.npy']);
    expect(decodeNpy(readFileSync(join(out, 'chelsea', 'block4_pool.npy'))).shape).toEqual([1, 14, 14, 16]);
    expect(decodeNpy(readFileSync(join(out, 'chelsea', 'block5_pool.npy'))).shape).toEqual([1, 7, 7, 16]);
    expect(r.out).toMatch(/14\s+block4_pool\s+\(1, 14, 14, 16\)/);
    expect(r.out).toMatch(/18\s+block5_pool\s+\(1, 7, 7, 16\)/);
    expect(r.out).toMatch(/#\s+layer\s+shape\s+min\s+mean\s+max\s+done at/);
  });

  it.skipIf(!PYTHON_WITH_NUMPY)(
    `NumPy loads the files with the shapes Keras' model.predict gives${skipNote(!PYTHON_WITH_NUMPY, 'no python3 with numpy')}`,
    async () => {
      const out = tmp();
      await runCaptured([
        'extract',
        ...TINY,
        '--weights',
        weights,
        '--layer',
        '3',
        '--pooling',
        'avg',
        '--layer',
        'global_average_pooling2d',
        '--out',
        out,
      ]);
      const py = spawnSync(
        PYTHON_WITH_NUMPY!,
        [
          '-c',
          `import numpy as np, glob, json; print(json.dumps({f.split('/')[-1]: [list(np.load(f).shape), str(np.load(f).dtype)] for f in glob.glob('${out}/chelsea/*.npy')}))`,
        ],
        { encoding: 'utf8' },
      );
      expect(JSON.parse(py.stdout)).toEqual({
        'block1_pool.npy': [[1, 112, 112, 4], 'float32'],
        'global_average_pooling2d.npy': [[1, 16], 'float32'],
      });
    },
  );

  it('--json reports every image and layer with stats and file paths; --size changes shapes', async () => {
    const out = tmp();
    const img2 = join(out, 'copy.png');
    writeFileSync(img2, readFileSync(join(import.meta.dirname, '../../assets/chelsea.png')));
    const r = await runCaptured([
      'extract',
      ...TINY,
      '--weights',
      weights,
      '--image',
      img2,
      '--image',
      join(import.meta.dirname, '../../assets/chelsea.png'),
      '--size',
      '67x45',
      '--layer',
      'block5_pool',
      '--out',
      out,
      '--json',
    ]);
    const json = JSON.parse(r.out) as {
      images: {
        image: string;
        outputs: { layer: string; shape: number[]; min: number; max: number; file: string }[];
      }[];
    };
    expect(json.images.map((i) => i.outputs[0]!.shape)).toEqual([
      [1, 2, 1, 16],
      [1, 2, 1, 16],
    ]);
    expect(json.images[0]!.outputs[0]!.file).toBe(join(out, 'copy', 'block5_pool.npy'));
    expect(json.images[0]!.outputs[0]!.max).toBeGreaterThan(json.images[0]!.outputs[0]!.min);
  });

  it('--include-top returns the softmax predictions as [1, 1000] summing to 1', async () => {
    const out = tmp();
    const top = await tinyWeights('vgg16', 'h5', { includeTop: true });
    const r = await runCaptured(['extract', ...TINY, '--weights', top, '--include-top', '--out', out]);
    expect(r.code).toBe(0);
    const p = decodeNpy(readFileSync(join(out, 'chelsea', 'predictions.npy')));
    expect(p.shape).toEqual([1, 1000]);
    expect(p.data.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
  });
});

describe('cli exit codes and messages (real process)', () => {
  it('unknown layer → exit 2 with a suggestion', () => {
    const r = spawnCli(['extract', '--weights', 'x.h5', '--layer', 'block6_pool']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /error \[E_UNKNOWN_LAYER\]: unknown layer 'block6_pool' in vgg16 \(no top\); did you mean 'block5_pool'\?/,
    );
  });

  it('no --weights, offline, nothing cached → exit 4 listing where it looked and how to fix it', () => {
    const env = { VGGSCOPE_WEIGHTS: mkdtempSync(join(tmpdir(), 'empty-cache-')), KERAS_HOME: tmp() };
    const r = spawnCli(['extract', '--offline'], env);
    expect(r.code).toBe(4);
    expect(r.err).toContain('error [E_WEIGHTS_NOT_FOUND]: no vgg16 weights found, and downloading is off');
    expect(r.err).toContain(join(env.VGGSCOPE_WEIGHTS, 'vgg16-notop.vggw'));
    expect(r.err).toContain('npx vggscope weights fetch --model vgg16');
  });

  it('a corrupt image → exit 3 naming the file, and nothing written', async () => {
    const dir = tmp();
    const bad = join(dir, 'bad.jpg');
    writeFileSync(bad, Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 1, 2, 3]));
    const r = spawnCli([
      'extract',
      ...TINY,
      '--weights',
      weights,
      '--image',
      bad,
      '--layer',
      'block1_pool',
      '--out',
      join(dir, 'out'),
    ]);
    expect(r.code).toBe(3);
    expect(r.err).toContain(`error [E_IMAGE_DECODE]: ${bad}: corrupt or unsupported JPEG`);
    expect(readdirSync(dir)).toEqual(['bad.jpg']);
  });

  it.each(['h5', 'tfjs', 'packed'] as WeightsFileFormat[])(
    'VGG19 weights (%s) with the default model → exit 4 naming vgg19, nothing written',
    async (format) => {
      const dir = tmp();
      const r = spawnCli(['extract', '--weights', await tinyWeights('vgg19', format), '--out', join(dir, 'out')]);
      expect(r.code).toBe(4);
      expect(r.err).toMatch(/error \[E_WEIGHTS_MODEL\]: '.*' holds vgg19 weights .*but the model is vgg16/);
      expect(r.err).toContain('fix: pass --model vgg19');
      expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
      expect(readdirSync(dir)).toEqual([]);
    },
  );

  it('VGG19 weights in folder mode → exit 4 before any image is processed', async () => {
    const dir = tmp();
    const r = spawnCli([
      'extract',
      '--weights',
      await tinyWeights('vgg19', 'packed'),
      '--images',
      join(import.meta.dirname, '../../assets'),
      '--out',
      join(dir, 'out'),
    ]);
    expect(r.code).toBe(4);
    expect(r.err).toContain('[E_WEIGHTS_MODEL]');
    expect(r.err).not.toContain('%'); // no progress bar: no image was started
    expect(readdirSync(dir)).toEqual([]);
  });

  it('--backend and --threads are checked: unknown backend or zero threads → exit 2', () => {
    const b = spawnCli(['extract', '--backend', 'cuda']);
    expect(b.code).toBe(2);
    expect(b.err).toContain("--backend must be one of simd, tfjs-wasm, reference, got 'cuda'");
    expect(spawnCli(['extract', '--threads', '0']).code).toBe(2);
  });

  it('bad option values → exit 2', () => {
    expect(spawnCli(['extract', '--size', 'big']).code).toBe(2);
    expect(spawnCli(['extract', '--frobnicate']).err).toMatch(
      /extract: Unknown option '--frobnicate'; see 'npx vggscope extract --help'/,
    );
    expect(spawnCli(['nope']).code).toBe(2);
  });

  it('--help → exit 0 with usage and examples', () => {
    const r = spawnCli(['extract', '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Examples:');
    expect(r.out).toContain('Exit codes: 0 ok');
  });
});

describe('cli load_img options reach the loader (single image and folder mode)', () => {
  it('--interpolation bilinear --keep-aspect-ratio: the features equal the library run on the same loaded input', async () => {
    const { loadInput } = await import('@vggscope/image');
    const { loadVgg } = await import('@vggscope/kernels');
    const image = join(import.meta.dirname, '../../assets/chelsea.png');
    const opts = { interpolation: 'bilinear', keepAspectRatio: true } as const;
    const vgg = await loadVgg({ model: 'tiny-vgg16', weights, layers: ['block2_pool'], inputSize: [48, 64] });
    const [expected] = await vgg.extract(await loadInput(image, [48, 64], opts));
    const [nearest] = await vgg.extract(await loadInput(image, [48, 64]));
    await vgg.close();
    const single = tmp();
    const r = await runCaptured([
      'extract',
      ...TINY,
      '--weights',
      weights,
      '--image',
      image,
      '--size',
      '48x64',
      '--layer',
      'block2_pool',
      '--interpolation',
      'bilinear',
      '--keep-aspect-ratio',
      '--out',
      single,
    ]);
    expect(r.code).toBe(0);
    const got = decodeNpy(readFileSync(join(single, 'chelsea', 'block2_pool.npy')));
    expect([...got.data]).toEqual([...expected!.data]);
    expect([...got.data]).not.toEqual([...nearest!.data]); // the option changed something
    const folder = tmp();
    const dir = tmp();
    writeFileSync(join(dir, 'cat.png'), readFileSync(image));
    const f = await runCaptured([
      'extract',
      ...TINY,
      '--weights',
      weights,
      '--images',
      dir,
      '--size',
      '48x64',
      '--layer',
      'block2_pool',
      '--interpolation',
      'bilinear',
      '--keep-aspect-ratio',
      '--workers',
      '1',
      '--out',
      folder,
    ]);
    expect(f.code).toBe(0);
    expect([...decodeNpy(readFileSync(join(folder, 'cat', 'block2_pool.npy'))).data]).toEqual([...expected!.data]);
  });

  it('a bad --interpolation → exit 2 before any weights are looked for', () => {
    const r = spawnCli(['extract', '--interpolation', 'sinc', '--offline']);
    expect(r.code).toBe(2);
    expect(r.err).toContain(
      "--interpolation must be one of nearest, bilinear, bicubic, lanczos, box, hamming, got 'sinc'",
    );
  });
});
