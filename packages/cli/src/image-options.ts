import type { ParseArgsConfig } from 'node:util';
import {
  COLOR_MODES,
  DEFAULT_MAX_PIXELS,
  INTERPOLATIONS,
  type ColorMode,
  type Interpolation,
  type LoadImageOptions,
} from '@vggscope/image';
import { VggError } from '@vggscope/core';

/**
 * The `load_img` options every command that reads images takes (single image and folder mode).
 * Spread into a command's `parseArgs` table; `parseImageOptions(values)` turns them into the
 * options object of `loadImg`/`loadInput`.
 * @example parseArgs({ args, options: { ...MODEL_OPTIONS, ...IMAGE_OPTIONS } })
 */
export const IMAGE_OPTIONS = {
  interpolation: { type: 'string', default: 'nearest' },
  'keep-aspect-ratio': { type: 'boolean', default: false },
  'color-mode': { type: 'string', default: 'rgb' },
  'max-pixels': { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

/** Lines for a command's --help, in the style of the other option blocks. */
export const IMAGE_OPTIONS_HELP = `Image loading (as keras.utils.load_img, pixel for pixel with Pillow):
  --interpolation NAME   resize filter: ${INTERPOLATIONS.join(', ')} (default nearest, Keras' default)
  --keep-aspect-ratio    centre-crop to the target aspect ratio before resizing (default: squash)
  --color-mode MODE      rgb or grayscale (grey is converted with Pillow's L formula, then replicated to 3 channels for VGG)
  --max-pixels N         refuse larger images (default ${DEFAULT_MAX_PIXELS}, Pillow's decompression-bomb limit)`;

export interface ImageOptionValues {
  interpolation?: string;
  'keep-aspect-ratio'?: boolean;
  'color-mode'?: string;
  'max-pixels'?: string;
}

/** Validates the image options; every error is `E_USAGE` naming the option, the valid values and what arrived. */
export function parseImageOptions(values: ImageOptionValues): Omit<LoadImageOptions, 'targetSize'> {
  const interpolation = (values.interpolation ?? 'nearest').toLowerCase();
  if (!(INTERPOLATIONS as readonly string[]).includes(interpolation)) {
    throw new VggError(
      'E_USAGE',
      `--interpolation must be one of ${INTERPOLATIONS.join(', ')}, got '${values.interpolation}'`,
    );
  }
  const colorMode = (values['color-mode'] ?? 'rgb').toLowerCase();
  if (!(COLOR_MODES as readonly string[]).includes(colorMode)) {
    throw new VggError(
      'E_USAGE',
      `--color-mode must be one of ${COLOR_MODES.join(', ')}, got '${values['color-mode']}'`,
    );
  }
  let maxPixels = DEFAULT_MAX_PIXELS;
  if (values['max-pixels'] !== undefined) {
    const raw = values['max-pixels'].replace(/[_,]/g, '');
    maxPixels = Number(raw);
    if (!/^\d+(e\d+)?$/i.test(raw) || !Number.isSafeInteger(maxPixels) || maxPixels < 1) {
      throw new VggError(
        'E_USAGE',
        `--max-pixels must be a positive whole number of pixels (e.g. 300000000), got '${values['max-pixels']}'`,
      );
    }
  }
  return {
    interpolation: interpolation as Interpolation,
    keepAspectRatio: values['keep-aspect-ratio'] ?? false,
    colorMode: colorMode as ColorMode,
    maxPixels,
  };
}
