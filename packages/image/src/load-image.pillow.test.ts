import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { FIXTURES, fixture, skipNote } from '@vggscope/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImage } from './decode-image.js';
import { INTERPOLATIONS, loadImg, type LoadImageOptions } from './load-image.js';

// Cases generated at test time and proven against Pillow itself (testdata/pillow_oracle.py makes
// each file with Pillow and replicates keras.utils.load_img line for line). Skipped, saying why,
// where Debian's python3-pil is not installed.
const PYTHON = '/usr/bin/python3';
const hasPillow = spawnSync(PYTHON, ['-c', 'import PIL, numpy'], { stdio: 'ignore' }).status === 0;
const why = skipNote(
  !hasPillow,
  'Debian python3-pil/python3-numpy not installed (apt-get install python3-pil python3-numpy)',
);

type Source = string | { w: number; h: number; seed?: number };
interface ImageSpec {
  name: string;
  from: Source;
  mode?: string;
  colors?: number;
  save?: Record<string, unknown>;
  restart?: string;
  cut?: number;
  append?: number[];
  rle?: 4 | 8;
  cjpeg?: string[];
  exifOrientation?: number;
}
const photo = (w: number, h: number, seed = 1): Source => ({ w, h, seed });

const IMAGES: ImageSpec[] = [
  // JPEG: chroma subsampling × quality × odd sizes; progressive, optimised, gray, CMYK, restart markers.
  { name: 'q100_444_37x23.jpg', from: photo(37, 23), save: { quality: 100, subsampling: 0 } },
  { name: 'q50_420_101x67.jpg', from: photo(101, 67, 2), save: { quality: 50, subsampling: 2 } },
  { name: 'q75_422_33x65.jpg', from: photo(33, 65, 3), save: { quality: 75, subsampling: 1 } },
  { name: 'q100_420_1x1.jpg', from: photo(1, 1, 4), save: { quality: 100, subsampling: 2 } },
  { name: 'q90_420_17x9.jpg', from: photo(17, 9, 5), save: { quality: 90, subsampling: 2 } },
  { name: 'q50_420_640x427.jpg', from: photo(640, 427, 6), save: { quality: 50, subsampling: 2 } },
  {
    name: 'q85_420_progressive_77x51.jpg',
    from: photo(77, 51, 7),
    save: { quality: 85, subsampling: 2, progressive: true },
  },
  {
    name: 'q80_420_optimized_59x44.jpg',
    from: photo(59, 44, 8),
    save: { quality: 80, subsampling: 2, optimize: true },
  },
  { name: 'q50_gray_41x29.jpg', from: photo(41, 29, 9), mode: 'L', save: { quality: 50 } },
  { name: 'q90_cmyk_45x31.jpg', from: photo(45, 31, 10), mode: 'CMYK', save: { quality: 90 } },
  { name: 'q75_420_restart1_83x57.jpg', from: photo(83, 57, 11), save: { quality: 75, subsampling: 2 }, restart: '1B' },
  { name: 'q95_444_restart3_70x50.jpg', from: photo(70, 50, 12), save: { quality: 95, subsampling: 0 }, restart: '3' },
  // Written by libjpeg-turbo's cjpeg (skipped, saying so, without libjpeg-turbo-progs): RGB colour space,
  // arithmetic coding, 4:1:1; and EXIF orientation, which load_img ignores (so do we).
  { name: 'cjpeg_rgb_39x27.jpg', from: photo(39, 27, 44), cjpeg: ['-rgb', '-quality', '90'] },
  { name: 'cjpeg_411_51x29.jpg', from: photo(51, 29, 46), cjpeg: ['-sample', '4x1', '-quality', '80'] },
  { name: 'cjpeg_progressive_gray_33x21.jpg', from: photo(33, 21, 47), cjpeg: ['-grayscale', '-progressive'] },
  { name: 'exif_rotate90_40x24.jpg', from: photo(40, 24, 48), exifOrientation: 6, save: { quality: 85 } },
  // Damaged JPEGs: Pillow refuses a file that ends early (missing EOI included) and ignores
  // anything after EOI.
  { name: 'cut_half.jpg', from: photo(64, 48, 40), save: { quality: 80 }, cut: 1200 },
  { name: 'cut_no_eoi.jpg', from: photo(64, 48, 41), save: { quality: 80 }, cut: -2 },
  { name: 'cut_progressive.jpg', from: photo(64, 48, 42), save: { quality: 80, progressive: true }, cut: -300 },
  { name: 'trailing_garbage.jpg', from: photo(64, 48, 43), save: { quality: 80 }, append: [1, 2, 3, 0xff, 0xd8, 9, 9] },
  // PNG kinds Pillow opens in other modes.
  { name: 'palette_63x41.png', from: photo(63, 41, 13), mode: 'P', colors: 77 },
  { name: 'la_30x20.png', from: photo(30, 20, 14), mode: 'LA' },
  { name: 'bilevel_35x19.png', from: photo(35, 19, 15), mode: '1' },
  { name: 'rgba_30x21.png', from: photo(30, 21, 16), mode: 'RGBA' },
  // BMP, GIF, WebP, TIFF as Pillow writes them.
  { name: 'rgb_31x17.bmp', from: photo(31, 17, 17) },
  { name: 'palette_29x13.bmp', from: photo(29, 13, 18), mode: 'P', colors: 50 },
  { name: 'gray_27x11.bmp', from: photo(27, 11, 19), mode: 'L' },
  { name: 'bilevel_33x15.bmp', from: photo(33, 15, 20), mode: '1' },
  { name: 'rgba_23x13.bmp', from: photo(23, 13, 21), mode: 'RGBA' },
  { name: 'rle8_45x21.bmp', from: photo(45, 21, 34), rle: 8 },
  { name: 'rle4_37x19.bmp', from: photo(37, 19, 35), rle: 4 },
  { name: 'palette_47x31.gif', from: photo(47, 31, 22), mode: 'P', colors: 100 },
  { name: 'transparent_40x30.gif', from: photo(40, 30, 23), mode: 'P', colors: 20, save: { transparency: 3 } },
  { name: 'gray_26x19.gif', from: photo(26, 19, 24), mode: 'L' },
  { name: 'lossy_q50_61x39.webp', from: photo(61, 39, 25), save: { quality: 50 } },
  { name: 'lossless_37x29.webp', from: photo(37, 29, 26), save: { lossless: true } },
  { name: 'alpha_lossy_41x27.webp', from: photo(41, 27, 27), mode: 'RGBA', save: { quality: 80 } },
  { name: 'raw_35x23.tif', from: photo(35, 23, 28) },
  { name: 'lzw_43x21.tif', from: photo(43, 21, 29), save: { compression: 'tiff_lzw' } },
  { name: 'deflate_39x25.tif', from: photo(39, 25, 30), save: { compression: 'tiff_adobe_deflate' } },
  { name: 'gray_lzw_33x17.tif', from: photo(33, 17, 31), mode: 'L', save: { compression: 'tiff_lzw' } },
  { name: 'palette_31x15.tif', from: photo(31, 15, 32), mode: 'P', colors: 60 },
  { name: 'rgba_27x19.tif', from: photo(27, 19, 33), mode: 'RGBA', save: { compression: 'tiff_deflate' } },
];

