import { rgbToLuma } from './grayscale.js';
import type { RgbRowSink } from './image-rows.js';
import {
  FILTERS,
  horizontalPass,
  precomputeCoeffs,
  verticalPass,
  type Box,
  type PixelBuffer,
  type ResampleFilter,
} from './resample.js';
import { nearestIndices } from './resize-nearest.js';

/** What `load_img` does to the decoded rows: convert to L or not, then resize (or keep the size). */
export interface RowPlan {
  readonly channels: 1 | 3;
  /** `[width, height]`, or undefined to keep the decoded size. */
  readonly target?: readonly [number, number];
  readonly filter: ResampleFilter | 'nearest';
  /** The crop box for the decoded size (Keras' keep_aspect_ratio), or undefined for the whole image. */
  readonly box?: (width: number, height: number) => Box | undefined;
}

/**
 * A row sink that converts and resizes as the rows arrive, keeping only what the resize reads:
 * nearest keeps the rows it samples, the convolution filters run Pillow's horizontal pass on each
 * row in the vertical pass's reach and keep that (output width × those rows). The result equals
 * converting and resizing the whole image (`resizeNearest` / `resample`), bit for bit.
 */
export class ResizeRows implements RgbRowSink {
  private impl: RgbRowSink & { result(): PixelBuffer } = undefined!;

  constructor(private readonly plan: RowPlan) {}

  pillowMode(mode: 'LAB'): void {
    // Keras' grayscale load is `img.convert('L')`; Pillow 9.4 has no LAB → L (nor LAB → RGB) converter there.
    if (this.plan.channels === 1)
      throw new Error(
        `Pillow cannot convert this ${mode} image to L ("conversion from LAB to RGB not supported"), so Keras' ` +
          `load_img(color_mode='grayscale') fails on it; load it with colorMode 'rgb'`,
      );
  }

  start(width: number, height: number): void {
    const { target, channels, filter } = this.plan;
    const box = this.plan.box?.(width, height) ?? ([0, 0, width, height] as const);
    // Keras resizes only when the size differs (`if img.size != width_height_tuple`), crop or not.
    if (!target || (target[0] === width && target[1] === height)) this.impl = new KeepRows(width, height, channels);
    else if (filter === 'nearest') this.impl = new NearestRows(width, height, channels, target, box);
    else this.impl = new FilterRows(width, height, channels, target, box, filter);
  }

  row(y: number, rgb: Uint8Array): void {
    this.impl.row(y, this.plan.channels === 1 ? rgbToLuma({ width: rgb.length / 3, height: 1, data: rgb }) : rgb);
  }

  result(): PixelBuffer {
    return this.impl.result();
  }
}

/** No resize: every row kept (the buffer made when the first row arrives, as in `CollectRows`). */
class KeepRows {
  private data = new Uint8Array(0);
  constructor(
    private readonly width: number,
    private readonly height: number,
    private readonly channels: 1 | 3,
  ) {}
  start(): void {}
  row(y: number, px: Uint8Array): void {
    if (this.data.length === 0) this.data = new Uint8Array(this.width * this.height * this.channels);
    this.data.set(px.subarray(0, this.width * this.channels), y * this.width * this.channels);
  }
  result(): PixelBuffer {
    return { width: this.width, height: this.height, channels: this.channels, data: this.data };
  }
}

/** Pillow's NEAREST: each output row copies the source row it samples, picked as `resizeNearest` picks it. */
class NearestRows {
  private readonly xs: Int32Array;
  private readonly ys: Int32Array;
  private readonly out: Uint8Array;
  private next = 0;
  constructor(
    width: number,
    height: number,
    private readonly channels: 1 | 3,
    private readonly target: readonly [number, number],
    box: Box,
  ) {
    this.xs = nearestIndices(width, target[0], box[0], box[2]);
    this.ys = nearestIndices(height, target[1], box[1], box[3]);
    this.out = new Uint8Array(target[0] * target[1] * channels);
  }
  start(): void {}
  row(y: number, px: Uint8Array): void {
    const [ch, w] = [this.channels, this.target[0]];
    for (; this.next < this.ys.length && this.ys[this.next] === y; this.next++) {
      let q = this.next * w * ch;
      for (let x = 0; x < w; x++) {
        const p = this.xs[x]! * ch;
        for (let c = 0; c < ch; c++) this.out[q++] = px[p + c]!;
      }
    }
  }
  result(): PixelBuffer {
    return { width: this.target[0], height: this.target[1], channels: this.channels, data: this.out };
  }
}

/** Pillow's convolution resize: the horizontal pass per row as it arrives, the vertical pass at the end. */
class FilterRows {
  private readonly horiz;
  private readonly vert;
  private readonly needH: boolean;
  private readonly needV: boolean;
  private readonly first: number;
  private readonly rows: number;
  private readonly kept: Uint8Array;
  private readonly keptWidth: number;
  constructor(
    private readonly width: number,
    height: number,
    private readonly channels: 1 | 3,
    private readonly target: readonly [number, number],
    box: Box,
    filter: ResampleFilter,
  ) {
    const [outW, outH] = target;
    const f = FILTERS[filter];
    // The same decisions, coefficients and row range as `resample`.
    this.needH = outW !== width || box[0] !== 0 || box[2] !== outW;
    this.needV = outH !== height || box[1] !== 0 || box[3] !== outH;
    this.horiz = precomputeCoeffs(width, box[0], box[2], outW, f);
    this.vert = precomputeCoeffs(height, box[1], box[3], outH, f);
    this.first = this.vert.bounds[0]!;
    const last = this.vert.bounds[(outH - 1) * 2]! + this.vert.bounds[(outH - 1) * 2 + 1]!;
    [this.first, this.rows] = this.needH ? [this.first, last - this.first] : [0, height];
    this.keptWidth = this.needH ? outW : width;
    this.kept = new Uint8Array(this.keptWidth * this.rows * channels);
  }
  start(): void {}
  row(y: number, px: Uint8Array): void {
    if (y < this.first || y >= this.first + this.rows) return;
    const ch = this.channels;
    const line = this.needH
      ? horizontalPass({ width: this.width, height: 1, channels: ch, data: px }, this.target[0], 0, 1, this.horiz).data
      : px.subarray(0, this.width * ch);
    this.kept.set(line, (y - this.first) * this.keptWidth * ch);
  }
  result(): PixelBuffer {
    const cur: PixelBuffer = { width: this.keptWidth, height: this.rows, channels: this.channels, data: this.kept };
    return this.needV ? verticalPass(cur, this.target[1], this.first, this.vert) : cur;
  }
}
