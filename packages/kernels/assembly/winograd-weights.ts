import { WINOGRAD_WEIGHTS_DST, WINOGRAD_WEIGHTS_K_PAD, WINOGRAD_WEIGHTS_N_PAD, WINOGRAD_WEIGHTS_PER_JOB, WINOGRAD_WEIGHTS_SRC } from './abi.generated';
import { arg, argPtr } from './common';

/**
 * G·(x0, x1, x2) for the six rows of G of F(4×4,3×3): [1/4 0 0], [-1/6 -1/6 -1/6],
 * [-1/6 1/6 -1/6], [1/24 1/12 1/6], [1/24 -1/12 1/6], [0 0 1]; written to dst + r·dstStride.
 */
// @ts-ignore: decorator
@inline function g6(x0: v128, x1: v128, x2: v128, dst: usize, dstStride: usize): void {
  const s = f32x4.add(x0, x2);
  const a = f32x4.mul(x0, f32x4.splat(<f32>(1.0 / 24.0)));
  const b = f32x4.mul(x1, f32x4.splat(<f32>(1.0 / 12.0)));
  const c = f32x4.mul(x2, f32x4.splat(<f32>(1.0 / 6.0)));
  const sixth = f32x4.splat(<f32>(-1.0 / 6.0));
  v128.store(dst, f32x4.mul(x0, f32x4.splat(0.25)));
  v128.store(dst + dstStride, f32x4.mul(f32x4.add(s, x1), sixth));
  v128.store(dst + (dstStride << 1), f32x4.mul(f32x4.sub(s, x1), sixth));
  v128.store(dst + dstStride * 3, f32x4.add(f32x4.add(a, b), c));
  v128.store(dst + (dstStride << 2), f32x4.add(f32x4.sub(a, b), c));
  v128.store(dst + dstStride * 5, x2);
}

/**
 * One job of the Winograd weight transform U = G·g·Gᵀ: input channels [j·perJob, …) of a 3×3 kernel stored
 * HWIO with both channel axes zero-padded ([3][3][kPad][nPad]), four output channels per
 * vector, into the GEMM's packed layout U[p][n/8][k][n%8], p = 6·row + column.
 * Args (WINOGRAD_WEIGHTS_*): src, kPad, nPad, dst, perJob (input channels per job). Scratch: 18·16 bytes.
 */
export function winogradWeightsJob(ctrl: usize, j: i32, scratch: usize): void {
  const src = argPtr(ctrl, WINOGRAD_WEIGHTS_SRC);
  const kPad = <usize>arg(ctrl, WINOGRAD_WEIGHTS_K_PAD);
  const nPad = arg(ctrl, WINOGRAD_WEIGHTS_N_PAD);
  const dst = argPtr(ctrl, WINOGRAD_WEIGHTS_DST);
  const perJob = <usize>arg(ctrl, WINOGRAD_WEIGHTS_PER_JOB);
  const c0 = (<usize>j) * perJob;
  const c1 = c0 + perJob < kPad ? c0 + perJob : kPad;
  const tap = (kPad * (<usize>nPad)) << 2; // bytes from one kernel tap to the next
  const perPosition = tap;
  // Output channels outside, input channels inside: for each position the job's stores are
  // consecutive 32-byte slots of U[p][n/8][k][8] (whole cache lines, none shared with another job).
  for (let co = 0; co < nPad; co += 4) {
    for (let ci = c0; ci < c1; ci++) {
      const g = src + ((ci * (<usize>nPad) + (<usize>co)) << 2);
      // Columns: t[i][b] = Σ_a G[i][a]·g[a][b], at scratch + i·48 + b·16.
      for (let b = 0; b < 3; b++) {
        const gb = g + (<usize>b) * tap;
        g6(v128.load(gb), v128.load(gb + tap * 3), v128.load(gb + tap * 6), scratch + ((<usize>b) << 4), 48);
      }
      // Rows: U[i][jj] = Σ_b t[i][b]·G[jj][b], stored at position p = 6·i + jj.
      const out = dst + ((((<usize>(co >> 3)) * kPad * 8) + ci * 8 + (<usize>(co & 7))) << 2);
      for (let i = 0; i < 6; i++) {
        const t = scratch + (<usize>i) * 48;
        g6(v128.load(t), v128.load(t, 16), v128.load(t, 32), out + (<usize>(i * 6)) * perPosition, perPosition);
      }
    }
  }
}