// Every load_img option at up- and down-scaling, squash and keep_aspect_ratio, rgb and grayscale.
// The real photos (when ../shared/fixtures exists) guard against a lucky synthetic pattern.
const SOURCES = ['q50_420_640x427.jpg', 'q50_420_101x67.jpg', 'palette_63x41.png'];
const FIXTURE_SOURCES = FIXTURES
  ? ['chelsea_420.jpg', 'astronaut_cmyk.jpg', 'logo.gif'].map((n) => fixture('images', n))
  : [];
const TARGETS: [number, number][] = [
  [224, 224],
  [61, 97],
  [300, 150],
];
const LOADS: (LoadImageOptions & { image: string })[] = [...SOURCES, ...FIXTURE_SOURCES].flatMap((image) =>
  (isAbsolute(image) ? TARGETS.slice(0, 1) : TARGETS).flatMap((targetSize) =>
    INTERPOLATIONS.flatMap((interpolation) =>
      [false, true].flatMap((keepAspectRatio) =>
        (['rgb', 'grayscale'] as const).map((colorMode) => ({
          image,
          targetSize,
          interpolation,
          keepAspectRatio,
          colorMode,
        })),
      ),
    ),
  ),
);

interface OracleResult {
  pillow: string;
  images: Record<string, { mode: string; size: [number, number]; rgb_md5: string; error?: string } | null>;
  loads: { md5: string; size: [number, number]; mode: string }[];
}

