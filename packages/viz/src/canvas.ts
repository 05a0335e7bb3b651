/** An RGBA image in memory; what every renderer returns (no jimp, no I/O). */
export interface RgbaImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8ClampedArray;
}

export type Rgb = readonly [number, number, number];

export function createImage(width: number, height: number, background: Rgb): RgbaImage {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let p = 0; p < width * height; p++) data.set([background[0], background[1], background[2], 255], p * 4);
  return { width, height, data };
}

/**
 * Draws a `cols × rows` source grid at (x0, y0), each source pixel as a `scale × scale` block
 * (nearest-neighbour upscaling: kernels and maps stay crisp, nothing is invented between pixels).
 */
export function blitScaled(
  img: RgbaImage,
  x0: number,
  y0: number,
  cols: number,
  rows: number,
  scale: number,
  colorAt: (x: number, y: number) => Rgb,
): void {
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < cols; x++) {
      const [r, g, b] = colorAt(x, y);
      for (let dy = 0; dy < scale; dy++) {
        let o = ((y0 + y * scale + dy) * img.width + x0 + x * scale) * 4;
        for (let dx = 0; dx < scale; dx++, o += 4) {
          img.data[o] = r;
          img.data[o + 1] = g;
          img.data[o + 2] = b;
          img.data[o + 3] = 255;
        }
      }
    }
  }
}

/** Size of a grid of `cols × rows` cells of `cellW × cellH` px, `gutter` px between and around them. */
export function gridSize(
  cols: number,
  rows: number,
  cellW: number,
  cellH: number,
  gutter: number,
): { width: number; height: number } {
  return { width: cols * cellW + (cols + 1) * gutter, height: rows * cellH + (rows + 1) * gutter };
}

/** Top-left pixel of cell (col, row). */
export function cellOrigin(col: number, row: number, cellW: number, cellH: number, gutter: number): [number, number] {
  return [gutter + col * (cellW + gutter), gutter + row * (cellH + gutter)];
}
