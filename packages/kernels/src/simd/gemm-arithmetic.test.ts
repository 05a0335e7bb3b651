import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimdBackend, type SimdBackend } from './simd-backend.js';
import { convCase, denseCase } from './testdata/simd-test-data.js';
import type { ConvAlgorithm } from './prepared-layer.js';
import { type KernelArithmetic, relaxedSimdAvailable } from './wasm-module.js';

// Each kernel build's GEMM, step by step against a JavaScript model of its arithmetic: the dense op
// is one GEMM whose every output is acc = 0; acc = a_k·b_k + acc for k = 0…K−1 (in order); acc + bias.
// The fused reference rounds each a·b + c once, exactly (`fusedF32` below, independent of the kernels'
// float64 emulation: it finds the rounding from the exact error term, ties included).

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

/** The float32 next to `f` (a float32 value, finite and non-zero) away from zero (+1) or toward it (−1). */
function stepF32(f: number, direction: 1 | -1): number {
  F32[0] = f;
  U32[0] = U32[0]! + direction;
  return F32[0]!;
}

/** a·b + c rounded once to float32 (a, b, c float32 values): the result of a fused multiply-add. */
function fusedF32(a: number, b: number, c: number): number {
  const p = a * b; // exact: two 24-bit significands fit in float64's 53
  const s = p + c;
  const v = s - p; // TwoSum: s + e === p + c exactly
  const e = p - (s - v) + (c - v);
  const r = Math.fround(s);
  if (e === 0 || r === s || !Number.isFinite(r) || r === 0) return r;
  // s is not a float32; fround(s) is right unless s sits exactly halfway between two floats, where
  // the exact value s + e lies on one side of the halfway point: then take the float on that side.
  const other = stepF32(r, Math.abs(s) > Math.abs(r) ? 1 : -1);
  if (Math.abs(s - r) !== Math.abs(other - s)) return r;
  return Math.sign(e) === Math.sign(other - s) ? other : r;
}

/** a·b rounded to float32, then + c rounded: the mul+add build. */
const mulAddF32 = (a: number, b: number, c: number) => Math.fround(Math.fround(a * b) + c);

function reference(
  step: (a: number, b: number, c: number) => number,
  x: Float32Array,
  kernel: Float32Array,
  bias: Float32Array,
  n: number,
  fin: number,
  fout: number,
): Float32Array {
  const out = new Float32Array(n * fout);
  for (let r = 0; r < n; r++)
    for (let o = 0; o < fout; o++) {
      let acc = 0;
      for (let k = 0; k < fin; k++) acc = step(x[r * fin + k]!, kernel[k * fout + o]!, acc);
      out[r * fout + o] = Math.fround(acc + bias[o]!);
    }
  return out;
}

const builds: { fma: boolean | 'emulated'; arithmetic: KernelArithmetic }[] = [
  { fma: true, arithmetic: 'fma' },
  { fma: 'emulated', arithmetic: 'fma-emulated' },
  { fma: false, arithmetic: 'mul-add' },
];

describe.each(builds)('the $arithmetic build: each GEMM output step by step', ({ fma, arithmetic }) => {
  let backend: SimdBackend;
  beforeAll(async () => {
    if (fma === true && !relaxedSimdAvailable())
      throw new Error('relaxed SIMD unavailable: the FMA build cannot be tested');
    backend = await createSimdBackend({ fma, threads: 2 });
  });
  afterAll(async () => backend?.close());

  it('reports its arithmetic', () => {
    expect(backend.arithmetic).toBe(arithmetic);
    expect(backend.fma).toBe(arithmetic !== 'mul-add');
  });

  for (const [n, fin, fout] of [
    [1, 300, 24],
    [5, 129, 40],
  ] as const) {
    it(`dense x=[${n},${fin}] w=[${fin},${fout}]: the exact bytes of its model, not the other's`, async () => {
      const { layer, weights, x } = denseCase(fin, fout, n, 7 * fin + n);
      const got = (await backend.read(
        await backend.dense(await backend.input(x), await backend.prepareLayer(layer, weights), 'linear'),
      )) as { data: Float32Array };
      const args = [x.data, weights.kernel.data, weights.bias.data, n, fin, fout] as const;
      const fused = reference(fusedF32, ...args);
      const unfused = reference(mulAddF32, ...args);
      const [want, other] = arithmetic === 'mul-add' ? [unfused, fused] : [fused, unfused];
      expect(Buffer.from(got.data.buffer, got.data.byteOffset, got.data.byteLength)).toEqual(Buffer.from(want.buffer));
      // the two models disagree on these inputs, so the comparison above tells the builds apart
      expect(want.filter((v, i) => v !== other[i]).length).toBeGreaterThan(want.length / 4);
    });
  }
});

describe.skipIf(!relaxedSimdAvailable())("the emulated build gives the fused build's convolutions", () => {
  for (const convAlgorithm of ['winograd', 'winograd2', 'winograd6', 'im2col'] as ConvAlgorithm[]) {
    it(`${convAlgorithm}, x=[1,33,47,12] w=[3,3,12,20], 2 threads: byte-identical`, async () => {
      const { layer, weights, x } = convCase(33, 47, 12, 20, 4711);
      const run = async (fma: boolean | 'emulated') => {
        const b = await createSimdBackend({ fma, threads: 2, convAlgorithm });
        try {
          const y = await b.conv2dRelu(await b.input(x), await b.prepareLayer(layer, weights));
          return Buffer.from(((await b.read(y)) as { data: Float32Array }).data.buffer);
        } finally {
          await b.close();
        }
      };
      const [fused, emulated, plain] = [await run(true), await run('emulated'), await run(false)];
      expect(emulated.equals(fused)).toBe(true);
      expect(plain.equals(fused)).toBe(false);
    });
  }
});

describe('fusedF32, the reference itself', () => {
  it('rounds once: (1 + 2⁻¹²)² − (1 + 2⁻¹¹) is 2⁻²⁴ fused, 0 after a rounded product', () => {
    const a = 1 + 2 ** -12;
    expect(fusedF32(a, a, -(1 + 2 ** -11))).toBe(2 ** -24);
    expect(mulAddF32(a, a, -(1 + 2 ** -11))).toBe(0);
  });

  it('breaks a float64 tie the way the exact value lies (where rounding twice would not)', () => {
    // a·b = 2⁻²⁴ − 2⁻⁷⁰ exactly; + (1 + 2⁻²³) rounds in float64 to 1 + 2⁻²³ + 2⁻²⁴, halfway between two
    // floats, so rounding that again goes to the even one (1 + 2⁻²²); the exact sum lies below halfway
    const a = Math.fround(2 ** -12 * (1 + 2 ** -23));
    const b = Math.fround(2 ** -12 * (1 - 2 ** -23));
    const c = Math.fround(1 + 2 ** -23);
    expect(Math.fround(a * b + c)).toBe(1 + 2 ** -22);
    expect(fusedF32(a, b, c)).toBe(c);
    expect(fusedF32(-a, -b, -c)).toBe(-c);
    expect(fusedF32(a, b, 1)).toBe(1); // below the tie 1 + 2⁻²⁴ as well
  });
});
