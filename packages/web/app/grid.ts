/** An 8×8 (or smaller) grid of a layer's first channels, each scaled to its own min..max, on a canvas. */
export function drawGrid(canvas: HTMLCanvasElement, data: Float32Array, shape: readonly number[], cells = 64): void {
  const [, h, w, c] = shape as [number, number, number, number];
  const n = Math.min(cells, c);
  const cols = Math.ceil(Math.sqrt(n));
  const rows = Math.ceil(n / cols);
  const scale = Math.max(1, Math.floor(96 / Math.max(h, w)));
  const gap = 2;
  canvas.width = cols * (w * scale + gap) - gap;
  canvas.height = rows * (h * scale + gap) - gap;
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  for (let k = 0; k < n; k++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = k; i < data.length; i += c) {
      const v = data[i]!;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const span = hi > lo ? hi - lo : 1;
    const img = ctx.createImageData(w, h);
    for (let p = 0; p < h * w; p++) {
      const t = (data[p * c + k]! - lo) / span;
      const [r, g, b] = viridis(t);
      img.data.set([r, g, b, 255], p * 4);
    }
    const x = (k % cols) * (w * scale + gap);
    const y = Math.floor(k / cols) * (h * scale + gap);
    const tile = new OffscreenCanvas(w, h);
    tile.getContext('2d')!.putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(tile, x, y, w * scale, h * scale);
  }
}

// Five stops of matplotlib's viridis, interpolated: dark blue (low) → yellow (high).
const STOPS = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
];
function viridis(t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, t)) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(x));
  const f = x - i;
  const a = STOPS[i]!;
  const b = STOPS[i + 1]!;
  return [a[0]! + (b[0]! - a[0]!) * f, a[1]! + (b[1]! - a[1]!) * f, a[2]! + (b[2]! - a[2]!) * f];
}
