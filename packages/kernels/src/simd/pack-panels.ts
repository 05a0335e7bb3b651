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
