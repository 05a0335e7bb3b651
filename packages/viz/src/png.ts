import { writeFileAtomic } from '@vggscope/core';
import { Jimp, loadFont, measureText, measureTextHeight } from 'jimp';
import { SANS_16_WHITE } from 'jimp/fonts';
import type { RgbaImage } from './canvas.js';

const PAD = 6;
const TITLE_BG = 0x1e1e28ff;

/**
 * PNG bytes of an image, with an optional title bar above it. The title wraps to the image width;
 * when even one word is wider than the image, the canvas widens and the grid is centred, so the
 * title is never clipped.
 */
export async function encodePng(img: RgbaImage, options: { title?: string } = {}): Promise<Buffer> {
  const grid = Jimp.fromBitmap({ width: img.width, height: img.height, data: Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength) });
  if (!options.title) return grid.getBuffer('image/png');
  const font = await loadFont(SANS_16_WHITE);
  const widestWord = Math.max(...options.title.split(/\s+/).map((w) => measureText(font, w)));
  const width = Math.max(img.width, widestWord + 2 * PAD);
  const textHeight = measureTextHeight(font, options.title, width - 2 * PAD);
  const barHeight = textHeight + 2 * PAD;
  const out = new Jimp({ width, height: img.height + barHeight, color: TITLE_BG });
  out.print({ font, x: PAD, y: PAD, text: options.title, maxWidth: width - 2 * PAD });
  out.composite(grid, Math.floor((width - img.width) / 2), barHeight);
  return out.getBuffer('image/png');
}

/** Writes the PNG atomically (temp file + rename): a crash never leaves half a picture. */
export async function writePng(path: string, img: RgbaImage, options: { title?: string } = {}): Promise<void> {
  await writeFileAtomic(path, await encodePng(img, options));
}