const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');

describe.skipIf(!hasPillow)(`generated images against Pillow at test time${why}`, () => {
  let dir = '';
  let oracle: OracleResult;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'vggscope-pillow-'));
    const input = JSON.stringify({ dir, images: IMAGES, loads: LOADS });
    const res = spawnSync(PYTHON, [join(import.meta.dirname, 'testdata', 'pillow_oracle.py')], {
      input,
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    if (res.status !== 0) throw new Error(`pillow_oracle.py failed: ${res.stderr}`);
    oracle = JSON.parse(res.stdout) as OracleResult;
  }, 60_000);
  it('arithmetic-coded JPEG: Pillow decodes it, we refuse it by name (known gap)', () => {
    const name = 'cjpeg_arithmetic_45x33.jpg';
    const res = spawnSync(PYTHON, [join(import.meta.dirname, 'testdata', 'pillow_oracle.py')], {
      input: JSON.stringify({
        dir,
        images: [{ name, from: photo(45, 33, 45), cjpeg: ['-arithmetic', '-quality', '85'] }],
        loads: [],
      }),
      encoding: 'utf8',
    });
    const ref = (JSON.parse(res.stdout) as OracleResult).images[name];
    if (!ref) return void console.warn(`${name}: skipped (cjpeg not installed; apt-get install libjpeg-turbo-progs)`);
    expect(ref.rgb_md5).toMatch(/^[0-9a-f]{32}$/);
    expect(() => decodeImage(readFileSync(join(dir, name)), name)).toThrow(
      /arithmetic-coded JPEG \(SOF9\) is not supported/,
    );
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.each(IMAGES.map((s) => [s.name, s] as const))('%s decodes to Pillow\'s convert("RGB") bit for bit', (name) => {
    const ref = oracle.images[name];
    if (ref === null)
      return void console.warn(`${name}: skipped (jpegtran/cjpeg not installed; apt-get install libjpeg-turbo-progs)`);
    const bytes = readFileSync(join(dir, name));
    if (ref!.error)
      return void expect(() => decodeImage(bytes, name), `Pillow: ${ref!.error}`).toThrow(
        expect.objectContaining({ code: 'E_IMAGE_DECODE' }),
      );
    const img = decodeImage(bytes, name);
    expect([img.width, img.height]).toEqual(ref!.size);
    expect(md5(img.data)).toBe(ref!.rgb_md5);
  });

  it(`load_img: ${LOADS.length} option combinations (every interpolation, up/down, squash/crop, rgb/grayscale) equal Pillow`, async () => {
    const wrong: string[] = [];
    for (const [i, { image, ...opts }] of LOADS.entries()) {
      const img = await loadImg(isAbsolute(image) ? image : join(dir, image), opts);
      const ref = oracle.loads[i]!;
      const ok =
        md5(img.data) === ref.md5 &&
        img.width === ref.size[0] &&
        img.height === ref.size[1] &&
        img.channels === (ref.mode === 'L' ? 1 : 3);
      if (!ok) wrong.push(`${image} ${JSON.stringify(opts)}`);
    }
    expect(wrong).toEqual([]);
  }, 60_000);
});
