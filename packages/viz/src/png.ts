import { writeFileAtomic } from '@vggscope/io';
import { Jimp, loadFont, measureText, measureTextHeight } from 'jimp';
import { SANS_16_WHITE, SANS_32_WHITE, SANS_64_WHITE } from 'jimp/fonts';
import { createImage, type RgbaImage } from './canvas.js';
import type { Colormap } from './colormap.js';

const PAD = 6;
const TITLE_BG = 0x1e1e28ff;
const BAR_WIDTH = 18;

/** A label at a pixel position of the image (a column's or a row's centre). */
export interface Tick {
  readonly at: number;
  readonly text: string;
}

export interface PngOptions {
  /** A title bar above the figure; its font grows with the figure's width (16, 32 or 64 px). */
  title?: string;
  /** A colour bar right of the image: the colormap from `low` (bottom) to `high` (top). */
  colorbar?: { readonly colormap: Colormap; readonly low: string; readonly high: string };
  /** Labels left of the rows and above the columns (e.g. the filter grid's B, G, R and filter numbers). */
  axes?: { readonly columns?: readonly Tick[]; readonly rows?: readonly Tick[] };
  /** Store as 8-bit grayscale (PNG colour type 0): for gray figures, a quarter of the RGBA bytes before compression. */
  grayscale?: boolean;
}

export interface EncodedPng {
  readonly bytes: Buffer;
  /** The file's size in pixels, title bar, labels and colour bar included. */
  readonly width: number;
  readonly height: number;
}

type Font = Awaited<ReturnType<typeof loadFont>>;
const fonts = new Map<string, Promise<Font>>();
const font = (path: string) => {
  if (!fonts.has(path)) fonts.set(path, loadFont(path));
  return fonts.get(path)!;
};

/** The title font for a figure of this width: a 1810-px grid gets 64-px text, an 800-px one 16-px. */
export function titleFontSize(width: number): 16 | 32 | 64 {
  return width < 800 ? 16 : width < 1600 ? 32 : 64;
}

/**
 * PNG of an image with optional title bar, axis labels and colour bar. The title wraps to the
 * figure's width; when even one word is wider, the canvas widens and the figure is centred, so
 * nothing is clipped.
 */
export async function renderPng(img: RgbaImage, options: PngOptions = {}): Promise<EncodedPng> {
  const plain = !options.title && !options.colorbar && !options.axes;
  const bitmap = (i: RgbaImage) =>
    Jimp.fromBitmap({
      width: i.width,
      height: i.height,
      data: Buffer.from(i.data.buffer, i.data.byteOffset, i.data.byteLength),
    });
  const encode = async (j: ReturnType<typeof bitmap>) => ({
    // Every figure is opaque: RGB (or gray) without an alpha channel.
    bytes: await j.getBuffer('image/png', { colorType: options.grayscale ? 0 : 2 }),
    width: j.bitmap.width,
    height: j.bitmap.height,
  });
  if (plain) return encode(bitmap(img));

  const small = await font(SANS_16_WHITE);
  const rows = options.axes?.rows ?? [];
  const columns = options.axes?.columns ?? [];
  const left = rows.length ? Math.max(...rows.map((t) => measureText(small, t.text))) + 2 * PAD : 0;
  const top = columns.length ? measureTextHeight(small, 'Bg', 100) + PAD : 0;
  const bar = options.colorbar;
  const right = bar
    ? PAD + BAR_WIDTH + PAD + Math.max(measureText(small, bar.low), measureText(small, bar.high)) + PAD
    : 0;
  const bodyWidth = left + img.width + right;

  let titleHeight = 0;
  let titleFont: Font | undefined;
  let width = bodyWidth;
  if (options.title) {
    const size = titleFontSize(bodyWidth);
    titleFont = await font(size === 16 ? SANS_16_WHITE : size === 32 ? SANS_32_WHITE : SANS_64_WHITE);
    const widestWord = Math.max(...options.title.split(/\s+/).map((w) => measureText(titleFont!, w)));
    width = Math.max(bodyWidth, widestWord + 2 * PAD);
    titleHeight = measureTextHeight(titleFont, options.title, width - 2 * PAD) + 2 * PAD;
  }
  const out = new Jimp({ width, height: titleHeight + top + img.height, color: TITLE_BG });
  if (titleFont) out.print({ font: titleFont, x: PAD, y: PAD, text: options.title!, maxWidth: width - 2 * PAD });
  const x0 = Math.floor((width - bodyWidth) / 2) + left;
  const y0 = titleHeight + top;
  out.composite(bitmap(img), x0, y0);
  const lineHeight = measureTextHeight(small, 'Bg', 100);
  for (const t of columns)
    out.print({ font: small, x: x0 + Math.round(t.at - measureText(small, t.text) / 2), y: titleHeight, text: t.text });
  for (const t of rows)
    out.print({
      font: small,
      x: x0 - PAD - measureText(small, t.text),
      y: y0 + Math.round(t.at - lineHeight / 2),
      text: t.text,
    });
  if (bar) {
    const strip = createImage(BAR_WIDTH, img.height, [0, 0, 0]);
    for (let y = 0; y < img.height; y++) {
      const [r, g, b] = bar.colormap(img.height > 1 ? 1 - y / (img.height - 1) : 1);
      for (let x = 0; x < BAR_WIDTH; x++) strip.data.set([r, g, b, 255], (y * BAR_WIDTH + x) * 4);
    }
    const bx = x0 + img.width + PAD;
    out.composite(bitmap(strip), bx, y0);
    out.print({ font: small, x: bx + BAR_WIDTH + PAD, y: y0, text: bar.high });
    out.print({ font: small, x: bx + BAR_WIDTH + PAD, y: y0 + img.height - lineHeight, text: bar.low });
  }
  return encode(out);
}

/** PNG bytes of an image (see `renderPng` for the options). */
export async function encodePng(img: RgbaImage, options: PngOptions = {}): Promise<Buffer> {
  return (await renderPng(img, options)).bytes;
}

/** Writes the PNG atomically (temp file + rename): a crash never leaves half a picture. Returns the file's size in pixels. */
export async function writePng(
  path: string,
  img: RgbaImage,
  options: PngOptions = {},
): Promise<{ width: number; height: number; bytes: number }> {
  const png = await renderPng(img, options);
  await writeFileAtomic(path, png.bytes);
  return { width: png.width, height: png.height, bytes: png.bytes.length };
}
