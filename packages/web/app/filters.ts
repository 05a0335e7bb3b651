/**
 * block1_conv1's filters as RGB tiles (the Keras tutorial's picture): each 3×3×3 kernel scaled to
 * its own min..max, 8 per row, 12 px a weight.
 */
export function drawFilters(canvas: HTMLCanvasElement, kernel: Float32Array, shape: readonly number[]): void {
  const [kh, kw, cin, cout] = shape as [number, number, number, number];
  if (!cout || cin !== 3) return;
  const px = 12;
  const gap = 3;
  const cols = 8;
  const rows = Math.ceil(cout / cols);
  canvas.width = cols * (kw * px + gap) - gap;
  canvas.height = rows * (kh * px + gap) - gap;
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  for (let o = 0; o < cout; o++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = o; i < kernel.length; i += cout) {
      lo = Math.min(lo, kernel[i]!);
      hi = Math.max(hi, kernel[i]!);
    }
    const span = hi > lo ? hi - lo : 1;
    const x0 = (o % cols) * (kw * px + gap);
    const y0 = Math.floor(o / cols) * (kh * px + gap);
    for (let y = 0; y < kh; y++)
      for (let x = 0; x < kw; x++) {
        const at = (c: number) => kernel[((y * kw + x) * cin + c) * cout + o]!;
        const [r, g, b] = [0, 1, 2].map((c) => Math.round(((at(c) - lo) / span) * 255));
        ctx.fillStyle = `rgb(${r},${g},${b})`;
        ctx.fillRect(x0 + x * px, y0 + y * px, px, px);
      }
  }
}
