/**
 * Pillow's `convert('RGB')` of a mode "LAB" image: ImageCms builds a LittleCMS 2.14 transform from
 * `createProfile("LAB")` (cmsCreateLab2Profile(NULL): abstract, D50, identity) to
 * `createProfile("sRGB")` (cmsCreate_sRGBProfile), perceptual intent, flags 0, input format
 * PT_LabV2 × 3 bytes + 1 extra, output TYPE_RGBA_8. LittleCMS links it into a float pipeline
 * (Lab v4 → XYZ D50, the inverse sRGB colorant matrix, the inverse sRGB parametric curves), and, the
 * formats being 8-bit, `OptimizeByResampling` samples that pipeline in 16 bits on a 33³ grid (the
 * Lab identity stage and the v4↔v2 pair are removed first, the white fix-up finds no node at
 * L=100, a=b=0). Every pixel is then the 16-bit tetrahedral interpolation of that grid
 * (`TetrahedralInterp16`) on the input bytes × 257, packed back with `FROM_16_TO_8`.
 *
 * Reproduced operation by operation: float32 (`Math.fround`) where LittleCMS stores
 * `cmsFloat32Number`, double elsewhere, its fast floor (`_cmsQuickFloorWord`) and its integer
 * wrap-around. Checked against Pillow on all 2^24 inputs (lcms-lab-srgb.pillow.test.ts).
 */
const f32 = Math.fround;

type Mat3 = [number, number, number, number, number, number, number, number, number];

/** cmsmtrx.c `_cmsMAT3per`: r = a·b, each entry summed left to right. */
function mul(a: Mat3, b: Mat3): Mat3 {
  const r = [] as unknown as Mat3;
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++)
      r[i * 3 + j] = a[i * 3]! * b[j]! + a[i * 3 + 1]! * b[3 + j]! + a[i * 3 + 2]! * b[6 + j]!;
  return r;
}

/** cmsmtrx.c `_cmsMAT3inverse`, cofactors in its order. */
function inverse(a: Mat3): Mat3 {
  const [a00, a01, a02, a10, a11, a12, a20, a21, a22] = a;
  const c0 = a11 * a22 - a12 * a21;
  const c1 = -a10 * a22 + a12 * a20;
  const c2 = a10 * a21 - a11 * a20;
  const det = a00 * c0 + a01 * c1 + a02 * c2;
  return [
    c0 / det,
    (a02 * a21 - a01 * a22) / det,
    (a01 * a12 - a02 * a11) / det,
    c1 / det,
    (a00 * a22 - a02 * a20) / det,
    (a02 * a10 - a00 * a12) / det,
    c2 / det,
    (a01 * a20 - a00 * a21) / det,
    (a00 * a11 - a01 * a10) / det,
  ];
}

const evalMat = (a: Mat3, v: readonly number[]) =>
  [0, 1, 2].map((i) => a[i * 3]! * v[0]! + a[i * 3 + 1]! * v[1]! + a[i * 3 + 2]! * v[2]!);

const D50 = [0.9642, 1.0, 0.8249];
const MAX_ENCODEABLE_XYZ = 1.0 + 32767.0 / 32768.0;

/** cmswtpnt.c `_cmsAdaptationMatrix` with the Bradford cone matrix, from a white point to D50. */
function bradfordToD50(white: readonly number[]): Mat3 {
  const chad: Mat3 = [0.8951, 0.2664, -0.1614, -0.7502, 1.7135, 0.0367, 0.0389, -0.0685, 1.0296];
  const src = evalMat(chad, white);
  const dst = evalMat(chad, D50);
  const cone: Mat3 = [dst[0]! / src[0]!, 0, 0, 0, dst[1]! / src[1]!, 0, 0, 0, dst[2]! / src[2]!];
  return mul(inverse(chad), mul(cone, chad));
}

/**
 * The matrix stage of the sRGB profile's output direction (cmsio1.c `BuildRGBOutputMatrixShaper`):
 * the colorants of cmsCreate_sRGBProfile (cmswtpnt.c `_cmsBuildRGB2XYZtransferMatrix`, D65 and the
 * Rec. 709 primaries, adapted to D50), inverted, times the XYZ encoding factor.
 */
