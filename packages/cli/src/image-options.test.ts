import { parseArgs } from 'node:util';
import { DEFAULT_MAX_PIXELS } from '@vggscope/image';
import { isVggError } from '@vggscope/core';
import { describe, expect, it } from 'vitest';
import { IMAGE_OPTIONS, IMAGE_OPTIONS_HELP, parseImageOptions } from './image-options.js';

const parse = (args: string[]) => parseImageOptions(parseArgs({ args, options: IMAGE_OPTIONS, strict: true }).values);

describe('image options (--interpolation, --keep-aspect-ratio, --color-mode, --max-pixels)', () => {
  it("defaults are Keras' load_img defaults and Pillow's pixel limit", () => {
    expect(parse([])).toEqual({
      interpolation: 'nearest',
      keepAspectRatio: false,
      colorMode: 'rgb',
      maxPixels: DEFAULT_MAX_PIXELS,
    });
  });

  it('every option parses into loadImg options', () => {
    expect(
      parse([
        '--interpolation',
        'Lanczos',
        '--keep-aspect-ratio',
        '--color-mode',
        'grayscale',
        '--max-pixels',
        '300_000_000',
      ]),
    ).toEqual({
      interpolation: 'lanczos',
      keepAspectRatio: true,
      colorMode: 'grayscale',
      maxPixels: 300_000_000,
    });
    expect(parse(['--max-pixels', '2e8']).maxPixels).toBe(200_000_000);
  });

  it.each([
    [
      ['--interpolation', 'cubic'],
      /--interpolation must be one of nearest, bilinear, bicubic, lanczos, box, hamming, got 'cubic'/,
    ],
    [['--color-mode', 'rgba'], /--color-mode must be one of rgb, grayscale, got 'rgba'/],
    [['--max-pixels=-5'], /--max-pixels must be a positive whole number/],
    [['--max-pixels', 'lots'], /got 'lots'/],
  ])('%j → E_USAGE naming the option and what arrived', (args, msg) => {
    try {
      parse(args);
      expect.unreachable();
    } catch (e) {
      expect(isVggError(e, 'E_USAGE')).toBe(true);
      expect((e as Error).message).toMatch(msg);
    }
  });

  it('the help text names every option', () => {
    for (const name of Object.keys(IMAGE_OPTIONS)) expect(IMAGE_OPTIONS_HELP).toContain(`--${name}`);
  });
});
