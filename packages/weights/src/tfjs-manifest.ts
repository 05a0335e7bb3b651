import { VggError, sizeOf } from '@vggscope/core';

export interface ManifestWeight {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: string;
  readonly quantization?: {
    readonly dtype: 'uint8' | 'uint16' | 'float16';
    readonly scale?: number;
    readonly min?: number;
  };
  /** Bytes this weight occupies in its group's concatenated shards (computed here). */
  readonly byteLength: number;
}

export interface ManifestGroup {
  readonly paths: readonly string[];
  readonly weights: readonly ManifestWeight[];
  /** Sum of the weights' byte lengths: what the group's shards must hold, exactly. */
  readonly byteLength: number;
}

/** No real layers-model comes near these; they bound what a hostile manifest can make us do. */
const MAX_GROUPS = 10_000;
const MAX_ENTRIES = 100_000;
const MAX_RANK = 8;
const MAX_WEIGHT_BYTES = 2 ** 32;

/**
 * Checks a parsed `model.json` against the structure the reader relies on, before any of it is
 * used: `weightsManifest` is an array of groups with string `paths` (relative, inside the
 * folder) and `weights` whose shapes are small arrays of non-negative integers, float32 dtypes
 * (optionally quantized) and byte sizes that fit. Returns the groups with byte lengths computed.
 * Any fault → E_WEIGHTS_FORMAT naming the file and the JSON path of the bad field.
 */
export function parseTfjsManifest(json: unknown, file: string): ManifestGroup[] {
  const bad = (where: string, what: string): never => {
    throw new VggError(
      'E_WEIGHTS_FORMAT',
      `'${file}' is not a valid TensorFlow.js layers-model manifest: ${where} ${what}; convert the model again (tensorflowjs_converter) or check the download`,
    );
  };
  if (!isObject(json)) return bad('the file', 'is not a JSON object');
  const manifest = json.weightsManifest;
  if (!Array.isArray(manifest))
    return bad('weightsManifest', `is ${describe(manifest)}, expected an array of weight groups`);
  if (manifest.length > MAX_GROUPS) bad('weightsManifest', `has ${manifest.length} groups (at most ${MAX_GROUPS})`);
  return manifest.map((g: unknown, gi: number): ManifestGroup => {
    const at = `weightsManifest[${gi}]`;
    if (!isObject(g)) return bad(at, 'is not an object');
    if (!Array.isArray(g.paths) || g.paths.length > MAX_ENTRIES)
      return bad(`${at}.paths`, `is ${describe(g.paths)}, expected an array of shard file names`);
    if (!Array.isArray(g.weights) || g.weights.length > MAX_ENTRIES)
      return bad(`${at}.weights`, `is ${describe(g.weights)}, expected an array`);
    g.paths.forEach((p: unknown, pi: number) => {
      if (typeof p !== 'string' || p.length === 0 || p.length > 1000) bad(`${at}.paths[${pi}]`, `is ${describe(p)}`);
      const s = p as string;
      if (s.includes('\0') || s.startsWith('/') || s.split(/[\\/]/).includes('..'))
        bad(`${at}.paths[${pi}]`, `('${s}') points outside the model folder`);
    });
    let total = 0;
    const weights = g.weights.map((w: unknown, wi: number): ManifestWeight => {
      const wat = `${at}.weights[${wi}]`;
      if (!isObject(w)) return bad(wat, 'is not an object');
      if (typeof w.name !== 'string' || w.name.length === 0 || w.name.length > 1000)
        bad(`${wat}.name`, `is ${describe(w.name)}`);
      const shape = w.shape;
      if (!Array.isArray(shape) || shape.length > MAX_RANK || !shape.every(isCount)) {
        return bad(
          `${wat}.shape`,
          `(${String(w.name)}) is ${describe(shape)}, expected up to ${MAX_RANK} non-negative integers`,
        );
      }
      const q = w.quantization;
      if (q !== undefined) {
        if (!isObject(q) || (q.dtype !== 'uint8' && q.dtype !== 'uint16' && q.dtype !== 'float16'))
          bad(`${wat}.quantization`, `is ${describe(q)}`);
        for (const k of ['scale', 'min'] as const) {
          if ((q as Record<string, unknown>)[k] !== undefined && !Number.isFinite((q as Record<string, unknown>)[k]))
            bad(`${wat}.quantization.${k}`, `is ${describe((q as Record<string, unknown>)[k])}`);
        }
      } else if (w.dtype !== 'float32') {
        bad(
          `${wat}.dtype`,
          `(${String(w.name)}) is ${describe(w.dtype)}; only float32 (optionally quantized) is supported`,
        );
      }
      const qd = (q as { dtype?: string } | undefined)?.dtype;
      const bytes = sizeOf(shape as number[]) * (qd === 'uint8' ? 1 : qd ? 2 : 4);
      if (!Number.isSafeInteger(bytes) || bytes > MAX_WEIGHT_BYTES)
        bad(`${wat}.shape`, `(${String(w.name)}) (${(shape as number[]).join(', ')}) is too large`);
      total += bytes;
      return {
        name: w.name as string,
        shape: shape as number[],
        dtype: String(w.dtype),
        quantization: q as ManifestWeight['quantization'],
        byteLength: bytes,
      };
    });
    if (!Number.isSafeInteger(total)) bad(at, 'weights are too large');
    if (weights.length > 0 && g.paths.length === 0) bad(`${at}.paths`, 'is empty, but the group lists weights');
    return { paths: g.paths as string[], weights, byteLength: total };
  });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function describe(v: unknown): string {
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