function srgbOutputMatrix(): Mat3 {
  const [xn, yn] = [0.3127, 0.329];
  const [xr, yr, xg, yg, xb, yb] = [0.64, 0.33, 0.3, 0.6, 0.15, 0.06];
  const primaries: Mat3 = [xr, xg, xb, yr, yg, yb, 1 - xr - yr, 1 - xg - yg, 1 - xb - yb];
  const coef = evalMat(inverse(primaries), [xn / yn, 1.0, (1.0 - xn - yn) / yn]);
  const m: Mat3 = [
    coef[0]! * xr,
    coef[1]! * xg,
    coef[2]! * xb,
    coef[0]! * yr,
    coef[1]! * yg,
    coef[2]! * yb,
    coef[0]! * (1.0 - xr - yr),
    coef[1]! * (1.0 - xg - yg),
    coef[2]! * (1.0 - xb - yb),
  ];
  const whiteXyz = [(xn / yn) * 1.0, 1.0, ((1 - xn - yn) / yn) * 1.0];
  const colorants = mul(bradfordToD50(whiteXyz), m);
  return inverse(colorants).map((v) => v * MAX_ENCODEABLE_XYZ) as Mat3;
}

/** cmspcs.c `f_1`, the inverse of the CIE L* companding. */
const f1 = (t: number) => (t <= 24.0 / 116.0 ? (108.0 / 841.0) * (t - 16.0 / 116.0) : t * t * t);

/** The sRGB curve's parameters (cmsvirt.c `Build_sRGBGamma`), evaluated reversed (cmsgamma.c type -4). */
const P = [2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045] as const;
const DISC = Math.pow(P[1] * P[4] + P[2], P[0]);
const inverseSrgbCurve = (r: number) => (r >= DISC ? (Math.pow(r, 1.0 / P[0]) - P[2]) / P[1] : r / P[3]);

/** `_cmsQuickSaturateWord`: +0.5, clamp, then the 16.16 magic-number floor of `_cmsQuickFloorWord`. */
const MAGIC = 68719476736.0 * 1.5;
function quickSaturateWord(d: number): number {
  d += 0.5;
  if (d <= 0) return 0;
  if (d >= 65535.0) return 0xffff;
  const v = d - 32767.0;
  return Math.floor(v + MAGIC - MAGIC) + 32767;
}

/** The unoptimised pipeline in 16 bits (cmslut.c `_LUTeval16`): three stages in float32. */
function evalPipeline16(m: Mat3, l16: number, a16: number, b16: number, out: Uint16Array, at: number): void {
  // EvaluateLab2XYZ, v4 rules, XYZ scaled to the 1.15 encoding.
  const L = f32(l16 / 65535) * 100.0;
  const a = f32(a16 / 65535) * 255.0 - 128.0;
  const b = f32(b16 / 65535) * 255.0 - 128.0;
  const y = (L + 16.0) / 116.0;
  const xyz = [
    f32((f1(y + 0.002 * a) * D50[0]!) / MAX_ENCODEABLE_XYZ),
    f32((f1(y) * D50[1]!) / MAX_ENCODEABLE_XYZ),
    f32((f1(y - 0.005 * b) * D50[2]!) / MAX_ENCODEABLE_XYZ),
  ];
  for (let i = 0; i < 3; i++) {
    // EvaluateMatrix (double sum, float32 result), then EvaluateCurves (float32), then FromFloatTo16.
    const rgb = f32(0 + xyz[0]! * m[i * 3]! + xyz[1]! * m[i * 3 + 1]! + xyz[2]! * m[i * 3 + 2]!);
    out[at + i] = quickSaturateWord(f32(inverseSrgbCurve(rgb)) * 65535.0);
  }
}

const GRID = 33;

/** cmslut.c `_cmsQuantizeVal`: node i of n in 0…65535. */
const quantize = (i: number, n: number) => quickSaturateWord((i * 65535.0) / (n - 1));

let clut: Uint16Array | undefined;

/** The 33³ × RGB table `OptimizeByResampling` samples (L slowest, b fastest), built once (~35,937 evaluations). */
export function labToSrgbClut(): Uint16Array {
  if (clut) return clut;
  const m = srgbOutputMatrix();
  const t = new Uint16Array(GRID * GRID * GRID * 3);
  const q = Array.from({ length: GRID }, (_, i) => quantize(i, GRID));
  for (let i = 0, p = 0; i < GRID; i++)
    for (let j = 0; j < GRID; j++) for (let k = 0; k < GRID; k++, p += 3) evalPipeline16(m, q[i]!, q[j]!, q[k]!, t, p);
  return (clut = t);
}

