/** G of Winograd F(4×4,3×3) (Lavin & Gray): U = G·g·Gᵀ for each 3×3 filter g. */
const G = [
  [1 / 4, 0, 0],
  [-1 / 6, -1 / 6, -1 / 6],
  [-1 / 6, 1 / 6, -1 / 6],
  [1 / 24, 1 / 12, 1 / 6],
  [1 / 24, -1 / 12, 1 / 6],
  [0, 0, 1],
] as const;

/**
 * Transforms an HWIO 3×3 kernel (float64 arithmetic) into 36 GEMM right-hand sides packed for
 * the micro-kernel: `dst[p][n / 8][k][n % 8]`, p = 6·row + column, k < kPad input channels and
 * n < nPad output channels, zeros in the padding. `dst` is a float32 view starting at the buffer.
 */
export function packWinogradWeights(kernel: Float32Array, cin: number, cout: number, kPad: number, nPad: number, dst: Float32Array): void {
  const perPosition = kPad * nPad;
  dst.fill(0, 0, 36 * perPosition);
  const t = new Float64Array(18); // G·g, 6×3
  for (let ci = 0; ci < cin; ci++) {
    for (let co = 0; co < cout; co++) {
      const g = (dy: number, dx: number): number => kernel[((dy * 3 + dx) * cin + ci) * cout + co]!;
      for (let i = 0; i < 6; i++) {
        const gi = G[i]!;
        for (let b = 0; b < 3; b++) t[i * 3 + b] = gi[0] * g(0, b) + gi[1] * g(1, b) + gi[2] * g(2, b);
      }
      const base = (co >> 3) * kPad * 8 + ci * 8 + (co & 7);
      for (let i = 0; i < 6; i++) {
        const t0 = t[i * 3]!;
        const t1 = t[i * 3 + 1]!;
        const t2 = t[i * 3 + 2]!;
        for (let j = 0; j < 6; j++) {
          const gj = G[j]!;
          dst[(i * 6 + j) * perPosition + base] = t0 * gj[0] + t1 * gj[1] + t2 * gj[2];
        }
      }
    }
  }
}

/**
 * Packs a `[K, N]` row-major matrix (HWIO 3×3 kernels flattened to `[9·Cin, Cout]`, dense
 * kernels `[in, out]`) into panels `dst[n / 8][k][n % 8]`, zero columns up to `nPad`.
 */
export function packPanels(src: Float32Array, k: number, n: number, nPad: number, dst: Float32Array): void {
  for (let n0 = 0; n0 < nPad; n0 += 8) {
    const panel = (n0 >> 3) * k * 8;
    const width = Math.min(8, n - n0);
    for (let kk = 0; kk < k; kk++) {
      const at = panel + kk * 8;
      const row = kk * n + n0;
      for (let c = 0; c < width; c++) dst[at + c] = src[row + c]!;
      for (let c = width; c < 8; c++) dst[at + c] = 0;
    }
  }
}