/**
 * cmsintrp.c `TetrahedralInterp16` on the 33³ grid for 8-bit input (v × 257), with its per-axis
 * set-up (`_cmsToFixedDomain`, node and rest) tabulated for the 256 byte values. Sums wrap in int32
 * as in C; the result is truncated to 16 bits as C's store does.
 */
interface Axis {
  readonly node: Int32Array;
  readonly rest: Int32Array;
  readonly next: Int32Array;
}

function axis(stride: number): Axis {
  const node = new Int32Array(256);
  const rest = new Int32Array(256);
  const next = new Int32Array(256);
  for (let v = 0; v < 256; v++) {
    const a = v * 257 * (GRID - 1);
    const fixed = a + Math.trunc((a + 0x7fff) / 0xffff);
    node[v] = (fixed >> 16) * stride;
    rest[v] = fixed & 0xffff;
    next[v] = v === 255 ? 0 : stride;
  }
  return { node, rest, next };
}

let axes: [Axis, Axis, Axis] | undefined;

/**
 * One row of Pillow "LAB" pixels (L, a + 128, b + 128 per pixel: Pillow's internal representation)
 * → sRGB bytes, exactly as Pillow 9.4 with LittleCMS 2.14 converts them.
 *
 * @example
 * const rgb = new Uint8Array(3);
 * labRowToSrgb(Uint8Array.of(255, 128, 128), rgb); // L=100, a=b=0 → rgb = [254, 255, 254], as Pillow gives
 */
export function labRowToSrgb(lab: Uint8Array, rgb: Uint8Array, pixels = lab.length / 3): void {
  const t = labToSrgbClut();
  const [ax, ay, az] = (axes ??= [axis(GRID * GRID * 3), axis(GRID * 3), axis(3)]);
  for (let p = 0, q = 0; p < pixels; p++, q += 3) {
    const l = lab[q]!;
    const a = lab[q + 1]!;
    const b = lab[q + 2]!;
    const rx = ax.rest[l]!;
    const ry = ay.rest[a]!;
    const rz = az.rest[b]!;
    const base = ax.node[l]! + ay.node[a]! + az.node[b]!;
    let X1 = ax.next[l]!;
    let Y1 = ay.next[a]!;
    let Z1 = az.next[b]!;
    // The six tetrahedra (Sakamoto): corner offsets made cumulative, then which difference each rest weighs.
    let order: number;
    if (rx >= ry) {
      if (ry >= rz) ((Y1 += X1), (Z1 += Y1), (order = 0));
      else if (rz >= rx) ((X1 += Z1), (Y1 += X1), (order = 1));
      else ((Z1 += X1), (Y1 += Z1), (order = 2));
    } else {
      if (rx >= rz) ((X1 += Y1), (Z1 += X1), (order = 3));
      else if (ry >= rz) ((Z1 += Y1), (X1 += Z1), (order = 4));
      else ((Y1 += Z1), (X1 += Y1), (order = 5));
    }
    for (let o = 0; o < 3; o++) {
      const at = base + o;
      const c0 = t[at]!;
      const v1 = t[at + X1]!;
      const v2 = t[at + Y1]!;
      const v3 = t[at + Z1]!;
      let c1: number, c2: number, c3: number;
      switch (order) {
        case 0:
          ((c1 = v1 - c0), (c2 = v2 - v1), (c3 = v3 - v2));
          break;
        case 1:
          ((c1 = v1 - v3), (c2 = v2 - v1), (c3 = v3 - c0));
          break;
        case 2:
          ((c1 = v1 - c0), (c2 = v2 - v3), (c3 = v3 - v1));
          break;
        case 3:
          ((c1 = v1 - v2), (c2 = v2 - c0), (c3 = v3 - v1));
          break;
        case 4:
          ((c1 = v1 - v3), (c2 = v2 - c0), (c3 = v3 - v2));
          break;
        default:
          ((c1 = v1 - v2), (c2 = v2 - v3), (c3 = v3 - c0));
      }
      const rest = (Math.imul(c1, rx) + Math.imul(c2, ry) + Math.imul(c3, rz) + 0x8001) | 0;
      const w = (c0 + (((rest + (rest >> 16)) | 0) >> 16)) & 0xffff;
      rgb[q + o] = ((w * 65281 + 8388608) >>> 24) & 0xff; // FROM_16_TO_8
    }
  }
}
